"""The naive script the project is compared with: what a user could write in an afternoon
with the same libraries, for the speed benchmark (benchmarks/scale.py).

    python -m benchmarks.naive_pipeline CORPUS OUT.png [--k 10]

Turns by the minutes' ○ tag (files) or the table's speaker column (speeches.jsonl), one
document per paragraph; fugashi nouns; tf-idf; NMF with K topics; each speaker's mean topic
weights; one heatmap of the 40 speakers with the most documents. No K sweep, no intervals,
no cleaning, one process.
"""

from __future__ import annotations

import argparse
import json
import re
import warnings
from collections import defaultdict
from pathlib import Path

import fugashi
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.decomposition import NMF  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

_TAG = re.compile(r"^○(\S+?)[\s\u3000]+")


def paragraphs(corpus: Path):
    """(speaker, paragraph) of every turn."""
    table = corpus / "speeches.jsonl"
    if table.exists():
        with open(table, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                for text in _TAG.sub("", record["speech"]).split("\n"):
                    yield record["speaker"], text
        return
    for path in sorted(corpus.glob("*.txt")):
        speaker = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            if tag := _TAG.match(line):
                speaker, line = tag[1], line[tag.end():]
            if speaker:
                yield speaker, line


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    tagger = fugashi.Tagger()
    speakers, docs = [], []
    for speaker, text in paragraphs(args.corpus):
        nouns = [w.surface for w in tagger(text) if w.feature.pos1 == "名詞"]
        if nouns:
            speakers.append(speaker)
            docs.append(" ".join(nouns))
    matrix = TfidfVectorizer(token_pattern=r"\S+", min_df=2, max_df=0.3).fit_transform(docs)
    theta = NMF(args.k, init="nndsvd", random_state=0, max_iter=400).fit_transform(matrix)
    rows = defaultdict(list)
    for speaker, weights in zip(speakers, theta, strict=True):
        rows[speaker].append(weights)
    top = sorted(rows, key=lambda s: -len(rows[s]))[:40]
    means = np.array([np.mean(rows[s], axis=0) for s in top])
    warnings.filterwarnings("ignore", "Glyph")  # no Japanese font set up: naive, as said
    fig, ax = plt.subplots(figsize=(8, 10))
    ax.imshow(means, aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(top)), top)
    fig.savefig(args.out, dpi=100)
    print(f"{len(docs)} documents, {matrix.shape[1]} terms, {len(rows)} speakers")


if __name__ == "__main__":
    main()
