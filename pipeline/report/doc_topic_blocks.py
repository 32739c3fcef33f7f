"""doc_topics.csv and dtm.npz read a block of rows at a time, keeping what the report shows of
them: the rows its search and quotes use, and sums over every row (the topic map's θᵀX, the
modelled meetings). The whole documents × topics table and matrix are never held."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse import _sparsetools

from pipeline.common.errors import PipelineError
from pipeline.common.io import (
    IndexColumns,
    iter_index,
    iter_matrix_blocks,
    iter_table_blocks,
    read_index_columns,
    read_matrix,
    read_table,
    topic_column,
    topic_columns,
)
from pipeline.report.quotes import MIN_QUOTE_TOKENS

BLOCK_ROWS = 20_000  # rows of doc_topics.csv (and of the matrix) held at a time


@dataclass(frozen=True)
class DocTopicsSummary:
    """What the report shows of every row of doc_topics.csv and the matrix."""

    n_rows: int
    meetings: frozenset[str]  # the meetings with a modelled document
    columns: tuple[str, ...]  # topic_1 .. topic_K, as the table has them
    term_counts: np.ndarray | None  # terms × topics: θᵀX (None: no matrix, or no rows)
    n_tokens: int  # every count of the matrix


@dataclass(frozen=True)
class QuoteRule:
    """Which documents a topic's quotes come from (quotes.best_documents)."""

    topics: tuple[int, ...]
    n: int
    min_share: float


@dataclass(frozen=True)
class DocTopicSources:
    """The files read, and which rows to keep whole (`searched`: the (meeting, turn) keys of
    the search's turns; None keeps every row)."""

    doc_topics: Path
    index: Path
    dtm: Path
    searched: frozenset[tuple[str, int]] | None


def summarize(doc_topics: pd.DataFrame, dtm: sp.spmatrix | None) -> DocTopicsSummary:
    """The summary of a table and matrix held whole (rows in one order): what the streamed
    reader gives, for inputs built in memory."""
    columns = topic_columns(doc_topics)
    counts = None
    if dtm is not None and dtm.shape[0] == len(doc_topics) and len(doc_topics):
        counts = add_term_counts(None, doc_topics[columns].to_numpy(dtype=float),
                                 sp.csr_matrix(dtm))
    meetings = frozenset(doc_topics["meeting"]) if "meeting" in doc_topics else frozenset()
    return DocTopicsSummary(len(doc_topics), meetings, tuple(columns), counts,
                            int(dtm.sum()) if dtm is not None else 0)


def add_term_counts(counts: np.ndarray | None, theta: np.ndarray,
                    rows: sp.csr_matrix) -> np.ndarray:
    """counts + rowsᵀθ, each product added in the order `rows.T @ theta` adds them (scipy's
    csc_matvecs, which that product runs): block after block, the sums of the whole matrix
    to the last bit, so the map is the same however the rows are read."""
    sums = TermCountSums(None if counts is None else counts.copy())
    sums.add(theta, rows)
    return sums.total  # type: ignore[return-value]


class TermCountSums:
    """add_term_counts of block after block into one terms × topics array of its own: a new
    sum per block held two of them at once (96 MB each at 300M characters: 210,000 terms,
    K 60)."""

    def __init__(self, total: np.ndarray | None = None):
        self.total = total

    def add(self, theta: np.ndarray, rows: sp.csr_matrix) -> None:
        """Add rowsᵀθ, in the order of add_term_counts."""
        theta = np.ascontiguousarray(theta, dtype=float)
        if self.total is None:
            self.total = np.zeros((rows.shape[1], theta.shape[1]),
                                  dtype=np.result_type(rows.dtype, theta.dtype))
        _sparsetools.csc_matvecs(rows.shape[1], rows.shape[0], theta.shape[1], rows.indptr,
                                 rows.indices, rows.data, theta.ravel(), self.total.ravel())


def quote_candidates(frame: pd.DataFrame, rule: QuoteRule) -> pd.DataFrame:
    """The rows any topic's quotes can come from: per topic, the n first by share (then
    doc_id) of its documents of at least min_share and of its long ones. best_documents on
    any part of the table holding these gives what it gives on the whole table."""
    keep: set[str] = set()
    for topic in rule.topics:
        column = topic_column(topic)
        pool = frame[frame[column] >= rule.min_share]
        for part in (pool[pool["n_tokens"] >= MIN_QUOTE_TOKENS], pool):
            keep.update(part.sort_values([column, "doc_id"], ascending=[False, True])
                        .head(rule.n)["doc_id"])
    return frame[frame["doc_id"].isin(keep)]


def read_doc_topic_blocks(sources: DocTopicSources, rule: QuoteRule
                          ) -> tuple[pd.DataFrame, DocTopicsSummary]:
    """doc_topics.csv's rows of the searched turns and the quotes' candidates (with each
    document's n_tokens, as read_doc_topics adds it; in file order, with their row numbers),
    and the summary of every row."""
    kept: list[pd.DataFrame] = []
    candidates: pd.DataFrame | None = None
    sums, n_rows, n_tokens, meetings = TermCountSums(), 0, 0, set()
    columns: tuple[str, ...] = ()
    rows = _MatrixRows(sources)
    for block in iter_table_blocks(sources.doc_topics, BLOCK_ROWS):
        n_tokens_of, matrix = rows.take(block["doc_id"])
        block = block.assign(n_tokens=n_tokens_of)
        columns = tuple(topic_columns(block))
        sums.add(block[list(columns)].to_numpy(dtype=float), matrix)
        # Summed after the product: scipy's sum sorts a row's terms in place, and the product
        # adds in the stored order (as the whole matrix's did).
        n_tokens += int(matrix.sum())
        n_rows += len(block)
        meetings.update(block["meeting"])
        mine = _searched(block, sources.searched)
        kept.append(block[mine])
        rest = block[~mine] if candidates is None else pd.concat([candidates, block[~mine]])
        candidates = quote_candidates(rest, rule)
    rows.check()
    if not n_rows:
        return _no_rows(sources.doc_topics), DocTopicsSummary(0, frozenset(), columns, None, 0)
    shown = pd.concat([*kept, candidates]).sort_index()
    return shown, DocTopicsSummary(n_rows, frozenset(meetings), columns, sums.total, n_tokens)


def _searched(block: pd.DataFrame, searched: frozenset[tuple[str, int]] | None) -> np.ndarray:
    """Which rows of a block are of the searched turns (all of them: `searched` None)."""
    if searched is None:
        return np.ones(len(block), dtype=bool)
    keys = zip(block["meeting"], block["turn"].astype(int), strict=True)
    return np.fromiter((key in searched for key in keys), dtype=bool, count=len(block))


def _no_rows(path: Path) -> pd.DataFrame:
    """A table of no rows, as read_doc_topics reads it."""
    frame = read_table(path)
    return frame.assign(n_tokens=frame["doc_id"].map({}))


class _MatrixRows:
    """Each block's n_tokens and matrix rows: the index and the matrix streamed alongside
    while their documents are the block's, in its order (the pipeline writes all three so);
    else the index and the whole matrix read once and the rows picked by document, as the
    report read them before."""

    def __init__(self, sources: DocTopicSources) -> None:
        self.sources = sources
        self.index = iter_index(sources.index)
        self.stream = iter_matrix_blocks(sources.dtm, BLOCK_ROWS)
        self.pending: sp.csr_matrix | None = None
        self.whole: tuple[IndexColumns, sp.csr_matrix, dict[str, int]] | None = None
        self.unknown: list[str] = []

    def take(self, doc_ids: pd.Series) -> tuple[np.ndarray, sp.csr_matrix]:
        """The block's documents' n_tokens and rows of the matrix (their order)."""
        if self.whole is None:
            index = list(islice(self.index, len(doc_ids)))
            if [d for d, _, _ in index] == doc_ids.tolist():
                return (np.array([n for _, n, _ in index], dtype=np.int64),
                        self._next(len(doc_ids)))
            columns = read_index_columns(self.sources.index)
            self.whole = (columns, read_matrix(self.sources.dtm),
                          {d: i for i, d in enumerate(columns.doc_id.tolist())})
        columns, matrix, position = self.whole
        found = [position.get(d) for d in doc_ids]
        self.unknown += [d for d, p in zip(doc_ids, found, strict=True) if p is None]
        n_tokens = np.array([np.nan if p is None else columns.n_tokens[p] for p in found])
        return n_tokens, matrix[[p or 0 for p in found]]

    def _next(self, n: int) -> sp.csr_matrix:
        """The matrix's next n rows (the table's blocks and the stream's are one size)."""
        block = self.pending if self.pending is not None else next(self.stream)
        self.pending = None
        if block.shape[0] > n:
            block, self.pending = block[:n], block[n:]
        return block

    def check(self) -> None:
        if self.unknown:
            raise PipelineError(
                f"{self.sources.doc_topics}: document {self.unknown[0]} is not in "
                f"{self.sources.index} ({len(self.unknown)} such); the two are from different "
                "runs: rerun `dvc repro`")
