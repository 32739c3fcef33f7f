"""How the shipped model defaults were chosen: engines × K on the bundled transcript.

Reads the tokens of the last `dvc repro` (outputs/interim/), fits each engine at each K under
three seeds, with and without the seeded themes, and prints NPMI and C_V coherence (gensim,
on our own tokens), topic diversity, stability across seeds (Hungarian-matched top-10
overlap), fit time, and whether the three known themes (特区 / 安全保障・セキュリティ・サイバー /
材料) land in three distinct topics' top-10 terms.

    python benchmarks/choose_defaults.py [--engines nmf,lda,gensim_lda] [--k 6-12]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from itertools import product
from pathlib import Path

import scipy.sparse as sp

from pipeline.common.io import iter_records
from pipeline.model.engines import EngineSpec
from pipeline.model.sweep import SweepSpec, score_k
from pipeline.model.themes import load_themes, seed_columns
from pipeline.model.topics import TermCounts, fit_topics

warnings.filterwarnings("ignore")


def themes_distinct(terms: list[list[str]]) -> bool:
    zones = [i for i, t in enumerate(terms) if "特区" in t]
    wanted = {"安全保障", "セキュリティ", "サイバー"}
    security = [i for i, t in enumerate(terms) if wanted & set(t)]
    materials = [i for i, t in enumerate(terms) if "材料" in t]
    return any(len({a, b, c}) == 3 for a, b, c in product(zones, security, materials))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engines", default="nmf,lda,gensim_lda")
    parser.add_argument("--k", default="6-12")
    parser.add_argument("--interim", default="outputs/interim")
    parser.add_argument("--themes", default="configs/themes.yaml")
    args = parser.parse_args()
    low, high = (int(x) for x in args.k.split("-"))
    interim = Path(args.interim)
    counts = sp.load_npz(interim / "dtm.npz")
    vocab = json.loads((interim / "vocabulary.json").read_text(encoding="utf-8"))
    known = set(vocab)
    texts = [[w for w in r["terms"] if w in known] for r in iter_records(interim / "tokens.jsonl")]
    seeded = tuple(seed_columns([t for t in load_themes(args.themes) if t.guides], vocab))
    print(f"# machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"python {platform.python_version()}; "
          f"matrix {counts.shape[0]} docs x {counts.shape[1]} terms")
    print("engine      themes  K  npmi    c_v    divers  stabil  fit_s  3themes")
    for engine in args.engines.split(","):
        for use_themes in (False, True):
            if use_themes and engine != "nmf":
                continue
            data = TermCounts(counts, tuple(vocab))
            spec = EngineSpec(engine, 400, 10, seeded if use_themes else ())
            for k in range(low, high + 1):
                start = time.perf_counter()
                fitted = fit_topics(data, spec, k, 42)
                elapsed = time.perf_counter() - start
                score = score_k(SweepSpec(data, spec), texts, k, [42, 43, 44])
                print(f"{engine:<11} {'yes' if use_themes else 'no':<6} {k:>2}  "
                      f"{score.npmi:+.3f}  {score.c_v:.3f}  {score.diversity:.3f}   "
                      f"{score.stability:.3f}   {elapsed:5.2f}  {themes_distinct(fitted.terms)}")


if __name__ == "__main__":
    main()
