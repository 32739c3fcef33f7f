"""The document-term matrix counted, pruned and assembled a block of documents at a time:
the same matrix, byte for byte, as dtm.build_dtm_from_counts(dtm.count_terms(...)), without
the raw matrix of every term held (nor the copies its pruning made).

One pass over the documents counts each block, keeps its raw counts in a temporary file and
adds up what the pruning reads: each term's documents (min_df, max_df), its tokens
(max_features) and its meetings (max_meeting_df; a meeting's documents come together in
tokens.jsonl, so a meeting is counted when the next one starts; if they do not, the raw counts
are read back whole and pruned as dtm.py does). The kept vocabulary is then
worked out from those sums alone, and a second pass over the kept blocks renumbers their
columns and drops the documents left with too few terms. What is held: the running
vocabulary and its per-term sums, the doc ids, and the final matrix (4 + 4 bytes a nonzero).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from pipeline.common.config import VectorizeConfig
from pipeline.common.errors import PipelineError
from pipeline.tokenize.dtm import (
    _NO_TERM_LEFT,
    MIN_MEETINGS,
    DocTermMatrix,
    TermCounts,
    build_dtm_from_counts,
    count_blocks,
    effective_min_df,
)

# Documents counted per block: their token lists (a Python string per token) are most of what
# the stage holds, about 2 KB a document; the block's sums cost little more when smaller.
BLOCK_DOCUMENTS = 10_000


class _Spill:
    """Raw count blocks kept in a temporary file (removed when closed, also on a crash)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._blocks: list[tuple[int, int, int]] = []  # offset, rows, nonzeros

    def add(self, block: sp.csr_matrix) -> None:
        self._blocks.append((self._file.tell(), block.shape[0], block.nnz))
        for array in (block.indptr, block.indices, block.data):
            self._file.write(np.ascontiguousarray(array, dtype=np.int32).tobytes())

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(indptr, indices, data) of each block, in order."""
        self._file.flush()
        for offset, rows, nnz in self._blocks:
            raw = np.frombuffer(os.pread(self._file.fileno(), 4 * (rows + 1 + 2 * nnz), offset),
                                dtype=np.int32)
            yield raw[:rows + 1], raw[rows + 1:rows + 1 + nnz], raw[rows + 1 + nnz:]

    def close(self) -> None:
        self._file.close()


@dataclass
class _Sums:
    """Per raw column (term, in order of first use): documents, tokens and meetings using it;
    the meeting whose documents are still coming and its terms so far."""

    docs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tokens: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    meetings: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    meeting_names: set[str] = field(default_factory=set)
    contiguous: bool = True
    current: str | None = None
    current_terms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))

    def grow(self, width: int) -> None:
        for name in ("docs", "tokens", "meetings"):
            old = getattr(self, name)
            if len(old) < width:
                setattr(self, name, np.concatenate([old, np.zeros(width - len(old), np.int64)]))

    def add(self, block: sp.csr_matrix, meetings: Sequence[str]) -> None:
        """A block's counts, its documents' meetings beside them."""
        width = block.shape[1]
        self.grow(width)
        self.docs += np.bincount(block.indices, minlength=width)
        self.tokens += np.bincount(block.indices, weights=block.data,
                                   minlength=width).astype(np.int64)
        names = np.asarray(meetings, dtype=object)
        starts = np.r_[True, names[1:] != names[:-1]]
        run_names = names[starts].tolist()
        runs = np.repeat(np.cumsum(starts) - 1, np.diff(block.indptr))
        cols = block.indices.astype(np.int64)
        continued = run_names[0] == self.current
        if continued:
            cols = np.concatenate([self.current_terms, cols])
            runs = np.concatenate([np.zeros(len(self.current_terms), dtype=runs.dtype), runs])
        else:
            self.finish()
        for name in run_names[1:] if continued else run_names:
            self.contiguous = self.contiguous and name not in self.meeting_names
            self.meeting_names.add(name)
        # Each (meeting, term) once: a meeting's terms are counted when the next one starts
        # (the last one's may go on in the next block).
        run, col = np.divmod(np.unique(runs.astype(np.int64) * width + cols), width)
        done = run < len(run_names) - 1
        self.meetings += np.bincount(col[done], minlength=width)
        self.current, self.current_terms = run_names[-1], col[~done]

    def finish(self) -> None:
        """The meeting whose documents were still coming is complete."""
        if self.current is not None:
            self.meetings[self.current_terms] += 1
        self.current = None


def stream_dtm(documents: Iterable[tuple[str, Sequence[str], str]], cfg: VectorizeConfig,
               block_size: int = BLOCK_DOCUMENTS) -> DocTermMatrix:
    """build_dtm_from_counts(count_terms(documents)), counted and pruned by blocks."""
    spill, sums = _Spill(), _Sums()
    ids: dict[str, int] = {}
    doc_ids: list[str] = []
    meetings: list[str] = []
    same: dict[str, str] = {}  # each meeting's name held once
    try:
        for block_ids, counts, block_meetings in count_blocks(documents, ids, block_size):
            spill.add(counts)
            sums.add(counts, block_meetings)
            doc_ids.extend(block_ids)
            meetings.extend(same.setdefault(m, m) for m in block_meetings)
        sums.finish()
        if not sums.contiguous:
            return build_dtm_from_counts(_raw(spill, tuple(ids), doc_ids, meetings), cfg)
        return _assembled(spill, sums, tuple(ids), tuple(doc_ids), cfg)
    finally:
        spill.close()


def _raw(spill: _Spill, terms: tuple[str, ...], doc_ids: list[str], meetings: list[str]
         ) -> TermCounts:
    """Every raw count at once, as count_terms holds them: for a corpus whose meetings'
    documents are apart (a meeting cannot be counted as it goes), pruned as dtm.py does."""
    width = len(terms)
    blocks = [sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, width))
              for indptr, indices, data in spill]
    counts = sp.vstack(blocks, format="csr", dtype=np.int32)
    return TermCounts(counts, terms, tuple(doc_ids), tuple(meetings))


def _assembled(spill: _Spill, sums: _Sums, terms: tuple[str, ...], doc_ids: tuple[str, ...],
               cfg: VectorizeConfig) -> DocTermMatrix:
    """The kept vocabulary from the sums, then the kept blocks renumbered and filtered."""
    if not doc_ids:
        raise PipelineError("every token was filtered out; check tokens.pos, the stopwords and "
                            "tokens.boilerplate_min_meetings")
    column, vocabulary, common = _columns(sums, terms, len(doc_ids), cfg)
    # dtm._common_across_meetings sorts the entries of each row by column (scipy's product
    # sorts its operand in place) whenever it counts meetings: the saved bytes follow.
    by_column = len(sums.meeting_names) >= MIN_MEETINGS and cfg.max_meeting_df < 1.0
    threshold = max(1, cfg.min_doc_terms)
    # Twice over the kept blocks: the kept rows' lengths first, so that the matrix's arrays
    # are made once at their size (concatenating blocks held it twice).
    lengths = [_kept_block(block, column, threshold, False)[2] for block in spill]
    row_lengths = np.concatenate(lengths)
    has_terms = row_lengths >= 0
    if not has_terms.any():
        raise PipelineError(f"no document has {cfg.min_doc_terms} terms left; lower "
                            "vectorize.min_doc_terms or vectorize.min_df")
    indptr = np.concatenate([[0], np.cumsum(row_lengths[has_terms])]).astype(np.int32)
    indices = np.empty(indptr[-1], dtype=np.int32)
    data = np.empty(indptr[-1], dtype=np.int32)
    at = 0
    for block in spill:
        block_indices, block_data, _ = _kept_block(block, column, threshold, by_column)
        indices[at:at + len(block_indices)] = block_indices
        data[at:at + len(block_data)] = block_data
        at += len(block_indices)
    counts = sp.csr_matrix((data, indices, indptr), shape=(int(has_terms.sum()),
                                                          len(vocabulary)), dtype=np.int32)
    kept_ids = tuple(d for d, k in zip(doc_ids, has_terms.tolist(), strict=True) if k)
    return DocTermMatrix(counts, vocabulary, kept_ids, common)


def _kept_block(block: tuple[np.ndarray, np.ndarray, np.ndarray], column: np.ndarray,
                threshold: int, by_column: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A raw block's kept entries (columns renumbered, in each row's order, or by column),
    and each row's number of them (-1: a row left out, with fewer than `threshold` terms)."""
    indptr, raw_indices, raw_data = block
    n_rows = len(indptr) - 1
    mapped = column[raw_indices]
    kept = mapped >= 0
    row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
    rows_kept = np.bincount(row_of[kept], weights=raw_data[kept], minlength=n_rows) >= threshold
    entries = np.flatnonzero(kept & rows_kept[row_of])
    if by_column:
        entries = entries[np.lexsort((mapped[entries], row_of[entries]))]
    lengths = np.where(rows_kept, np.bincount(row_of[entries], minlength=n_rows), -1)
    return mapped[entries].astype(np.int32), raw_data[entries], lengths


def _columns(sums: _Sums, terms: tuple[str, ...], n_docs: int, cfg: VectorizeConfig
             ) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """Each raw column's final column (-1: dropped), the vocabulary and the terms dropped as
    common to most meetings: dtm._pruned and _common_across_meetings on the sums."""
    sums.grow(len(terms))
    share = cfg.max_df if n_docs >= 10 else 1.0
    high, low, limit = share * n_docs, effective_min_df(n_docs, cfg.min_df), cfg.max_features
    if high < low:
        raise PipelineError(_NO_TERM_LEFT)
    names = np.asarray(terms, dtype=object)
    order = np.asarray(sorted(range(len(terms)), key=names.__getitem__), dtype=np.int64)
    docs, tokens = sums.docs[order], sums.tokens[order]  # sorted by term, as with a limit
    mask = (docs <= high) & (docs >= low)
    if limit is not None and mask.sum() > limit:
        frequent = np.zeros(len(docs), dtype=bool)
        frequent[np.where(mask)[0][(-tokens[mask]).argsort()[:limit]]] = True
        mask = frequent
    kept = order[mask]  # raw columns kept, in term order
    if not len(kept):
        raise PipelineError(_NO_TERM_LEFT)
    n_meetings = len(sums.meeting_names)
    common = np.zeros(len(kept), dtype=bool)
    if n_meetings >= MIN_MEETINGS and cfg.max_meeting_df < 1.0:
        common = sums.meetings[kept] / n_meetings > cfg.max_meeting_df
    dropped = tuple(names[kept[common]])
    kept = kept[~common]
    column = np.full(len(terms), -1, dtype=np.int64)
    column[kept] = np.arange(len(kept))
    return column, tuple(names[kept]), dropped


