"""Document-term matrix from token lists, with its vocabulary carried alongside."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from pipeline.common.config import VectorizeConfig
from pipeline.common.errors import PipelineError


@dataclass(frozen=True)
class DocTermMatrix:
    """Counts (documents × terms), the term of each column and the document of each row."""

    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    doc_ids: tuple[str, ...]
    common: tuple[str, ...] = ()  # terms dropped as used in too many meetings


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def effective_min_df(n_docs: int, min_df: int) -> int:
    """min_df cannot exceed the number of documents; tiny inputs fall back to 1."""
    return max(1, min(min_df, n_docs // 2))


def build_dtm(doc_ids: list[str], tokens: list[list[str]], cfg: VectorizeConfig,
              meetings: list[str] | None = None) -> DocTermMatrix:
    """Count terms; rare terms (< cfg.min_df docs) and ubiquitous ones (> cfg.max_df share)
    dropped, and, given each document's meeting in a corpus of at least MIN_MEETINGS
    meetings, terms used in more than cfg.max_meeting_df of the meetings (国民, 実現, 動議:
    what every sitting says cannot tell one sitting's subject from another's).

    Documents left with fewer than cfg.min_doc_terms terms are dropped too: no model can place
    a document without terms, and one or two words place it by chance.
    """
    min_df, max_df, max_features = cfg.min_df, cfg.max_df, cfg.max_features
    min_doc_terms, max_meeting_df = cfg.min_doc_terms, cfg.max_meeting_df
    meetings = meetings if meetings is not None else [""] * len(doc_ids)
    kept = [(d, t, m) for d, t, m in zip(doc_ids, tokens, meetings, strict=True) if t]
    if not kept:
        raise PipelineError("every token was filtered out; check tokens.pos, the stopwords and "
                            "tokens.boilerplate_min_meetings")
    n_docs = len(kept)
    # max_df as a share is meaningless on a handful of documents: keep everything there.
    share = max_df if n_docs >= 10 else 1.0
    vectorizer = CountVectorizer(
        analyzer=_identity,
        min_df=effective_min_df(n_docs, min_df),
        max_df=share,
        max_features=max_features,
        dtype=np.int32,
    )
    try:
        counts = vectorizer.fit_transform([t for _, t, _ in kept])
    except ValueError:
        raise PipelineError(
            "no term is left after vectorize.min_df / max_df; lower vectorize.min_df "
            "or raise vectorize.max_df"
        ) from None
    vocabulary = vectorizer.get_feature_names_out()
    common = _common_across_meetings(counts, [m for _, _, m in kept], max_meeting_df)
    dropped = tuple(vocabulary[common])
    if common.any():
        counts = counts[:, np.flatnonzero(~common)]
        vocabulary = vocabulary[~common]
    has_terms = np.asarray(counts.sum(axis=1)).ravel() >= max(1, min_doc_terms)
    if not has_terms.any():
        raise PipelineError(f"no document has {min_doc_terms} terms left; lower "
                            "vectorize.min_doc_terms or vectorize.min_df")
    counts = sp.csr_matrix(counts[has_terms])
    ids = tuple(d for (d, _, _), keep in zip(kept, has_terms, strict=True) if keep)
    return DocTermMatrix(counts, tuple(vocabulary), ids, dropped)


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
