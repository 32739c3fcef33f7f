"""Document-term matrix from token lists, with its vocabulary carried alongside."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipeline.common.config import VectorizeConfig
from pipeline.common.errors import PipelineError


@dataclass(frozen=True)
class DocTermMatrix:
    """Counts (documents × terms), the term of each column and the document of each row."""

    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    doc_ids: tuple[str, ...]
    common: tuple[str, ...] = ()  # terms dropped as used in too many meetings


def effective_min_df(n_docs: int, min_df: int) -> int:
    """min_df cannot exceed the number of documents; tiny inputs fall back to 1."""
    return max(1, min(min_df, n_docs // 2))


BLOCK_DOCUMENTS = 50_000  # documents counted per block: the token lists of one block in memory


@dataclass(frozen=True)
class TermCounts:
    """Raw counts of the documents that have terms: columns in order of first use (as
    scikit-learn's CountVectorizer numbers them before it sorts), each row's in column order."""

    counts: sp.csr_matrix
    terms: tuple[str, ...]
    doc_ids: tuple[str, ...]
    meetings: tuple[str, ...]


def count_terms(documents: Iterable[tuple[str, Sequence[str], str]],
                block_size: int = BLOCK_DOCUMENTS) -> TermCounts:
    """Count (doc_id, terms, meeting) triples, streamed, a block of documents at a time:
    only the current block's token lists are held. Documents without terms are skipped."""
    ids: dict[str, int] = {}
    blocks, doc_ids, meetings = [], [], []
    for block_ids, counts, block_meetings in count_blocks(documents, ids, block_size):
        doc_ids += block_ids
        meetings += block_meetings
        blocks.append(counts)
    width = len(ids)
    counts = sp.vstack([sp.csr_matrix((b.data, b.indices, b.indptr), shape=(b.shape[0], width))
                        for b in blocks], format="csr", dtype=np.int32) if blocks else \
        sp.csr_matrix((0, width), dtype=np.int32)
    return TermCounts(counts, tuple(ids), tuple(doc_ids), tuple(meetings))


def count_blocks(documents: Iterable[tuple[str, Sequence[str], str]], columns: dict[str, int],
                 size: int) -> Iterator[tuple[list[str], sp.csr_matrix, list[str]]]:
    """The documents with terms, `size` at a time: ids, raw counts (new terms get the next
    columns of `columns`, which grows), meetings. A block's token lists are let go before
    the next block is read."""
    ids: list[str] = []
    terms: list[Sequence[str]] = []
    meetings: list[str] = []
    for doc_id, doc_terms, meeting in documents:
        if not doc_terms:
            continue
        ids.append(doc_id)
        terms.append(doc_terms)
        meetings.append(meeting)
        if len(ids) == size:
            counts, terms = _count_block(terms, columns), []
            yield ids, counts, meetings
            ids, meetings = [], []
    if ids:
        yield ids, _count_block(terms, columns), meetings


def _count_block(block: list[Sequence[str]], ids: dict[str, int]) -> sp.csr_matrix:
    """One block's counts; new terms get the next column numbers (`ids` grows: the one
    running vocabulary of count_terms)."""
    indices, values, indptr = array("i"), array("i"), array("i", [0])
    for terms in block:
        counter: dict[int, int] = {}
        for term in terms:
            column = ids.setdefault(term, len(ids))
            counter[column] = counter.get(column, 0) + 1
        indices.extend(counter.keys())
        values.extend(counter.values())
        indptr.append(len(indices))
    counts = sp.csr_matrix((np.frombuffer(values, dtype=np.int32),
                            np.frombuffer(indices, dtype=np.int32),
                            np.frombuffer(indptr, dtype=np.int32)),
                           shape=(len(block), len(ids)), dtype=np.int32)
    counts.sort_indices()
    return counts


def build_dtm(doc_ids: list[str], tokens: list[list[str]], cfg: VectorizeConfig,
              meetings: list[str] | None = None) -> DocTermMatrix:
    """build_dtm_from_counts on token lists held in memory."""
    meetings = meetings if meetings is not None else [""] * len(doc_ids)
    return build_dtm_from_counts(count_terms(zip(doc_ids, tokens, meetings, strict=True)), cfg)


def build_dtm_from_counts(raw: TermCounts, cfg: VectorizeConfig) -> DocTermMatrix:
    """Count terms; rare terms (< cfg.min_df docs) and ubiquitous ones (> cfg.max_df share)
    dropped, and, given each document's meeting in a corpus of at least MIN_MEETINGS
    meetings, terms used in more than cfg.max_meeting_df of the meetings (国民, 実現, 動議:
    what every sitting says cannot tell one sitting's subject from another's).

    Documents left with fewer than cfg.min_doc_terms terms are dropped too: no model can place
    a document without terms, and one or two words place it by chance.

    The columns are pruned and sorted as scikit-learn's CountVectorizer does (the same
    matrix, byte for byte, as its fit_transform on every token list at once).
    """
    if not raw.doc_ids:
        raise PipelineError("every token was filtered out; check tokens.pos, the stopwords and "
                            "tokens.boilerplate_min_meetings")
    n_docs = len(raw.doc_ids)
    # max_df as a share is meaningless on a handful of documents: keep everything there.
    share = cfg.max_df if n_docs >= 10 else 1.0
    counts, vocabulary = _pruned(raw, share * n_docs, effective_min_df(n_docs, cfg.min_df),
                                 cfg.max_features)
    common = _common_across_meetings(counts, list(raw.meetings), cfg.max_meeting_df)
    dropped = tuple(vocabulary[common])
    if common.any():
        counts = counts[:, np.flatnonzero(~common)]
        vocabulary = vocabulary[~common]
    has_terms = np.asarray(counts.sum(axis=1)).ravel() >= max(1, cfg.min_doc_terms)
    if not has_terms.any():
        raise PipelineError(f"no document has {cfg.min_doc_terms} terms left; lower "
                            "vectorize.min_doc_terms or vectorize.min_df")
    counts = sp.csr_matrix(counts[has_terms])
    ids = tuple(d for d, keep in zip(raw.doc_ids, has_terms, strict=True) if keep)
    return DocTermMatrix(counts, tuple(vocabulary), ids, dropped)


_NO_TERM_LEFT = ("no term is left after vectorize.min_df / max_df; lower vectorize.min_df "
                 "or raise vectorize.max_df")


def _pruned(raw: TermCounts, high: float, low: int, limit: int | None
            ) -> tuple[sp.csr_matrix, np.ndarray]:
    """The counts without the columns of too common (> high documents) or too rare (< low)
    terms, at most `limit` columns (the most frequent), sorted by term: CountVectorizer's
    fit_transform step by step (a limit is applied after sorting, no limit before)."""
    if high < low:
        raise PipelineError(_NO_TERM_LEFT)
    counts = raw.counts
    terms = np.asarray(raw.terms, dtype=object)
    if limit is not None:
        counts, terms = _sorted_columns(counts, terms)
    dfs = np.bincount(counts.indices, minlength=counts.shape[1])
    mask = (dfs <= high) & (dfs >= low)
    if limit is not None and mask.sum() > limit:
        tfs = np.asarray(counts.sum(axis=0)).ravel()
        frequent = np.zeros(len(dfs), dtype=bool)
        frequent[np.where(mask)[0][(-tfs[mask]).argsort()[:limit]]] = True
        mask = frequent
    kept = np.where(mask)[0]
    if not len(kept):
        raise PipelineError(_NO_TERM_LEFT)
    counts, terms = counts[:, kept], terms[kept]
    if limit is None:
        counts, terms = _sorted_columns(counts, terms)
    return counts, terms


def _sorted_columns(counts: sp.csr_matrix, terms: np.ndarray
                    ) -> tuple[sp.csr_matrix, np.ndarray]:
    """Columns renumbered in the terms' sorted order; each row's entries stay where they were
    (CountVectorizer leaves them unsorted, and the saved matrix keeps that order)."""
    order = sorted(range(len(terms)), key=terms.__getitem__)
    new_of_old = np.empty(len(terms), dtype=counts.indices.dtype)
    new_of_old[order] = np.arange(len(terms), dtype=counts.indices.dtype)
    renumbered = counts.copy()
    renumbered.indices = new_of_old.take(counts.indices, mode="clip")
    return renumbered, terms[order]


MIN_MEETINGS = 20  # below this, a share of meetings is too coarse to call a term common


def _common_across_meetings(counts: sp.csr_matrix, meetings: list[str],
                            max_meeting_df: float) -> np.ndarray:
    """Which columns are terms used in more than max_meeting_df of the meetings."""
    names, meeting_of = np.unique(np.asarray(meetings, dtype=object), return_inverse=True)
    if len(names) < MIN_MEETINGS or max_meeting_df >= 1.0:
        return np.zeros(counts.shape[1], dtype=bool)
    by_meeting = sp.csr_matrix((np.ones(len(meetings)), (meeting_of, np.arange(len(meetings)))),
                               shape=(len(names), len(meetings))) @ (counts > 0)
    share = np.asarray((by_meeting > 0).sum(axis=0)).ravel() / len(names)
    return share > max_meeting_df
