"""The final fit with BLAS threads as the machine sets them, and with one, on a quiet machine
and beside other work (a busy process per core, as when `dvc exp run` runs beside a
benchmark, or a CI job beside another).

    python -m benchmarks.fit_threads PROJECT_DIR [--k 42] [--rounds 2]

PROJECT_DIR is a project after `dvc repro` (its outputs/interim); the fit is the fit stage's
final one (pipeline.model.topics.fit_topics on every document, the shipped engine settings).
Prints seconds per round, interleaved, so that a busy spell falls on both alike.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def _busy(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def final_fit_seconds(project: Path, k: int, threads: int | None) -> float:
    from pipeline.common.config import load_config
    from pipeline.common.io import read_json, read_matrix
    from pipeline.model.engines import EngineSpec
    from pipeline.model.topics import TermCounts, fit_topics

    cfg = load_config(project / "configs/pipeline.yaml").model
    counts = read_matrix(project / "outputs/interim/dtm.npz")
    vocabulary = tuple(read_json(project / "outputs/interim/vocabulary.json"))
    spec = EngineSpec(cfg.engine, cfg.max_iter, cfg.n_top_terms)
    started = time.perf_counter()
    with threadpool_limits(threads):
        fit_topics(TermCounts(counts, vocabulary), spec, k, 42)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--k", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    blas = [f"{i['internal_api']} {i['num_threads']} threads" for i in threadpool_info()]
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"BLAS: {', '.join(blas)}; 1-minute load at start {os.getloadavg()[0]:.2f}")
    for load in (False, True):
        stop = multiprocessing.Event()
        busy = [multiprocessing.Process(target=_busy, args=(stop,))
                for _ in range(os.cpu_count() or 1)] if load else []
        for p in busy:
            p.start()
        times: dict[str, list[float]] = {"BLAS default": [], "BLAS 1 thread": []}
        for _ in range(args.rounds):
            times["BLAS default"].append(final_fit_seconds(args.project, args.k, None))
            times["BLAS 1 thread"].append(final_fit_seconds(args.project, args.k, 1))
        stop.set()
        for p in busy:
            p.join()
        where = "beside a busy process per core" if load else "quiet"
        print(f"final fit, K = {args.k}, {where}: " + "; ".join(
            f"{name} {np.median(v):.1f} s ({' '.join(f'{x:.1f}' for x in v)})"
            for name, v in times.items()))


if __name__ == "__main__":
    main()
