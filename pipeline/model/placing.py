"""Placing documents on a fitted model's topics (its transform), by blocks of rows: each
block is a task on the executor (pipeline.common.compute), the blocks' shares stacked in
input order. This is the part of the final fit that grows with the documents.

The blocks are fixed by the rows alone (PLACE_BLOCK_ROWS), never by the workers: an engine
whose transform looks at the whole matrix it is given (NMF starts every row from the
matrix's mean and stops on the whole block's convergence) gives the same shares wherever
and in whatever order the blocks run, so every backend and n_jobs writes the same bytes.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning

from pipeline.common.compute import runs_in_parallel

# Rows per task. A corpus of fewer documents is placed in one block, as one transform of
# the whole matrix (diet-dev, 18,000 documents, is one block).
PLACE_BLOCK_ROWS = 20_000

Place = Callable[[object, sp.spmatrix], np.ndarray]


def block_rows() -> int:
    """Rows per placing block (PLACE_BLOCK_ROWS, as set when asked: tests make it small)."""
    return PLACE_BLOCK_ROWS


def place_here(model, counts: sp.spmatrix) -> np.ndarray:
    """The model's own transform of every row, in this process."""
    return model.transform(counts)


@dataclass(frozen=True)
class PlaceBlock:
    """One task: a fitted model and a block of rows to place on its topics."""

    model: BaseEstimator
    counts: sp.csr_matrix


def place_block(block: PlaceBlock) -> np.ndarray:
    """A block's topic shares (the task). BLAS and OpenMP get one thread, as in the sweep's
    fits, so the arithmetic does not depend on the worker it lands on."""
    from threadpoolctl import threadpool_limits

    # A copy: gensim's inference draws from the model's own random state, so a block placed
    # in this process must not move the state the next block starts from (a worker's copy
    # never would).
    model = copy.deepcopy(block.model)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.transform(block.counts)


def place_in_blocks(model, counts: sp.spmatrix, ex, rows: int | None = None) -> np.ndarray:
    """The model's transform of counts, by blocks of `rows` rows (PLACE_BLOCK_ROWS) on
    executor ex (in this process when the executor rule says the blocks are not worth
    workers: one block on this machine). The author-topic model describes only the rows it
    was fitted on: one block."""
    from pipeline.model.engines import GensimAuthorTopic

    counts, rows = sp.csr_matrix(counts), rows or PLACE_BLOCK_ROWS
    if isinstance(model, GensimAuthorTopic):
        return place_here(model, counts)
    starts = range(0, max(counts.shape[0], 1), rows)
    # Cut as the executor takes them: a block's rows are copied only while it is in flight.
    blocks = (PlaceBlock(model, counts[start:start + rows]) for start in starts)
    parallel = runs_in_parallel(ex.backend, ex.n_workers, len(starts), 2)
    return stacked((ex.map if parallel else map)(place_block, blocks), counts.shape[0])


def stacked(blocks: Iterable[np.ndarray], n_rows: int) -> np.ndarray:
    """np.vstack of the blocks (n_rows rows in all), each copied into place as it comes:
    the shares of every document are held once, not also as the list of their blocks."""
    out: np.ndarray | None = None
    row = 0
    for block in blocks:
        if out is None:
            out = np.empty((n_rows, block.shape[1]), dtype=block.dtype)
        out[row:row + len(block)] = block
        row += len(block)
    if out is None or row != n_rows:
        raise ValueError(f"placing: {row} rows placed of {n_rows}")
    return out
