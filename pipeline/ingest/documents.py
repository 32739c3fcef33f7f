"""Cut turns into the documents a topic model sees: turns, paragraphs or sentence windows."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from pipeline.common.words import any_word
from pipeline.ingest.transcripts import Paragraph, Turn

_SENTENCE = re.compile(r"[^。！？!?]*(?:[。！？!?]+[」』）)]*|$)")


@dataclass(frozen=True)
class Document:
    """A unit of speech that the model scores, traceable to its source span."""

    doc_id: str
    meeting: str
    speaker: str
    role: str
    turn: int
    part: int
    start: int
    end: int
    text: str
    source_id: str = ""
    weight: float = 1.0
    date: str = ""
    attributes: tuple[tuple[str, str], ...] = ()

    def to_record(self) -> dict:
        # Not dataclasses.asdict: it deep-copies every field, a hot spot on a large corpus.
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        record["attributes"] = dict(self.attributes)
        return record


def split_sentences(para: Paragraph) -> list[Paragraph]:
    """Sentences of a paragraph, with spans.

    Spans are approximate when NFKC changed the paragraph's length.
    """
    pieces: list[Paragraph] = []
    scale = (para.end - para.start) / max(len(para.text), 1)
    for match in _SENTENCE.finditer(para.text):
        sentence = match.group().strip()
        if not sentence:
            continue
        start = para.start + round(match.start() * scale)
        end = para.start + round(match.end() * scale)
        pieces.append(Paragraph(sentence, start, end))
    return pieces


def _windows(pieces: list[Paragraph], size: int) -> list[Paragraph]:
    out = []
    for i in range(0, len(pieces), size):
        chunk = pieces[i : i + size]
        out.append(_merge(chunk))
    return out


def _limit(pieces: list[Paragraph], max_chars: int) -> list[Paragraph]:
    """Split pieces longer than max_chars at sentence ends, packing sentences greedily."""
    out: list[Paragraph] = []
    for piece in pieces:
        if len(piece.text) <= max_chars:
            out.append(piece)
            continue
        chunk: list[Paragraph] = []
        for sentence in _hard_split(split_sentences(piece) or [piece], max_chars):
            if chunk and sum(len(s.text) for s in chunk) + len(sentence.text) > max_chars:
                out.append(_merge(chunk))
                chunk = []
            chunk.append(sentence)
        if chunk:
            out.append(_merge(chunk))
    return out


def _hard_split(pieces: list[Paragraph], max_chars: int) -> list[Paragraph]:
    """Cut any piece still over max_chars (a sentence with no end) into max_chars slices."""
    out: list[Paragraph] = []
    for piece in pieces:
        if len(piece.text) <= max_chars:
            out.append(piece)
            continue
        scale = (piece.end - piece.start) / max(len(piece.text), 1)
        for i in range(0, len(piece.text), max_chars):
            start = piece.start + round(i * scale)
            end = piece.start + round(min(i + max_chars, len(piece.text)) * scale)
            out.append(Paragraph(piece.text[i : i + max_chars], start, end))
    return out


def _merge(chunk: list[Paragraph]) -> Paragraph:
    return Paragraph("".join(p.text for p in chunk), chunk[0].start, chunk[-1].end)


def is_procedural(role: str, procedural_roles: tuple[str, ...], speaker: str = "") -> bool:
    """Whether a turn's role runs the meeting (ends in one of procedural_roles: 予算委員長);
    a label that is only a role (<委員長>, 議長) has it as the speaker and no role."""
    title = role or speaker
    return bool(title) and bool(procedural_roles) and title.endswith(tuple(procedural_roles))


PROCEDURE_SHARE = 0.5  # a chair's turn is procedure when half its text is in such sentences


def is_chair_speech(text: str, min_chars: int, procedure_words: frozenset[str]) -> bool:
    """Whether a procedural role's turn is the speaker's own speech (a bill explanation, a
    committee report): at least min_chars characters (0 = never), less than PROCEDURE_SHARE
    of them in sentences that hold a word of procedure (議題, 採決, お諮り; the tokenizer's
    procedure lexicon). Calls to order, votes and agendas are short, or mostly such
    sentences."""
    if not min_chars or len(text) < min_chars:
        return False
    pattern = any_word(procedure_words)
    sentences = [s for s in _SENTENCE.findall(text) if s.strip()]
    procedure = sum(len(s) for s in sentences if pattern and pattern.search(s))
    return procedure < PROCEDURE_SHARE * sum(len(s) for s in sentences)


def merge_short(pieces: list[Paragraph], min_chars: int) -> list[Paragraph]:
    """Consecutive paragraphs joined until each piece has at least min_chars characters
    (a short last piece joins the one before): minutes often give one sentence a paragraph,
    too few words for a model to place."""
    out: list[list[Paragraph]] = []
    for piece in pieces:
        if out and sum(len(p.text) for p in out[-1]) < min_chars:
            out[-1].append(piece)
        else:
            out.append([piece])
    if len(out) > 1 and sum(len(p.text) for p in out[-1]) < min_chars:
        out[-2].extend(out.pop())
    return [_merge(group) if len(group) > 1 else group[0] for group in out]


@dataclass(frozen=True)
class DocOptions:
    """The ingest settings that cut turns into documents."""

    unit: str = "paragraph"
    sentences_per_doc: int = 3
    max_chars: int = 2000
    exclude_speakers: frozenset[str] = frozenset()
    speaker_weights: tuple[tuple[str, float], ...] = ()
    min_chars: int = 0
    procedural_roles: tuple[str, ...] = ()
    procedural_weight: float = 0.0
    chair_speech_min_chars: int = 0
    procedure_words: frozenset[str] = frozenset()  # the tokenizer's procedure lexicon


def make_documents(turns: list[Turn], options: DocOptions) -> list[Document]:
    """Documents from speaker turns, cut by options.unit; turn 0 (no speaker), excluded
    speakers and (at weight 0) procedural roles are not used, but for a procedural role's
    own speech (is_chair_speech), modelled at the speaker's weight."""
    o = options
    unit, sentences_per_doc, max_chars = o.unit, o.sentences_per_doc, o.max_chars
    exclude_speakers, min_chars = o.exclude_speakers, o.min_chars
    procedural_roles, procedural_weight = o.procedural_roles, o.procedural_weight
    chair_speech_min_chars, procedure_words = o.chair_speech_min_chars, o.procedure_words
    speaker_weights = dict(o.speaker_weights)
    docs: list[Document] = []
    for turn in turns:
        if turn.turn == 0 or not turn.paragraphs or turn.speaker in exclude_speakers:
            continue
        weight = speaker_weights.get(turn.speaker, 1.0)
        if is_procedural(turn.role, procedural_roles, turn.speaker) and not is_chair_speech(
                turn.text, chair_speech_min_chars, procedure_words):
            if procedural_weight == 0:
                continue
            weight *= procedural_weight
        if unit == "turn":
            pieces = [Paragraph(turn.text, turn.start, turn.end)]
        elif unit == "paragraph":
            pieces = merge_short(list(turn.paragraphs), min_chars)
        else:
            sentences = [s for p in turn.paragraphs for s in split_sentences(p)]
            pieces = _windows(sentences, sentences_per_doc)
        for part, piece in enumerate(_limit(pieces, max_chars), start=1):
            docs.append(
                Document(
                    doc_id=f"{turn.meeting}#{turn.turn}.{part}",
                    meeting=turn.meeting,
                    speaker=turn.speaker,
                    role=turn.role,
                    turn=turn.turn,
                    part=part,
                    start=piece.start,
                    end=piece.end,
                    text=piece.text,
                    source_id=turn.source_id,
                    weight=weight,
                    date=turn.date,
                    attributes=turn.attributes,
                )
            )
    return docs
