"""Build a large corpus of meeting minutes for the scale benchmark.

    python benchmarks/make_corpus.py OUT_DIR --chars 30000000 --files 1000 [--seed 0]

Each file is one meeting in Diet-minutes style (○名前君　…), one in ten in the study-group
style (<名前>). Turns are rebuilt from sentences sampled from the Diet sample's speeches and
the bundled transcript, with each turn's length and speaker drawn from the real turns, so the
text reads like minutes and the vocabulary is theirs. The same arguments give the same files.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SENTENCE = re.compile(r"[^。？！]+[。？！]")
_DIET_TAG = re.compile(r"^○(\S+?)[\s　]+")
_ANGLE_TAG = re.compile(r"^<([^>]+)>\s*$", re.MULTILINE)


def source_turns() -> list[tuple[str, str]]:
    """(speaker label, text) of every real turn we sample from."""
    turns = []
    speeches = (ROOT / "tests/data/kokkai/speeches.jsonl").read_text(encoding="utf-8")
    for line in speeches.split("\n"):
        if not line:
            continue
        record = json.loads(line)
        match = _DIET_TAG.match(record["speech"])
        if record.get("kind") != "header" and match:
            turns.append((match.group(1), record["speech"][match.end():]))
    text = (ROOT / "data/nakasone_digital_economy_2021-02-02.txt").read_text(encoding="utf-8")
    pieces = _ANGLE_TAG.split(text)
    for label, body in zip(pieces[1::2], pieces[2::2], strict=True):
        turns.append((label.strip(), body.strip()))
    return turns


def build(out: Path, total_chars: int, n_files: int, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    turns = source_turns()
    sentences = [s.strip() for _, body in turns for s in _SENTENCE.findall(body) if s.strip()]
    labels = [label for label, _ in turns]
    lengths = [len(body) for _, body in turns]
    out.mkdir(parents=True, exist_ok=True)
    per_file = total_chars // n_files
    written = 0
    for i in range(n_files):
        angle = i % 10 == 9
        lines = [f"第{i + 1}回 会議録", ""]
        size = 0
        while size < per_file:
            label = rng.choice(labels)
            want = min(rng.choice(lengths), 4000)
            body: list[str] = []
            while sum(map(len, body)) < want:
                body.append(rng.choice(sentences))
            paragraphs = ["".join(body[j : j + 4]) for j in range(0, len(body), 4)]
            if angle:
                lines += [f"<{label}>", *paragraphs, ""]
            else:
                lines.append(f"○{label}　{paragraphs[0]}")
                lines += [f"　{p}" for p in paragraphs[1:]]
            size += sum(map(len, paragraphs))
        text = "\n".join(lines) + "\n"
        (out / f"meeting_{i + 1:04d}.txt").write_text(text, encoding="utf-8")
        written += size
    return n_files, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chars", type=int, default=30_000_000)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n_files, n_chars = build(args.out, args.chars, args.files, args.seed)
    print(f"{args.out}: {n_files} files, {n_chars:,} characters of speech")


if __name__ == "__main__":
    main()
