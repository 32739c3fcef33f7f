"""Our tokenizer against bare fugashi on the same text, in one run.

    python -m benchmarks.tokenizer_speed [--repeat 5] [--copies 20]

Text: the Diet sample's speeches (tests/data/kokkai) plus the bundled transcript, NFKC,
one document per paragraph, repeated --copies times (20: 4M characters, a large input; the
2-core target is for large inputs, and at 1M the fixed costs of starting workers and of the
corpus-wide compound pass still show). Bare fugashi is
`[w.surface for w in tagger(text)]` per document; ours is the tokenizer's entry point
`tokenize_corpus` (parse, terms, compounds, display forms; the text as one meeting, no
boilerplate or procedure rule, no roster) in this process and with 2 processes; and bare
fugashi on the two halves of the text in two processes, the machine's own ceiling for our
2-core speedup. The four runs are interleaved in --repeat rounds; prints every round, then
medians and bests, both ratios, and whether the parallel output equals the serial one.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import time
import unicodedata
from importlib.metadata import version
from pathlib import Path

import fugashi

from pipeline.common.compute import LocalExecutor
from pipeline.common.config import TokensConfig
from pipeline.tokenize.chunks import Worker
from pipeline.tokenize.core import TokenizeRun, tokenize_corpus

ROOT = Path(__file__).resolve().parents[1]


def corpus(copies: int) -> list[str]:
    texts = []
    diet = ROOT / "tests/data/kokkai/speeches.jsonl"
    for line in diet.read_text(encoding="utf-8").splitlines():
        texts += json.loads(line)["speech"].split("\n")
    texts += (ROOT / "data/nakasone_digital_economy_2021-02-02.txt").read_text(
        encoding="utf-8").split("\n")
    texts = [unicodedata.normalize("NFKC", t).strip() for t in texts if t.strip()]
    return texts * copies


def timed(fn) -> tuple[float, object]:
    # Every run starts cold, as a stage does: no words learned yet, in this process or in
    # the workers it forks.
    Worker.reset()
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def ours(texts: list[str], n_jobs: int) -> list[list[str]]:
    """Terms of every text, by the tokenizer's entry point, in n_jobs processes."""
    cfg = TokensConfig(pos=["noun", "proper_noun"], compound_min_count=3,
                       boilerplate_min_meetings=0, drop_procedural_documents=False)
    docs = [{"doc_id": str(i), "meeting": "m", "text": t} for i, t in enumerate(texts)]
    ex = LocalExecutor(n_jobs)
    try:
        result = tokenize_corpus(lambda: docs, None, cfg, run=TokenizeRun(ex))
        return [r["terms"] for r in result.records()]
    finally:
        ex.close()


def _bare(texts: list[str]) -> None:
    tagger = fugashi.Tagger()
    [[w.surface for w in tagger(t)] for t in texts]


def bare_two_processes(texts: list[str]) -> None:
    """Bare fugashi on each half of the texts in two processes: what this machine's two
    cores give to MeCab work itself, the ceiling for our 2-core speedup."""
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_bare, [texts[0::2], texts[1::2]])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    texts = corpus(args.copies)
    n_chars = sum(len(t) for t in texts)
    bare_tagger = fugashi.Tagger()
    # One untimed warm-up: the dictionary's 260 MB are read from disk into the page cache
    # once, not in the first timed run (every timed run still starts with no words learned).
    timed(lambda: [[w.surface for w in bare_tagger(t)] for t in texts[: len(texts) // 4]])
    timed(lambda: ours(texts[: len(texts) // 4], 2))
    # Rounds interleave the four runs so that each ratio compares runs made under the same
    # machine conditions (a shared VM's speed drifts by ±20% over a minute).
    rounds = []
    for _ in range(args.repeat):
        bare, _ = timed(lambda: [[w.surface for w in bare_tagger(t)] for t in texts])
        del _
        serial, out1 = timed(lambda: ours(texts, 1))
        parallel, out2 = timed(lambda: ours(texts, 2))
        bare2, _ = timed(lambda: bare_two_processes(texts))
        rounds.append((bare, serial, parallel, out1 == out2, bare2))
        del out1, out2
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"fugashi {version('fugashi')}, unidic-lite {version('unidic-lite')}")
    print(f"# {len(texts)} documents, {n_chars:,} characters; {args.repeat} interleaved rounds")
    print("# round: bare, ours 1 process, ours 2 processes, bare 2 processes (s)")
    for i, r in enumerate(rounds, 1):
        print(f"#   {i:2d}: {r[0]:.2f}  {r[1]:.2f}  {r[2]:.2f}  {r[4]:.2f}")
    print(f"{'':<30}{'median':>8}{'best':>8}")
    for name, i in (("bare fugashi (surfaces only)", 0), ("ours, 1 process", 1),
                    ("ours, 2 processes", 2), ("bare fugashi, 2 processes", 4)):
        times = [r[i] for r in rounds]
        print(f"{name:<30}{statistics.median(times):7.2f}s{min(times):7.2f}s")
    # Two estimates of each ratio: the median of the rounds' own ratios (runs made under the
    # same conditions), and best over best (the usual timing estimate: other load on the
    # machine only ever adds time).
    for label, a, b, target in (("single-core ratio (bare / ours)", 0, 1, 0.7),
                                ("2-core speedup (1 proc / 2 procs)", 1, 2, 1.7),
                                ("bare fugashi's own 2-process speedup", 0, 4, None)):
        median = statistics.median(r[a] / r[b] for r in rounds)
        best = min(r[a] for r in rounds) / min(r[b] for r in rounds)
        goal = f"  (target >= {target})" if target else "  (this machine's ceiling)"
        print(f"{label:<38}{median:5.2f}x median, {best:5.2f}x best{goal}")
    print(f"parallel output equals serial: {all(r[3] for r in rounds)}")


if __name__ == "__main__":
    main()
