"""Text as varied as news, from Diet minutes: for the tokenize stage's speed on new words.

    python -m benchmarks.varied_text OUT.jsonl --corpus A/speeches.jsonl [--corpus B ...]
        [--chars 9e6] [--target 31] [--seed 0]

News brings new words at a rate Diet minutes do not: in its first 1.5M characters, news has
about 31 distinct MeCab surfaces per 1,000 tokens, diet-dev 12 (measured as `variety` does:
fugashi.Tagger surfaces of the records' `speech` texts in file order, headers included for
diet-dev as in the issue; 12.4 here). No news corpus is at hand, so such text is built:

1. The speeches (headers left out: the pipeline skips them) of every --corpus (NDL records:
   diet-dev, diet-2025, kokkai-sample), meetings kept whole, in a seeded shuffle of all the
   corpora's meetings: one committee's subject after another's. Over again, with fresh
   splices, if --chars is more than they hold (diet-dev + diet-2025 + kokkai-sample: 6.5M).
   Alone, this mix has 16.7 distinct surfaces per 1,000 tokens in its first 1.5M.
2. In each speech, runs of kanji (2+) or katakana (3+) are replaced, each with probability
   `rate`, by a new item, and with probability `rate` by an earlier new item (the older ones
   more often: a name in the news recurs): a katakana word MeCab has never seen (its
   unknown-word path: a loanword, a foreign name), a Latin-letter name (Zentrix), a figure
   (3,482億円, 12.7%, 2031年: digits are one MeCab token each run) or a compound of two of
   the text's own kanji runs (known words to MeCab, a new compound to our compound pass),
   in shares 4:2:2:2.
3. `rate` is found by the secant method on the first 1.5M characters until they have
   --target distinct surfaces per 1,000 tokens (±0.5), then the whole text is written with
   it: about as many new words per token all through, more than news, whose rate falls as
   it goes (Heaps' law): a harder test than news beyond 1.5M.

The output is an NDL-layout table (speechID, issueID, speaker, speech, date, house, meeting,
issue, group), for `ingest.columns` as the README's NDL example. Same arguments, same text.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

PREFIX = 1_500_000
_RUN = re.compile(r"[\u4e00-\u9fff]{2,}|[\u30a1-\u30fa]{3,}")
_LABEL = re.compile(r"^○\S+?[\s\u3000]+")
_KATAKANA = ("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨ"
             "ラリルレロワガギグゲゴザジズゼゾダデドバビブベボパピプペポ")
_TAIL = ("ー", "ン", "ッ", "ル", "ス", "")
_LATIN = "abcdefghijklmnopqrstuvwxyz"
_UNITS = ("億円", "万円", "%", "人", "件", "年", "万トン", "社")


def read_meetings(paths: list[Path]) -> list[list[dict]]:
    """Every corpus's speeches (no headers), grouped by meeting, fields as diet-dev's."""
    meetings: dict[str, list[dict]] = {}
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                r = json.loads(line)
                if r.get("kind") == "header":
                    continue
                meetings.setdefault(r["issueID"], []).append({
                    "speechID": r["speechID"], "issueID": r["issueID"],
                    "speaker": r["speaker"], "speech": r["speech"], "date": r["date"],
                    "house": r.get("house") or r.get("nameOfHouse") or "",
                    "meeting": r.get("meeting") or r.get("nameOfMeeting") or "",
                    "issue": r.get("issue") or "",
                    "group": r.get("group") or r.get("speakerGroup") or ""})
    return list(meetings.values())


@dataclass
class Splicer:
    """New words into speeches, at `rate` per run of kanji or katakana."""

    rate: float
    rng: random.Random
    made: list[str]
    seen: set[str]

    def _fresh(self, run: str, runs: list[str]) -> str:
        rng = self.rng
        kind = rng.choices(("kana", "latin", "figure", "compound"), (4, 2, 2, 2))[0]
        if kind == "kana":
            word = "".join(rng.choice(_KATAKANA) for _ in range(rng.randint(3, 6)))
            word += rng.choice(_TAIL)
        elif kind == "latin":
            word = "".join(rng.choice(_LATIN) for _ in range(rng.randint(4, 8))).capitalize()
        elif kind == "figure":
            number = rng.randint(10, 99_999)
            word = (f"{number:,}" if rng.random() < 0.5 else f"{number / 10:.1f}") \
                + rng.choice(_UNITS)
        else:
            word = run + rng.choice(runs) if runs else run
        if word in self.seen:
            return run
        self.seen.add(word)
        self.made.append(word)
        return word

    def _replace(self, match: re.Match, runs: list[str]) -> str:
        draw = self.rng.random()
        if draw < self.rate:
            return self._fresh(match.group(), runs)
        if draw < 2 * self.rate and self.made:
            # An older new word recurs more often than a newer one.
            return self.made[int(len(self.made) * self.rng.random() ** 2)]
        return match.group()

    def speech(self, text: str) -> str:
        """The speech with new words in place of some of its runs (its label kept)."""
        label = _LABEL.match(text)
        head, body = (text[: label.end()], text[label.end():]) if label else ("", text)
        runs = [m for m in _RUN.findall(body) if m[0] >= "\u4e00"]
        return head + _RUN.sub(lambda m: self._replace(m, runs), body)


def generate(meetings: list[list[dict]], rate: float, chars: int, seed: int):
    """Records with new words spliced in, until `chars` characters of speech."""
    rng = random.Random(seed)
    splicer = Splicer(rate, random.Random(seed + 1), [], set())
    written, lap = 0, 0
    while written < chars:
        order = list(range(len(meetings)))
        rng.shuffle(order)
        for i in order:
            for record in meetings[i]:
                text = splicer.speech(record["speech"])
                written += len(text)
                suffix = f"-{lap}" if lap else ""
                yield {**record, "speech": text, "speechID": record["speechID"] + suffix,
                       "issueID": record["issueID"] + suffix}
                if written >= chars:
                    return
        lap += 1


def variety(texts, limit: int = PREFIX) -> tuple[int, int, float]:
    """Distinct fugashi.Tagger surfaces, tokens, and distinct per 1,000 tokens in the first
    `limit` characters of the texts."""
    import fugashi

    tagger = fugashi.Tagger()
    seen: set[str] = set()
    n = size = 0
    for text in texts:
        if size >= limit:
            break
        text = text[: limit - size]
        size += len(text)
        for w in tagger(text):
            seen.add(w.surface)
            n += 1
    return len(seen), n, 1000 * len(seen) / max(n, 1)


def calibrate(meetings: list[list[dict]], target: float, seed: int,
              prefix: int = PREFIX) -> tuple[float, float]:
    """The splice rate that gives `target` distinct surfaces per 1,000 tokens in the first
    `prefix` characters (secant method), and the variety it gives."""
    def measure(rate: float) -> float:
        return variety((r["speech"] for r in generate(meetings, rate, prefix, seed)), prefix)[2]

    points = [(0.0, measure(0.0)), (0.1, measure(0.1))]
    for _ in range(8):
        (r0, v0), (r1, v1) = points[-2], points[-1]
        if abs(v1 - target) <= 0.5 or v1 == v0:
            break
        rate = min(0.5, max(0.0, r1 + (target - v1) * (r1 - r0) / (v1 - v0)))
        points.append((rate, measure(rate)))
    return min(points, key=lambda p: abs(p[1] - target))


def write(out: Path, corpora: list[Path], chars: int, target: float, seed: int,
          prefix: int = PREFIX) -> dict:
    """Write the varied table to `out`; what it is (rate, variety in the first `prefix`
    characters, size)."""
    meetings = read_meetings(corpora)
    base = variety((r["speech"] for r in generate(meetings, 0.0, prefix, seed)), prefix)
    rate, _ = calibrate(meetings, target, seed, prefix)
    out.parent.mkdir(parents=True, exist_ok=True)
    n_chars = n_records = 0
    with open(out, "w", encoding="utf-8") as handle:
        for record in generate(meetings, rate, chars, seed):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            n_chars += len(record["speech"])
            n_records += 1
    with open(out, encoding="utf-8") as handle:
        made = variety((json.loads(line)["speech"] for line in handle), prefix)
    return {"rate": round(rate, 4), "chars": n_chars, "records": n_records,
            "mix_per_1000": round(base[2], 1), "per_1000": round(made[2], 1),
            "distinct": made[0], "tokens": made[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--corpus", type=Path, action="append", required=True,
                        help="an NDL-records speeches.jsonl (repeat for several)")
    parser.add_argument("--chars", type=float, default=9e6)
    parser.add_argument("--target", type=float, default=31.0,
                        help="distinct MeCab surfaces per 1,000 tokens in the first 1.5M")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(write(args.out, args.corpus, int(args.chars), args.target, args.seed)))


if __name__ == "__main__":
    main()
