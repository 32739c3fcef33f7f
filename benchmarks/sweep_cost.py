"""Where the K choice's time goes: the sweep's runs of each K (CPU seconds, one process), the
scoring, the K chosen, and the final fit at that K, on a project after `dvc repro`.

    python -m benchmarks.sweep_cost PROJECT_DIR [--ks 65] [--docs 20000] [--final]

PROJECT_DIR is a project after `dvc repro` (its configs and outputs/interim). The runs are
the fit stage's (pipeline.model.sweep.fit_runs, free topics as the auto sweep fits them), one
after another in this process so that each run's CPU seconds are its own; --ks fits only
those Ks (default: the auto range), --docs changes model.sweep_max_docs, --final also fits
the final model from the chosen K as the stage does (CPU seconds, BLAS threads as set).
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning


def main() -> None:
    from pipeline.common.config import load_config
    from pipeline.common.io import (
        read_documents_frame,
        read_index,
        read_json,
        read_matrix,
        read_terms,
    )
    from pipeline.model.core import DOC_FIELDS, FitInputs, FitJob, fit_final
    from pipeline.model.k_choice import choose_k, k_range
    from pipeline.model.sweep import SweepSpec, fit_runs, score_runs
    from pipeline.model.themes import load_themes
    from pipeline.model.topics import sample_rows

    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--ks", type=int, nargs="+")
    parser.add_argument("--docs", type=int)
    parser.add_argument("--final", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    config = load_config(args.project / "configs/pipeline.yaml")
    cfg = config.model if args.docs is None else \
        config.model.model_copy(update={"sweep_max_docs": args.docs})
    interim = args.project / "outputs/interim"
    counts = read_matrix(interim / "dtm.npz")
    index = read_index(interim / "dtm_documents.json")
    vocabulary = read_json(interim / "vocabulary.json")
    rows = sample_rows(counts.shape[0], cfg.sweep_max_docs, config.seed)
    sampled = len(rows) < counts.shape[0]
    data = FitInputs(
        counts=counts, vocabulary=vocabulary,
        documents=read_documents_frame(interim / "documents.jsonl", index, DOC_FIELDS),
        weights=np.array([d.get("weight", 1.0) for d in index]), rows=rows,
        texts=read_terms(interim / "tokens.jsonl",
                         [index[r]["doc_id"] for r in rows] if sampled else None,
                         set(vocabulary)))
    themes = tuple(t for t in load_themes(args.project / cfg.themes_file) if t.guides) \
        if cfg.themes_file else ()
    job = FitJob(data, cfg, config.seed, themes)
    spec = SweepSpec(job.whole.take(rows), dataclasses.replace(job.engine(), seed_topics=()))
    ks = args.ks or list(k_range(*counts.shape, cfg.k_min, cfg.k_max, job.n_seeded).ks)
    cpu: dict[int, float] = {}

    def timed_map(fn, tasks):
        for task in tasks:
            started = time.process_time()
            result = fn(task)
            cpu[task.k] = cpu.get(task.k, 0.0) + time.process_time() - started
            yield result

    runs = fit_runs(spec, ks, list(range(cfg.n_seeds)), map_runs=timed_map)
    started = time.process_time()
    scores = score_runs(runs, job.coherence, c_v_only_for=lambda s: choose_k(s).k)
    scoring = time.process_time() - started
    chosen = choose_k(scores, k_max=ks[-1])
    print(f"# {platform.machine()}, Python {platform.python_version()}; {args.project}: "
          f"{counts.shape[0]} documents x {counts.shape[1]} terms; sweep sample {len(rows)}, "
          f"{cfg.n_seeds} seeds, free topics")
    for s in scores:
        print(f"  K {s.k}: good {s.n_good:.1f}, dead {s.n_dead:.1f}, largest "
              f"{s.max_share:.1%}, CPU {cpu.get(s.k, 0.0):.1f} s")
    print(f"K chosen {chosen.k}; fits {sum(cpu.values()):.1f} s CPU, scoring (NPMI of every "
          f"run, C_V of the chosen K) {scoring:.1f} s")
    if args.final:
        best = next(s for s in scores if s.k == chosen.k)
        start_k = max(2, job.n_seeded + 1, best.k - round(best.n_dead))
        started = time.process_time()
        final = fit_final(job, start_k, prune=True)
        print(f"final fit from K {start_k}: {final.fitted.theta.shape[1]} topics, "
              f"{time.process_time() - started:.1f} s CPU")


if __name__ == "__main__":
    main()
