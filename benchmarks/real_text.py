"""Real-shaped minutes for the speed benchmarks: Diet speech whose vocabulary keeps growing.

    python -m benchmarks.real_text OUT --chars 10e6 --shape big|small [--corpus DIR]

Repeating a passage makes every word known after its first copy, which flatters a tokenizer
that learns words as it meets them. Here the vocabulary grows as real minutes' does:

1. Heaps' law V = K·n^β (distinct MeCab surfaces after n tokens) is fitted on the Diet
   minutes in --corpus (NDL records, speeches.jsonl; read where they lie, never copied).
2. Speeches are rebuilt from that corpus's sentences, each with one noun swapped for another
   of the corpus's nouns (drawn by frequency), so that sentences do not recur verbatim,
   which real minutes' sentences seldom do, but for set phrases that have no noun.
3. Whenever the distinct surfaces so far fall below K·n^β, a new word takes a noun's place:
   a katakana word MeCab has never seen (its unknown-word path, as for a new loanword or
   name); beside each, a new compound of two of the corpus's kanji nouns (new terms for our
   compound pass, known words to MeCab). A new word recurs afterwards, the older ones more
   often, as real new words do.

Shapes: `big` writes one file per meeting of about 100k characters in the minutes' own
layout (○名前君　…); `small` writes one NDL-layout table (speeches.jsonl) of meetings of 1-2k
characters each, the shape of thousands of short sittings. Same arguments, same text.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import fugashi
import numpy as np

DIET_DEV = Path(__file__).resolve().parents[2] / "shared/corpora/diet-dev"
_TAG = re.compile(r"^○(\S+?)[\s\u3000]+")
_SENTENCE = re.compile(r"[^。？！\n]+[。？！]?")
_KATAKANA = ("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨ"
             "ラリルレロワガギグゲゴザジズゼゾダデドバビブベボパピプペポ")
_TAIL = ("ー", "ン", "ッ", "")
_KANJI = re.compile(r"^[\u4e00-\u9fff]{2,}$")


@dataclass(frozen=True)
class Sentence:
    pieces: tuple[str, ...]  # MeCab surfaces in order (joined they are the sentence)
    ids: tuple[int, ...]  # each surface's id
    nouns: tuple[int, ...]  # positions of common and proper nouns


@dataclass(frozen=True)
class Source:
    """The corpus's sentences, speeches and nouns, and its Heaps' law."""

    sentences: list[Sentence]
    speeches: list[dict]  # label, speaker, meeting, group, position, date, n_chars
    nouns: list[str]  # every noun token (so a random pick is frequency-weighted)
    kanji_nouns: list[str]
    heaps_k: float
    heaps_beta: float
    n_surfaces: int


def heaps_fit(tokens: list[int]) -> tuple[float, float, list[tuple[int, int]]]:
    """K and β of V = K·n^β by least squares in log-log over log-spaced checkpoints."""
    seen: set[int] = set()
    marks = sorted({int(x) for x in np.geomspace(1000, len(tokens), 30)})
    points, j = [], 0
    for i, token in enumerate(tokens, 1):
        seen.add(token)
        if j < len(marks) and i == marks[j]:
            points.append((i, len(seen)))
            j += 1
    n, v = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    beta, log_k = np.polyfit(n, v, 1)
    return float(np.exp(log_k)), float(beta), points


def load_source(corpus: Path) -> Source:
    tagger = fugashi.Tagger()
    ids: dict[str, int] = {}
    sentences, speeches, nouns, stream = [], [], [], []
    meetings: dict[str, int] = {}  # issueID -> its first sentence
    with open(corpus / "speeches.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            tag = _TAG.match(record["speech"])
            if record.get("kind") == "header" or not tag:
                continue
            body = record["speech"][tag.end():].replace("\r", "")
            if record["issueID"] not in meetings:
                meetings[record["issueID"]] = len(sentences)
            # diet-dev's field names, or the NDL API's own (tests/data/kokkai).
            speeches.append({"label": tag[1], "speaker": record["speaker"],
                             "meeting": record.get("meeting") or record["nameOfMeeting"],
                             "group": record.get("group", record.get("speakerGroup")) or "",
                             "position": record.get("position",
                                                    record.get("speakerPosition")) or "",
                             "date": record["date"], "n_chars": len(body),
                             "issue": record["issueID"]})
            for text in _SENTENCE.findall(body):
                words = tagger(text.strip("\u3000 "))
                pieces = tuple(w.surface for w in words)
                if not pieces:
                    continue
                word_ids = tuple(ids.setdefault(p, len(ids)) for p in pieces)
                stream.extend(word_ids)
                where = tuple(i for i, w in enumerate(words) if w.feature.pos1 == "名詞"
                              and w.feature.pos2 in ("普通名詞", "固有名詞"))
                nouns.extend(pieces[i] for i in where)
                sentences.append(Sentence(pieces, word_ids, where))
    k, beta, _ = heaps_fit(stream)
    # Each speech is rebuilt from its own sitting's sentences, so meetings keep their subjects.
    starts = sorted(set(meetings.values())) + [len(sentences)]
    ends = dict(zip(starts[:-1], starts[1:], strict=True))
    for speech in speeches:
        first = meetings[speech.pop("issue")]
        speech["span"] = (first, ends[first]) if ends[first] > first else (0, len(sentences))
    return Source(sentences, speeches, nouns, sorted({n for n in nouns if _KANJI.match(n)}),
                  k, beta, len(ids))


class Writer:
    """Speech text of the wanted size, with the vocabulary growing by the source's law."""

    def __init__(self, source: Source, seed: int) -> None:
        self.src, self.rng = source, random.Random(seed)
        self.seen: set[int] = set()
        self.new_words: list[str] = []
        self.new_seen: set[str] = set()
        self.tokens = 0
        self.chars = 0

    def _new_word(self) -> str:
        while True:
            word = "".join(self.rng.choice(_KATAKANA) for _ in range(self.rng.randint(3, 5)))
            word += self.rng.choice(_TAIL)
            if word not in self.new_seen:
                self.new_seen.add(word)
                return word

    def sentence(self, span: tuple[int, int]) -> str:
        src, rng = self.src, self.rng
        s = src.sentences[rng.randrange(*span)]
        pieces = list(s.pieces)
        self.seen.update(s.ids)
        self.tokens += len(pieces)
        if s.nouns:
            # No sentence recurs verbatim: one noun becomes another of the corpus's nouns.
            pieces[rng.choice(s.nouns)] = rng.choice(src.nouns)
            due = src.heaps_k * self.tokens ** src.heaps_beta
            if len(self.seen) + len(self.new_words) < due:
                word = self._new_word()
                self.new_words.append(word)
                compound = rng.choice(src.kanji_nouns) + rng.choice(src.kanji_nouns)
                pieces[rng.choice(s.nouns)] = rng.choice((word, compound))
            elif self.new_words and rng.random() < 0.2:
                # An older new word recurs more often than a newer one.
                pieces[rng.choice(s.nouns)] = self.new_words[
                    int(len(self.new_words) * rng.random() ** 2)]
        text = "".join(pieces)
        self.chars += len(text)
        return text

    def speech(self, n_chars: int, span: tuple[int, int]) -> list[str]:
        """Paragraphs of about n_chars characters (four sentences a paragraph) from the
        sentences in span."""
        sentences, size = [], 0
        while size < n_chars:
            sentences.append(self.sentence(span))
            size += len(sentences[-1])
        return ["".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]


def _speech_picker(source: Source, rng: random.Random):
    """Real speeches in their corpus order, from a random start, so each meeting's speakers
    and turn lengths follow a real sitting's."""
    speeches = source.speeches
    position = [rng.randrange(len(speeches))]

    def next_speech() -> dict:
        position[0] = (position[0] + 1) % len(speeches)
        return speeches[position[0]]
    return next_speech


def write_big(out: Path, source: Source, chars: int, meeting_chars: int, seed: int) -> dict:
    """One file per meeting of about meeting_chars characters, in the minutes' layout."""
    out.mkdir(parents=True, exist_ok=True)
    writer, rng = Writer(source, seed), random.Random(seed + 1)
    next_speech = _speech_picker(source, rng)
    n = 0
    while writer.chars < chars:
        n += 1
        first = next_speech()
        lines = [f"第{n}回 {first['meeting']}", f"{first['date']}", ""]
        start = writer.chars
        speech = first
        while writer.chars - start < meeting_chars and writer.chars < chars:
            paragraphs = writer.speech(min(max(speech["n_chars"], 20), 6000),
                                       first["span"])
            lines.append(f"○{speech['label']}　{paragraphs[0]}")
            lines += [f"　{p}" for p in paragraphs[1:]]
            speech = next_speech()
        (out / f"meeting_{n:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"meetings": n, "chars": writer.chars, "tokens": writer.tokens,
            "new_words": len(writer.new_words)}


def write_small(out: Path, source: Source, chars: int, low: int, high: int, seed: int) -> dict:
    """One NDL-layout table of meetings of low..high characters each."""
    out.mkdir(parents=True, exist_ok=True)
    writer, rng = Writer(source, seed), random.Random(seed + 1)
    next_speech = _speech_picker(source, rng)
    n = 0
    with open(out / "speeches.jsonl", "w", encoding="utf-8") as handle:
        while writer.chars < chars:
            n += 1
            issue, target, start = f"M{n:07d}", rng.randint(low, high), writer.chars
            first = speech = next_speech()
            order = 0
            while writer.chars - start < target and writer.chars < chars:
                order += 1
                want = min(speech["n_chars"], target - (writer.chars - start)) or 20
                body = "\n　".join(writer.speech(max(want, 20), first["span"]))
                handle.write(json.dumps({
                    "speechID": f"{issue}_{order:03d}", "issueID": issue, "kind": "speech",
                    "meeting": speech["meeting"], "date": speech["date"], "order": order,
                    "speaker": speech["speaker"], "group": speech["group"],
                    "position": speech["position"],
                    "speech": f"○{speech['label']}　{body}"}, ensure_ascii=False) + "\n")
                speech = next_speech()
    return {"meetings": n, "chars": writer.chars, "tokens": writer.tokens,
            "new_words": len(writer.new_words)}


def write(out: Path, source: Source, chars: int, shape: str, seed: int = 0) -> dict:
    if shape == "big":
        return write_big(out, source, chars, 100_000, seed)
    return write_small(out, source, chars, 1000, 2000, seed)


def measured_heaps(texts, limit_chars: int) -> tuple[float, float]:
    """Heaps' K and β of generated text (its first limit_chars characters), by MeCab surfaces:
    the check that the generator's vocabulary grows as the source's does."""
    tagger, ids, stream, size = fugashi.Tagger(), {}, [], 0
    for text in texts:
        stream.extend(ids.setdefault(w.surface, len(ids)) for w in tagger(text))
        size += len(text)
        if size >= limit_chars:
            break
    k, beta, _ = heaps_fit(stream)
    return k, beta


def texts_of(out: Path):
    """The speech text of a generated corpus, in order (for measured_heaps)."""
    if (out / "speeches.jsonl").exists():
        with open(out / "speeches.jsonl", encoding="utf-8") as handle:
            for line in handle:
                yield _TAG.sub("", json.loads(line)["speech"])
    for path in sorted(out.glob("meeting_*.txt")):
        yield from (_TAG.sub("", line) for line in
                    path.read_text(encoding="utf-8").splitlines()[3:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chars", type=float, default=10e6)
    parser.add_argument("--shape", choices=("big", "small"), default="big")
    parser.add_argument("--corpus", type=Path, default=DIET_DEV)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    source = load_source(args.corpus)
    print(f"source: {len(source.sentences):,} sentences, {source.n_surfaces:,} surfaces; "
          f"Heaps K={source.heaps_k:.1f} β={source.heaps_beta:.3f}")
    print(write(args.out, source, int(args.chars), args.shape, args.seed))
    k, beta = measured_heaps(texts_of(args.out), int(args.chars))
    print(f"generated: Heaps K={k:.1f} β={beta:.3f} (MeCab surfaces)")


if __name__ == "__main__":
    main()
