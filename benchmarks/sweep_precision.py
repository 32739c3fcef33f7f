"""A K sweep's rough NMF fit in double and in single precision: CPU time, iterations, and
whether the topics' top terms (all the sweep reads of a fit, with their shares) agree.

    python -m benchmarks.sweep_precision PROJECT_DIR --ks 65 97 [--docs 18000] [--seed 0]

PROJECT_DIR is a project after `dvc repro` (its outputs/interim/dtm.npz). Each K is fitted
as a sweep run is (pipeline.model.sweep.fit_sweep_run: one BLAS thread, the engine's rough
settings, a seeded sample of the documents), once per precision; CPU seconds, so that a
busy machine counts alike for both.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits


def fit_once(x, k: int, seed: int, single: bool) -> tuple[float, int, list[list[int]], float]:
    from pipeline.model.engines import ROUGH_MAX_ITER, NMFTopics

    model = NMFTopics(k, seed, ROUGH_MAX_ITER, (), "batch", 1e-3, single=single)
    started = time.process_time()
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theta = model.fit_transform(x)
    cpu = time.process_time() - started
    top = [list(np.argsort(-row, kind="stable")[:10]) for row in model.components_]
    weight = np.asarray(x.sum(axis=1)).ravel()
    shares = (theta * weight[:, None]).sum(axis=0) / weight.sum()
    return cpu, int(model.nmf_.n_iter_), top, float(shares.max())


def main() -> None:
    from pipeline.common.io import read_matrix
    from pipeline.model.quality import match_topics

    parser = argparse.ArgumentParser()
    parser.add_argument("project", type=Path)
    parser.add_argument("--ks", type=int, nargs="+", required=True)
    parser.add_argument("--docs", type=int, default=18_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    counts = read_matrix(args.project / "outputs/interim/dtm.npz").tocsr()
    rows = np.sort(np.random.default_rng(args.seed).choice(
        counts.shape[0], size=min(args.docs, int(0.9 * counts.shape[0])), replace=False))
    x = counts[rows]
    print(f"# {platform.machine()}, {platform.python_version()}; {args.project}: "
          f"{x.shape[0]} documents x {x.shape[1]} terms, {x.nnz} entries")
    for k in args.ks:
        double = fit_once(x, k, args.seed, single=False)
        single = fit_once(x, k, args.seed, single=True)
        agree = match_topics([[str(t) for t in top] for top in double[2]],
                             [[str(t) for t in top] for top in single[2]])[1]
        same = sum(a == b for a, b in zip(double[2], single[2], strict=True))
        print(f"K {k}: double {double[0]:.1f} s CPU in {double[1]} iterations, single "
              f"{single[0]:.1f} s in {single[1]} ({single[0] / double[0]:.2f}x); top-10 terms "
              f"the same for {same} of {k} topics (mean agreement {np.mean(agree):.3f}); "
              f"largest share {double[3]:.4f} / {single[3]:.4f}")


if __name__ == "__main__":
    main()
