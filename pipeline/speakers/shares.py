"""Who talked about what: token-weighted topic shares per group, with bootstrap intervals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.common.compute import parallel_map
from pipeline.common.config import SpeakersConfig


def weighted_shares(theta: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Topic shares of a group of documents, each weighted by its token count."""
    total = weights.sum()
    if total <= 0:
        return np.full(theta.shape[1], 1.0 / theta.shape[1])
    return (theta * weights[:, None]).sum(axis=0) / total


BOOTSTRAP_BLOCK = 4_000_000  # resampled document slots per block: bounds the memory used


def bootstrap_samples(theta: np.ndarray, weights: np.ndarray, n_boot: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Shares of n_boot resamples of the group's documents (n_boot × topics).

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
    return samples


def stacked_samples(thetas: np.ndarray, tokens: np.ndarray, docs: np.ndarray, n_boot: int,
                    rngs: list[np.random.Generator]) -> np.ndarray:
    """bootstrap_samples of many groups of `n` documents each (group i's rows are docs[i], an
    array of groups × n row numbers, drawn with rngs[i]), as one stack (groups × n_boot ×
    topics): the same figures, without the per-group overhead that dominates when tens of
    thousands of groups are small.

    Only for groups that bootstrap_samples draws in one block (n · n_boot <=
    BOOTSTRAP_BLOCK): each group's resamples are then one draw from its own generator.
    """
    k, n = thetas.shape[1], docs.shape[1]
    picks = np.stack([rng.integers(0, n, size=(n_boot, n)) for rng in rngs]).reshape(-1, n)
    picks += np.arange(len(rngs) * n_boot)[:, None] * n  # in place: no third copy
    drawn = np.bincount(picks.ravel(), minlength=picks.size).reshape(len(rngs), n_boot, n)
    weights = tokens[docs]
    # One matrix product per group, as bootstrap_samples makes it (the same BLAS call and
    # so the same last bits); a stack only saves the Python round trips.
    samples = np.matmul(drawn, thetas[docs] * weights[:, :, None])  # the sums, at first
    totals = np.matmul(drawn, weights[:, :, None])
    # bootstrap_samples' np.where, written as a division (in place: the same quotients) and
    # a fill: np.where broadcasting totals over the topics is ten times slower on a stack.
    samples /= np.where(totals > 0, totals, 1)
    empty = ~(totals > 0)
    if empty.any():
        samples[np.broadcast_to(empty, samples.shape)] = 1.0 / k
    return samples


# Resampled shares of many groups held for one quantile call: a task's working set is a few
# arrays of this size (the stacks' sums and shares, the resamples; 64 MB each at 8M cells, in
# the stage and in each worker). Its groups' figures do not depend on it (each group has its
# own generator and its own product).
QUANTILE_CELLS = 2_000_000
# Resampled documents (documents × n_bootstrap) from which the speakers stage's bootstrap
# is worth worker processes (speakers.n_jobs): below, it takes a second or two here.
PARALLEL_MIN_DRAWS = 20_000_000


@dataclass(frozen=True)
class SortedGroups:
    """A table's documents cut into groups: rows sorted by group (groups in sorted order),
    each group's rows in doc_id order."""

    keys: np.ndarray  # the groups' names
    thetas: np.ndarray  # documents × topics
    tokens: np.ndarray
    bounds: np.ndarray  # group i's rows: bounds[i]:bounds[i + 1]
    first: int = 0  # the position of group 0 in the whole table (see part)
    # Each group's position in the sorted whole table, where the groups come in another
    # order (meetings by date): their generators' seeds. None: first, first + 1, ...
    positions: np.ndarray | None = None

    @property
    def n_docs(self) -> np.ndarray:
        return np.diff(self.bounds)

    def rows(self, index: int) -> slice:
        return slice(self.bounds[index], self.bounds[index + 1])

    def position(self, index: int) -> int:
        """Group `index`'s position in the whole table (its generator's seed)."""
        return int(self.positions[index]) if self.positions is not None else self.first + index

    def part(self, first: int, last: int) -> SortedGroups:
        """Groups first..last-1 alone, as a task takes them (their generators are still
        seeded from their positions in the whole table)."""
        rows = slice(self.bounds[first], self.bounds[last])
        return SortedGroups(self.keys[first:last], self.thetas[rows], self.tokens[rows],
                            self.bounds[first:last + 1] - self.bounds[first],
                            self.first + first,
                            None if self.positions is None else self.positions[first:last])


def sorted_groups(doc_topics: pd.DataFrame, topic_columns: list[str], by: str) -> SortedGroups:
    """The documents grouped by column `by` as groupby groups them (a missing key is no
    group), from sorted arrays."""
    by_id = doc_topics["doc_id"].argsort(kind="stable").to_numpy()
    # groupby's groups, in its order
    codes, keys = pd.factorize(doc_topics[by].iloc[by_id], sort=True)
    kept = codes >= 0
    order = np.argsort(codes[kept], kind="stable")  # each group's rows stay in doc_id order
    rows = by_id[np.flatnonzero(kept)[order]]
    # One topic column at a time: the documents × topics matrix is copied once, in its
    # final order (sorting the frame first made four copies of it: 1.2 GB at 1M documents).
    thetas = np.column_stack([doc_topics[c].to_numpy(dtype=float)[rows] for c in topic_columns]
                             ) if topic_columns else np.empty((len(rows), 0))
    return SortedGroups(
        np.asarray(keys, dtype=object), thetas,
        doc_topics["n_tokens"].to_numpy(dtype=float)[rows],
        np.searchsorted(codes[kept][order], np.arange(len(keys) + 1)))


def group_resamples(groups: SortedGroups, first: int, last: int, n_boot: int,
                    seed: int) -> np.ndarray:
    """Resampled shares of groups first..last-1 (groups × topics × resamples), each group's
    drawn from its own generator ([seed, its position in the whole table]): a group that
    needs blocks alone, the small ones in stacks of equal size."""
    n_docs = groups.n_docs
    # Groups × topics × resamples: quantiles partition each contiguous run of resamples in
    # place, twice as fast as across the strided runs of groups × resamples × topics.
    samples = np.empty((last - first, groups.thetas.shape[1], n_boot))
    rngs = {}
    for index in range(first, last):
        rng = np.random.default_rng([seed, groups.position(index)])
        if BOOTSTRAP_BLOCK // n_docs[index] < n_boot:  # drawn in blocks: alone
            rows = groups.rows(index)
            samples[index - first] = bootstrap_samples(groups.thetas[rows], groups.tokens[rows],
                                                       n_boot, rng).T
        else:
            rngs[index] = rng
    for n in np.unique(n_docs[list(rngs)]):
        same = [i for i in rngs if n_docs[i] == n]
        # Stacks bounded as bootstrap_samples bounds one group's block.
        step = max(1, BOOTSTRAP_BLOCK // (n * n_boot))
        for at in range(0, len(same), step):
            part = same[at:at + step]
            docs = groups.bounds[part][:, None] + np.arange(n)
            samples[np.asarray(part) - first] = stacked_samples(
                groups.thetas, groups.tokens, docs, n_boot, [rngs[i] for i in part]
            ).transpose(0, 2, 1)
    return samples


@dataclass(frozen=True)
class IntervalBatch:
    """One task of aggregate_shares: a batch of groups, resampled and cut at two quantiles."""

    groups: SortedGroups
    n_boot: int
    seed: int
    quantiles: tuple[float, float]


def batch_intervals(batch: IntervalBatch) -> np.ndarray:
    """Both bounds (2 × groups × topics) of a batch's groups, from one partition of their
    resamples (a scratch array: overwritten)."""
    groups = batch.groups
    return np.quantile(group_resamples(groups, 0, len(groups.keys), batch.n_boot, batch.seed),
                       list(batch.quantiles), axis=2, overwrite_input=True)


@dataclass(frozen=True)
class GroupFigures:
    """aggregate_shares' figures of groups in sorted order (groups × topics)."""

    keys: np.ndarray
    n_docs: np.ndarray
    n_tokens: np.ndarray
    share: np.ndarray
    low: np.ndarray
    high: np.ndarray


def point_shares(groups: SortedGroups) -> np.ndarray:
    """Each group's token-weighted shares (groups × topics)."""
    # Column-major, as pandas hands a group's columns over: numpy sums a column pairwise
    # there and row by row otherwise, which can differ in the last bit.
    return np.array([weighted_shares(np.asfortranarray(groups.thetas[groups.rows(i)]),
                                     groups.tokens[groups.rows(i)])
                     for i in range(len(groups.keys))]).reshape(len(groups.keys),
                                                                groups.thetas.shape[1])


def group_figures(groups: SortedGroups, cfg: SpeakersConfig, seed: int) -> GroupFigures:
    """Share and interval of each group of `groups` (its rows alone make them)."""
    n_groups, k, n_boot = len(groups.keys), groups.thetas.shape[1], cfg.n_bootstrap
    share = point_shares(groups)
    low, high = np.empty((n_groups, k)), np.empty((n_groups, k))
    alpha = (1.0 - cfg.ci) / 2
    batch = max(1, QUANTILE_CELLS // max(n_boot * k, 1))
    starts = range(0, n_groups, batch)
    # Each batch of groups is a task (compute.parallel_map): its groups' generators are
    # their own, so the intervals do not depend on where a batch ran.
    tasks = (IntervalBatch(groups.part(first, min(first + batch, n_groups)), n_boot, seed,
                           (alpha, 1 - alpha)) for first in starts)
    for first, bounds in zip(starts, parallel_map(batch_intervals, tasks), strict=True):
        low[first:first + bounds.shape[1]], high[first:first + bounds.shape[1]] = bounds
    # Percentiles can miss the point estimate by rounding on tiny groups; keep it inside.
    low, high = np.minimum(low, share), np.maximum(high, share)
    # Token counts are whole numbers: their sum is exact in any order.
    n_tokens = (np.add.reduceat(groups.tokens, groups.bounds[:-1]).astype(np.int64)
                if n_groups else np.zeros(0, dtype=np.int64))
    return GroupFigures(groups.keys, groups.n_docs, n_tokens, share, low, high)


def shares_table(figures: GroupFigures, topic_columns: list[str], by: str,
                 min_tokens: int) -> pd.DataFrame:
    """aggregate_shares' long table of groups' figures."""
    n_groups, k = len(figures.keys), len(topic_columns)
    return pd.DataFrame({
        by: np.repeat(figures.keys, k),
        "topic": np.tile(np.asarray(topic_columns, dtype=object), n_groups),
        "share": figures.share.ravel(), "ci_low": figures.low.ravel(),
        "ci_high": figures.high.ravel(),
        "n_docs": np.repeat(figures.n_docs, k), "n_tokens": np.repeat(figures.n_tokens, k),
        "low_data": np.repeat(figures.n_tokens < min_tokens, k),
    })


def aggregate_shares(doc_topics: pd.DataFrame, topic_columns: list[str], by: str,
                     cfg: SpeakersConfig, seed: int) -> pd.DataFrame:
    """Long table: one row per (group, topic) with share, interval, counts and a low-data flag.

    Groups are visited in sorted order and each gets its own generator seeded from `seed` and
    its position, so the result does not depend on row order. Tens of thousands of groups
    (one per meeting) are common: the groups are cut from sorted arrays, the small ones
    resampled in stacks of equal size and their quantiles taken many at once, with the
    figures a group would get alone.
    """
    groups = sorted_groups(doc_topics, topic_columns, by)
    if not len(groups.keys):
        return pd.DataFrame(columns=[by, "topic", "share", "ci_low", "ci_high", "n_docs",
                                     "n_tokens", "low_data"])
    return shares_table(group_figures(groups, cfg, seed), topic_columns, by, cfg.min_tokens)
