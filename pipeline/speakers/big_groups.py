"""A group past the partition budget, made a chunk of its documents at a time.

A role's table has one group of most documents (those without a role: 240,000 of 630,000
at 300M characters); loading it whole, as a partition, held its shares two or three times
over (the partition, the weighted copy, the copy shipped to a bootstrap worker), the peak of
the speakers stage. Here its weighted shares go to a temporary file in doc_id order
(row_store.partitions, in chunks of the budget), and:

- its share is their column sums made in the order numpy makes them over the whole column
  (pairwise, split in halves down to chunks that are read from the file): the same bits;
- each resample draws the same documents from the same generator as
  shares.bootstrap_samples, and the draws' counts go to a second file (resamples ×
  documents); then a chunk of documents at a time, every resample's counts of those
  documents times their weighted shares are added up. The token totals are whole numbers
  (the same in any order); the shares' sums are added in another order than the one matrix
  product over all documents, so the intervals agree to rounding (about 1e-15), not to the
  bit (tests/speakers/test_big_groups.py).

Memory: a chunk of the budget's rows, a block of draws (shares.BOOTSTRAP_BLOCK) and a
block of counts (groups.BLOCK_CELLS), whatever the group's size; a few numbers per document
(its row, tokens, order).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.common.config import SpeakersConfig
from pipeline.speakers.groups import BLOCK_CELLS
from pipeline.speakers.row_store import RowStore, StoredRows, cut_units, partitions, row_store
from pipeline.speakers.shares import BOOTSTRAP_BLOCK

PAIRWISE_BLOCK = 128  # numpy's pairwise summation sums a run of up to this many unsplit


@dataclass(frozen=True)
class BigGroup:
    """One group's documents: the frame's store rows, the group's frame positions in doc_id
    order, their tokens (float, that order) and the group's place in the sorted groups
    (its generator's seed)."""

    rows: StoredRows
    take: np.ndarray
    tokens: np.ndarray
    position: int


@dataclass(frozen=True)
class BigFigures:
    """shares.group_figures' figures of the one group (topics each)."""

    n_tokens: int
    share: np.ndarray
    low: np.ndarray
    high: np.ndarray


def big_group_figures(group: BigGroup, cfg: SpeakersConfig, seed: int) -> BigFigures:
    """Share and interval of one large group, as shares.group_figures makes them."""
    store = group.rows.store
    n, k = len(group.take), store.n_topics
    with row_store(k, store.folder) as weighted:
        units = group.rows.units(group.take, np.arange(n),
                                 cut_units(np.ones(n, dtype=np.int64), store.budget_rows()))
        for p in partitions(store, units):
            # The product bootstrap_samples and weighted_shares make, element for element.
            weighted.append(p.theta * group.tokens[p.units, None])
        total = group.tokens.sum()
        share = (pairwise_sums(weighted, 0, n, store.budget_rows()) / total if total > 0
                 else np.full(k, 1.0 / k))
        rng = np.random.default_rng([seed, group.position])
        samples = resampled_shares(weighted, group.tokens, cfg.n_bootstrap, rng)
    alpha = (1.0 - cfg.ci) / 2
    # As shares.batch_intervals cuts a group's resamples (topics × resamples).
    low, high = np.quantile(np.ascontiguousarray(samples.T)[None], [alpha, 1 - alpha],
                            axis=2, overwrite_input=True)[:, 0]
    return BigFigures(int(group.tokens.sum()), share, np.minimum(low, share),
                      np.maximum(high, share))


def pairwise_sums(store: RowStore, start: int, stop: int, leaf: int) -> np.ndarray:
    """Column sums of rows start..stop-1 as numpy sums a column of them at once: its
    pairwise summation halves a run (rounded down to eights) until it fits a block, so
    halves that fit `leaf` rows are summed by numpy itself and added in the same tree (a run
    of PAIRWISE_BLOCK or fewer numpy sums in one go: never split further)."""
    n = stop - start
    if n <= max(leaf, PAIRWISE_BLOCK):
        return np.asfortranarray(store.read(start, stop)).sum(axis=0)
    half = n // 2
    half -= half % 8
    return (pairwise_sums(store, start, start + half, leaf)
            + pairwise_sums(store, start + half, stop, leaf))


def resampled_shares(weighted: RowStore, tokens: np.ndarray, n_boot: int,
                     rng: np.random.Generator) -> np.ndarray:
    """shares.bootstrap_samples (n_boot × topics) of the documents whose weighted shares
    `weighted` holds in order: the same draws, their counts on disk beside it."""
    n, k = len(tokens), weighted.n_topics
    counts = CountFile(weighted.folder / "drawn.bin", n, n_boot)
    totals = np.empty(n_boot)
    block = max(1, min(n_boot, BOOTSTRAP_BLOCK // max(n, 1)))
    with open(counts.path, "wb") as handle:
        for start in range(0, n_boot, block):
            size = min(block, n_boot - start)
            picks = rng.integers(0, n, size=(size, n))
            picks += np.arange(size)[:, None] * n
            drawn = np.bincount(picks.ravel(), minlength=size * n).reshape(size, n)
            # Whole numbers: the same sum in any order.
            totals[start:start + size] = drawn @ tokens
            drawn.astype(counts.dtype).tofile(handle)
    sums = np.zeros((n_boot, k))
    for first, block_rows in weighted.blocks(max(1, BLOCK_CELLS // max(n_boot, 1))):
        sums += counts.columns(first, len(block_rows)).astype(float) @ block_rows
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals[:, None] > 0,
                        sums / np.where(totals > 0, totals, 1)[:, None], 1.0 / k)


@dataclass(frozen=True)
class CountFile:
    """How often each resample drew each document (resamples × documents, row-major)."""

    path: Path
    n_docs: int
    n_boot: int

    @property
    def dtype(self) -> type:
        # A document is drawn at most n_docs times in a resample of n_docs draws.
        return np.uint16 if self.n_docs < 2**16 else np.uint32

    def columns(self, first: int, size: int) -> np.ndarray:
        """Every resample's counts of documents first..first+size-1 (n_boot × size)."""
        out: np.ndarray = np.empty((self.n_boot, size), dtype=self.dtype)
        width = np.dtype(self.dtype).itemsize
        with open(self.path, "rb") as handle:
            for r in range(self.n_boot):
                handle.seek((r * self.n_docs + first) * width)
                out[r] = np.fromfile(handle, dtype=self.dtype, count=size)
        return out
