"""Document-term matrix from token lists, with its vocabulary carried alongside."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from pipeline.errors import PipelineError


@dataclass(frozen=True)
class DocTermMatrix:
    """Counts (documents × terms), the term of each column and the document of each row."""

    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    doc_ids: tuple[str, ...]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def effective_min_df(n_docs: int, min_df: int) -> int:
    """min_df cannot exceed the number of documents; tiny inputs fall back to 1."""
    return max(1, min(min_df, n_docs // 2))


def build_dtm(
    doc_ids: list[str],
    tokens: list[list[str]],
    min_df: int,
    max_df: float,
    max_features: int | None = None,
    min_doc_terms: int = 1,
) -> DocTermMatrix:
    """Count terms; rare terms (< min_df docs) and ubiquitous ones (> max_df share) dropped.

    Documents left with fewer than min_doc_terms terms are dropped too: no model can place a
    document without terms, and one or two words place it by chance.
    """
    kept = [(d, t) for d, t in zip(doc_ids, tokens, strict=True) if t]
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
        counts = vectorizer.fit_transform([t for _, t in kept])
    except ValueError:
        raise PipelineError(
            "no term is left after vectorize.min_df / max_df; lower vectorize.min_df "
            "or raise vectorize.max_df"
        ) from None
    has_terms = np.asarray(counts.sum(axis=1)).ravel() >= max(1, min_doc_terms)
    if not has_terms.any():
        raise PipelineError(f"no document has {min_doc_terms} terms left; lower "
                            "vectorize.min_doc_terms or vectorize.min_df")
    counts = sp.csr_matrix(counts[has_terms])
    ids = tuple(d for (d, _), keep in zip(kept, has_terms, strict=True) if keep)
    return DocTermMatrix(counts, tuple(vectorizer.get_feature_names_out()), ids)
