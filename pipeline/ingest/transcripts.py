"""Split decoded transcript text into speaker turns, whatever tag style it uses (the
bytes are decoded in pipeline/ingest/encoding.py)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.common.errors import PipelineError
from pipeline.ingest.speaker_labels import is_phrase, normalize_label, parse_label

# Each style: a pattern for a line that opens a turn, with the label and any inline text.
# No length limit on a label: an official's full office runs past 40 characters
# (<土屋オリンピック・パラリンピック準備局…準備担当部長兼務>), and a tag is a tag at any length.
_ANGLE = re.compile(
    r"^[ \t\u3000]*(?:#{1,6}[ \t\u3000]*)?<(?P<label>[^<>\n]+)>[ \t\u3000]*(?P<text>.*)$"
)
# A ○ label with speech after white space, or alone on its line (then it must read as a
# label: an office, or a name in brackets, so that a ○ bullet in a speech stays speech).
_DIET = re.compile(r"^[○◯〇](?P<label>[^\s\u3000○]+?)(?:[ \t\u3000]+(?P<text>.*))?$")
_COLON = re.compile(
    r"^(?P<label>[^\s\u3000:：「」『』。、,（）()<>]{1,20})[:：][ \t\u3000]*(?P<text>\S.*)$"
)
STYLES = {"angle": _ANGLE, "angle_inline": _ANGLE, "diet": _DIET, "colon": _COLON}

# 〔拍手〕, （拍手）-like directions inside a Diet speech, and ――― rules between items.
_DIRECTION_INLINE = re.compile(
    r"〔[^〕\n]*〕"
    # Plenary minutes put reactions in round brackets: （拍手）, （「異議なし」と呼ぶ者あり）.
    r"|[（(][^）)\n]{0,30}(?:拍手|者あり|速記|笑声|離席|退席|着席|起立|議場騒然)[^）)\n]{0,10}[）)]"
)
_RULE_LINE = re.compile(r"^[\s\u3000]*[―─━‐-]{2,}[◇◆○・―─━‐\s\u3000-]*$")
_SENTENCE_END = tuple("。．.！!？?」』）)】")


@dataclass(frozen=True)
class Paragraph:
    """A run of speech with its character span in the decoded source text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Turn:
    """One speaker's uninterrupted speech; turn 0 is text before the first tag."""

    meeting: str
    turn: int
    speaker_label: str
    speaker: str
    role: str
    paragraphs: tuple[Paragraph, ...]
    directions: tuple[str, ...] = field(default=())
    source_id: str = ""  # the row id of an utterance table
    date: str = ""
    attributes: tuple[tuple[str, str], ...] = ()  # (group, 自民), (position, 外務大臣), ...
    title: str = ""  # the meeting's title (a table's title columns, a transcript's header)
    resolved: bool = True  # False: the label's name could not be told from its office
    # The meeting's attributes a table's row gives (ingest.columns.meeting_attributes).
    meeting_attributes: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.paragraphs)

    @property
    def start(self) -> int:
        return self.paragraphs[0].start if self.paragraphs else -1

    @property
    def end(self) -> int:
        return self.paragraphs[-1].end if self.paragraphs else -1


def detect_style(text: str) -> str:
    """Pick the tag style that opens the most turns in this text."""
    lines = text.splitlines()
    counts = {"angle": 0, "angle_inline": 0, "diet": 0, "colon": 0}
    for line in lines:
        angle = _ANGLE.match(line)
        if angle:
            counts["angle_inline" if angle["text"].strip() else "angle"] += 1
        elif _diet_tag(_DIET.match(line)):
            counts["diet"] += 1
        elif _COLON.match(line):
            counts["colon"] += 1
    # Tag-alone and tag-inline lines are one family: one parser reads both.
    family = counts["angle"] + counts["angle_inline"]
    best = max(counts, key=lambda k: (family if k.startswith("angle") else counts[k], counts[k]))
    score = family if best.startswith("angle") else counts[best]
    if score == 0:
        head = " | ".join(line.strip() for line in lines if line.strip())[:120].replace(
            "\u3000", " ")
        raise PipelineError(
            "no speaker tag style matched (tried <名前>, <名前>発言, ○名前　発言, 名前：発言); "
            f"first lines: 「{head}」; set ingest.style or tag the turns"
        )
    return best


def _diet_tag(match: re.Match | None) -> bool:
    """A ○ line opens a turn if speech follows its label, or if the label alone on its line
    reads as one (an office, or a person in brackets)."""
    if match is None:
        return False
    label = parse_label(match["label"])
    if is_phrase(label.speaker):
        return False  # 〇政治改革に関する特別委員　四十名: an item of a list in a speech
    if match["text"] is not None:
        return True
    return bool(label.role) or match["label"].endswith(("君", "）", ")"))


def tag_like_lines(text: str, style: str) -> list[str]:
    """Lines that look like a speaker tag but were not taken for one (kept as speech of the
    turn they are in): counted and named in ingest.json, never silently."""
    if style != "diet":
        return []
    return [line.strip() for line in text.splitlines()
            if (m := _DIET.match(line)) and not _diet_tag(m)]


# Headings in Diet minutes' front matter that look like a ○ turn but are nobody's speech.
_DIET_HEADINGS = re.compile(
    r"^(?:議事日程|本日の会議に付した案件|会議に付した案件|出席者|出席委員)"
)


@dataclass(frozen=True)
class Segment:
    """A turn as tagged: its label (None: the text before the first tag) and its raw lines,
    each with its offset in the text."""

    label: str | None
    lines: tuple[tuple[str, int], ...]


def tag_segments(text: str, style: str = "auto") -> tuple[list[Segment], str]:
    """The text cut at its speaker tags; returns (segments, style used). Continuation lines
    belong to the turn above; text before the first tag is a segment without a label."""
    used = detect_style(text) if style == "auto" else style
    if used not in STYLES:
        raise PipelineError(f"unknown tag style {used!r}; use one of {', '.join(STYLES)}")
    pattern = STYLES[used]
    segments: list[Segment] = []
    label: str | None = None
    lines: list[tuple[str, int]] = []
    offset = 0
    for raw in text.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        match = pattern.match(line)
        if used == "diet" and not _diet_tag(match):
            match = None
        if match and not _DIET_HEADINGS.match(match["label"]):
            if label is not None or lines:
                segments.append(Segment(label, tuple(lines)))
            label, lines = normalize_label(match["label"]), []
            if match["text"] and match["text"].strip():
                lines.append((match["text"], offset + match.start("text")))
        elif line.strip():
            lines.append((line, offset))
        offset += len(raw)
    if label is not None or lines:
        segments.append(Segment(label, tuple(lines)))
    return segments, used


def split_turns(
    text: str,
    meeting: str,
    style: str = "auto",
    aliases: dict[str, str] | None = None,
    fold_old: bool = False,
) -> tuple[list[Turn], str]:
    """Split decoded transcript text into turns; returns (turns, style used).

    Continuation lines belong to the turn above; text before the first tag is turn 0.
    """
    segments, used = tag_segments(text, style)
    return _some_turn(segment_turns(segments, meeting, aliases, fold_old), used), used


def turn_labels(text: str, meeting: str, style: str = "auto",
                aliases: dict[str, str] | None = None, fold_old: bool = False) -> list[Turn]:
    """split_turns' turns, speakers and roles alike, but with no speech (no paragraphs nor
    directions): what deciding who is who needs (stream.corpus_splits), with the same
    errors, without cleaning every line of speech."""
    segments, used = tag_segments(text, style)
    return _some_turn(segment_turns(segments, meeting, aliases, fold_old, bodies=False), used)


def segment_turns(segments: list[Segment], meeting: str, aliases: dict[str, str] | None,
                  fold_old: bool, bodies: bool = True) -> list[Turn]:
    """Turns of the segments, numbered from 1 (the text before the first tag is turn 0),
    each label parsed into a speaker and a role; `bodies`: False leaves out the speech."""
    alias = tuple(sorted((aliases or {}).items()))
    turns: list[Turn] = []
    for segment in segments:
        paragraphs, directions = speech_body(list(segment.lines), fold_old) if bodies else \
            ((), ())
        if segment.label is None:
            turns.append(Turn(meeting, 0, "", "", "", paragraphs, directions))
            continue
        parsed = parse_label(fold(segment.label) if fold_old else segment.label, alias)
        number = len(turns) + 1 - (turns[0].turn == 0 if turns else 0)
        attributes = (("group", parsed.affiliation),) if parsed.affiliation else ()
        turns.append(Turn(meeting, number, segment.label, parsed.speaker, parsed.role,
                          paragraphs, directions, attributes=attributes,
                          resolved=parsed.resolved))
    return turns


def _some_turn(turns: list[Turn], used: str) -> list[Turn]:
    """The turns, if one of them is a speaker's (not only text before any tag)."""
    if not any(t.turn > 0 for t in turns):
        raise PipelineError(f"no speaker turns found with style {used}; check ingest.style")
    return turns


def speech_body(lines: list[tuple[str, int]],
                fold_old: bool = False) -> tuple[tuple[Paragraph, ...], tuple[str, ...]]:
    """Paragraphs and stage directions of one turn's raw lines (each with its offset).

    Paragraphs are non-blank lines; one that stops mid-sentence (a page break in the source)
    is joined to the next. Directions (〔拍手〕, ――― rules) are taken out first, so that a
    〔拍手〕 after a 。 does not hide the sentence end.
    """
    directions: list[str] = []
    spoken: list[tuple[str, int]] = []
    for line, offset in lines:
        if _RULE_LINE.match(line):
            directions.append(line.strip())
            continue
        directions.extend(_DIRECTION_INLINE.findall(line))
        rest = _DIRECTION_INLINE.sub("", line)
        if rest.strip():
            spoken.append((rest, offset))
    return _join_broken(spoken, fold_old), tuple(directions)


def _join_broken(lines: list[tuple[str, int]], fold_old: bool) -> tuple[Paragraph, ...]:
    paragraphs: list[Paragraph] = []
    pending: tuple[str, int, int] | None = None
    for line, start in lines:
        text = clean_text(line, fold_old)
        if not text:
            continue  # only control characters or white space once cleaned
        end = start + len(line)
        if pending is not None:
            text, start = pending[0] + text, pending[1]
        if text.endswith(_SENTENCE_END):
            paragraphs.append(Paragraph(text, start, end))
            pending = None
        else:
            pending = (text, start, end)
    if pending is not None:
        paragraphs.append(Paragraph(*pending))
    return tuple(paragraphs)


def fold(text: str) -> str:
    """Old character forms to current ones (勞働 → 労働, 委員會 → 委員会), by kyujipy's table.

    Same result as kyujipy's own converter, at a fraction of its cost: it calls str.replace
    once per table entry (about 1,600 per text), the hot spot of reading a large corpus.
    """
    table, words, converter = _folding()
    text = text.translate(table)
    # The word-level rewrites (白堊 → 白亜) run only where one of their words occurs.
    return converter.kyujitai_to_shinjitai(text) if words.search(text) else text


@lru_cache(maxsize=1)
def _folding():
    from kyujipy import KyujitaiConverter
    from kyujipy.basic_converter import EXCEPTIONS_SHINJITAI

    converter = KyujitaiConverter()
    chars = converter.basic_converter.kyujitai_to_shinjitai_database
    # Replacing single characters one after another distributes over concatenation, so the
    # sequence applied to each character alone gives an exact translate table.
    table = {}
    for char in chars:
        folded = char
        for old, new in chars.items():
            folded = folded.replace(old, new)
        table[ord(char)] = folded
    words = [*EXCEPTIONS_SHINJITAI, *converter.kakikae_decode_database]
    pattern = re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))
    return table, pattern, converter


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")


def clean_text(line: str, fold_old: bool = False) -> str:
    """NFKC, no control characters, optionally current character forms, trimmed: what every
    later stage reads."""
    text = _CONTROL.sub("", unicodedata.normalize("NFKC", line)).strip()
    return fold(text) if fold_old else text
