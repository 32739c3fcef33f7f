"""The networks stage's counts, by blocks of documents: each block is a task
(compute.parallel_map, on the executor the stage set) and the blocks' counts are summed.

Every count is a whole number, so its sum is exact in any order: the maps do not depend on
where or in which order the blocks ran, nor on the block size.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.common.compute import parallel_map

BLOCK_DOCS = 5_000  # documents per task
# Modelled tokens from which the counts are worth worker processes (report.n_jobs).
PARALLEL_MIN_TOKENS = 2_000_000


@dataclass(frozen=True)
class TermBlock:
    """A block of documents as a task takes it: each one's terms, and its row label (empty
    for the counts that need none)."""

    doc_terms: list[list[str]]
    labels: list[str]


@dataclass(frozen=True)
class Tally:
    """Counts of labels (rows) × terms, with each term's number of documents: of a block,
    or summed over blocks. Terms and labels in any order (callers sort by name)."""

    terms: np.ndarray  # distinct terms, as objects
    n_docs: np.ndarray  # documents that use each term
    labels: np.ndarray  # distinct row labels
    cells: sp.csr_matrix  # labels × terms: tokens (int64)


def tally_block(block: TermBlock) -> Tally:
    """A block's counts (the task)."""
    lengths = np.fromiter(map(len, block.doc_terms), np.int64, count=len(block.doc_terms))
    words = np.fromiter(chain.from_iterable(block.doc_terms), dtype=object,
                        count=int(lengths.sum()))
    what, terms = pd.factorize(words)
    who, labels = pd.factorize(np.asarray(block.labels, dtype=object))
    doc_of = np.repeat(np.arange(len(lengths)), lengths)
    # A document counts once per term it uses: its distinct (document, term) pairs.
    used = np.unique(doc_of * max(len(terms), 1) + what) % max(len(terms), 1)
    cells = sp.csr_matrix((np.ones(len(what), np.int64), (who[doc_of], what)),
                          shape=(len(labels), len(terms)))
    return Tally(np.asarray(terms, dtype=object),
                 np.bincount(used, minlength=len(terms)).astype(np.int64),
                 np.asarray(labels, dtype=object), cells)


def block_rows(n_docs: int) -> Iterator[slice]:
    """The documents of each task: fixed blocks of BLOCK_DOCS, never cut by the workers."""
    return (slice(start, start + BLOCK_DOCS) for start in range(0, n_docs, BLOCK_DOCS))


def _blocks(doc_terms: Sequence[Sequence[str]], labels: Sequence[str] | None):
    for rows in block_rows(len(doc_terms)):
        terms = [list(words) for words in doc_terms[rows]]
        yield TermBlock(terms, list(labels[rows]) if labels is not None else [""] * len(terms))


def tally_terms(doc_terms: Sequence[Sequence[str]],
                labels: Sequence[str] | None = None) -> Tally:
    """Counts of every document's terms by its label (one label, "", without labels),
    summed over blocks of BLOCK_DOCS documents."""
    return tally_blocks(_blocks(doc_terms, labels))


def tally_blocks(blocks: Iterable[TermBlock]) -> Tally:
    """The counts of a stream of blocks (each a task), summed as they come: a stage that
    reads its documents block by block holds the running sum and a few blocks."""
    return sum_tallies(parallel_map(tally_block, blocks))


MERGE_EVERY = 16  # blocks' tallies held before they are added to the running sum


def sum_tallies(parts: Iterable[Tally]) -> Tally:
    """Tallies summed (terms and labels in order of first appearance): the same Tally
    whether summed at once or MERGE_EVERY at a time."""
    total, pending = _EMPTY, []
    for part in parts:
        pending.append(part)
        if len(pending) == MERGE_EVERY:
            total, pending = _merged([total, *pending]), []
    return _merged([total, *pending])


_EMPTY = Tally(np.array([], dtype=object), np.array([], np.int64), np.array([], dtype=object),
               sp.csr_matrix((0, 0), dtype=np.int64))


def _merged(parts: list[Tally]) -> Tally:
    """parts[0] (the running sum) plus the others. Its terms and labels come first in the
    union, in their order, so its cells keep their places: they are added as they are held,
    not unpacked to (row, column, count) triples and packed again (the running sum grows with
    the pairs of speaker and term: about 80 bytes a pair while it was repacked, 16 now)."""
    if len(parts) == 1:
        return parts[0]
    total = parts[0]
    terms = pd.Index(np.concatenate([p.terms for p in parts])).unique()
    names = pd.Index(np.concatenate([p.labels for p in parts])).unique()
    n_docs = np.zeros(len(terms), np.int64)
    n_docs[:len(total.terms)] = total.n_docs
    rows, cols, data = [], [], []
    for part in parts[1:]:
        columns = terms.get_indexer(part.terms)
        np.add.at(n_docs, columns, part.n_docs)
        cells = part.cells.tocoo()
        rows.append(names.get_indexer(part.labels)[cells.row])
        cols.append(columns[cells.col])
        data.append(cells.data)
    shape = (len(names), len(terms))
    # Duplicate cells are summed on conversion: whole numbers, exact in any order.
    added = sp.csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
                          shape=shape, dtype=np.int64)
    held = total.cells
    grown = sp.csr_matrix((held.data, held.indices, np.concatenate(
        [held.indptr, np.full(len(names) - held.shape[0], held.indptr[-1])])), shape=shape)
    return Tally(np.asarray(terms, dtype=object), n_docs, np.asarray(names, dtype=object),
                 sp.csr_matrix(grown + added, dtype=np.int64))


@dataclass(frozen=True)
class MarkBlock:
    """A block of documents and the terms whose use is marked (binary_block)."""

    doc_terms: list[list[str]]
    terms: list[str]


def binary_block(block: MarkBlock) -> sp.csr_matrix:
    """Documents × terms of a block, 1 where the document uses the term (the task)."""
    column = {t: i for i, t in enumerate(block.terms)}
    pairs = {(r, column[w]) for r, words in enumerate(block.doc_terms) for w in words
             if w in column}
    rows, cols = zip(*sorted(pairs), strict=True) if pairs else ((), ())
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)),
                         shape=(len(block.doc_terms), len(block.terms)))


def binary_matrix(doc_terms: Sequence[Sequence[str]], terms: Sequence[str]) -> sp.csr_matrix:
    """Documents × terms, 1 where the document uses the term, by blocks of documents."""
    blocks = (MarkBlock([list(words) for words in doc_terms[rows]], list(terms))
              for rows in block_rows(len(doc_terms)))
    parts = list(parallel_map(binary_block, blocks))
    if not parts:
        return sp.csr_matrix((0, len(terms)))
    return sp.csr_matrix(sp.vstack(parts, format="csr"))


@dataclass(frozen=True)
class Marks:
    """Of some terms: documents using both of two (terms × terms, a term's own documents on
    the diagonal), and the summed topic shares of the documents using each (terms × topics)."""

    both: np.ndarray
    shares: np.ndarray


def mark_terms(blocks: Iterable[tuple[Sequence[Sequence[str]], np.ndarray]],
               terms: Sequence[str], n_topics: int) -> Marks:
    """Marks of `terms` over a stream of blocks (each block's documents' terms and their
    topic shares, documents × topics), each block's marking a task.

    The shares are added here, document after document in stream order: the sums are those
    of one product over every document at once (binary_matrix(...).T @ shares), to the
    last bit, whatever the blocks."""
    both = np.zeros((len(terms), len(terms)))
    sums = np.zeros((len(terms), n_topics))
    waiting: deque[np.ndarray] = deque()  # the shares of the blocks in flight, in order

    def tasks() -> Iterator[MarkBlock]:
        for doc_terms, shares in blocks:
            waiting.append(shares)
            yield MarkBlock([list(words) for words in doc_terms], list(terms))

    for marked in parallel_map(binary_block, tasks()):
        shares = waiting.popleft()
        both += (marked.T @ marked).toarray()  # whole numbers: exact in any order
        pairs = marked.tocoo()  # each document's terms, documents in order
        np.add.at(sums, pairs.col, shares[pairs.row])
    return Marks(both, sums)
