"""Who talked about what: token-weighted topic shares per group, with bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd


def weighted_shares(theta: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Topic shares of a group of documents, each weighted by its token count."""
    total = weights.sum()
    if total <= 0:
        return np.full(theta.shape[1], 1.0 / theta.shape[1])
    return (theta * weights[:, None]).sum(axis=0) / total


BOOTSTRAP_BLOCK = 4_000_000  # resampled document slots per block: bounds the memory used


def bootstrap_interval(theta: np.ndarray, weights: np.ndarray, n_boot: int, ci: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of the shares, resampling the group's documents.

    Each resample is held as how many times it drew each document, so a group of 100,000
    documents costs a few small blocks of memory, not n_boot copies of its topic matrix.
    """
    n, k = theta.shape
    weighted = theta * weights[:, None]
    samples = np.empty((n_boot, k))
    block = max(1, min(n_boot, BOOTSTRAP_BLOCK // max(n, 1)))
    for start in range(0, n_boot, block):
        size = min(block, n_boot - start)
        picks = rng.integers(0, n, size=(size, n))
        picks += np.arange(size)[:, None] * n
        drawn = np.bincount(picks.ravel(), minlength=size * n).reshape(size, n)
        sums = drawn @ weighted
        totals = (drawn @ weights)[:, None]
        samples[start : start + size] = np.where(
            totals > 0, sums / np.where(totals > 0, totals, 1), 1.0 / k)
    alpha = (1.0 - ci) / 2
    return np.quantile(samples, alpha, axis=0), np.quantile(samples, 1 - alpha, axis=0)


def aggregate_shares(
    doc_topics: pd.DataFrame,
    topic_columns: list[str],
    by: str,
    n_boot: int,
    ci: float,
    min_tokens: int,
    seed: int,
) -> pd.DataFrame:
    """Long table: one row per (group, topic) with share, interval, counts and a low-data flag.

    Groups are visited in sorted order and each gets its own generator seeded from `seed` and
    its position, so the result does not depend on row order.
    """
    rows = []
    ordered = doc_topics.sort_values("doc_id", kind="stable")
    for index, (group, part) in enumerate(ordered.groupby(by, sort=True)):
        theta = part[topic_columns].to_numpy(dtype=float)
        weights = part["n_tokens"].to_numpy(dtype=float)
        share = weighted_shares(theta, weights)
        rng = np.random.default_rng([seed, index])
        low, high = bootstrap_interval(theta, weights, n_boot, ci, rng)
        # Percentiles can miss the point estimate by rounding on tiny groups; keep it inside.
        low, high = np.minimum(low, share), np.maximum(high, share)
        n_tokens = int(weights.sum())
        for k, topic in enumerate(topic_columns):
            rows.append({
                by: group, "topic": topic, "share": share[k], "ci_low": low[k],
                "ci_high": high[k], "n_docs": len(part), "n_tokens": n_tokens,
                "low_data": n_tokens < min_tokens,
            })
    return pd.DataFrame(rows)
