"""The document-term matrix counted in blocks equals CountVectorizer's on every list at once."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from pipeline.common.atomic import sparse_to_npz_bytes
from pipeline.common.config import VectorizeConfig
from pipeline.tokenize.dtm import build_dtm_from_counts, count_terms, effective_min_df

WORDS = ["拉致", "北朝鮮", "物価", "日銀", "解決", "防衛", "教育", "災害", "賃金", "税"]
documents = st.lists(st.lists(st.sampled_from(WORDS), max_size=8), min_size=1, max_size=40)


def _at_once(tokens: list[list[str]], cfg: VectorizeConfig) -> tuple[sp.csr_matrix, list[str]]:
    """What build_dtm did before it counted in blocks: one CountVectorizer on every list."""
    kept = [t for t in tokens if t]
    vectorizer = CountVectorizer(
        analyzer=lambda t: t, min_df=effective_min_df(len(kept), cfg.min_df),
        max_df=cfg.max_df if len(kept) >= 10 else 1.0, max_features=cfg.max_features,
        dtype=np.int32)
    return vectorizer.fit_transform(kept), list(vectorizer.get_feature_names_out())


@settings(max_examples=60, deadline=None)
@given(tokens=documents, block=st.integers(1, 7), min_df=st.integers(1, 3),
       max_features=st.none() | st.integers(1, 6))
def test_blocks_give_count_vectorizers_matrix_byte_for_byte(tokens, block, min_df,
                                                            max_features):
    cfg = VectorizeConfig(min_df=min_df, max_df=0.9, max_features=max_features,
                          max_meeting_df=1.0)
    ids = [f"d{i}" for i in range(len(tokens))]
    raw = count_terms(((d, t, "") for d, t in zip(ids, tokens, strict=True)), block)
    try:
        expected, vocabulary = _at_once(tokens, cfg)
    except ValueError:  # no term or document left: build_dtm_from_counts says so too
        return
    if not expected.getnnz():
        return
    dtm = build_dtm_from_counts(raw, cfg)
    rows = np.asarray(expected.sum(axis=1)).ravel() >= 1
    expected = sp.csr_matrix(expected[rows])
    assert dtm.vocabulary == tuple(vocabulary)
    with_terms = [d for d, t in zip(ids, tokens, strict=True) if t]
    assert dtm.doc_ids == tuple(d for d, keep in zip(with_terms, rows, strict=True) if keep)
    # The saved bytes: the entries' order inside each row is part of them.
    assert sparse_to_npz_bytes(dtm.counts) == sparse_to_npz_bytes(expected)
    assert np.array_equal(dtm.counts.indices, expected.indices)


def test_a_block_holds_only_its_documents():
    raw = count_terms(iter([("a", ["税", "税"], "m"), ("b", [], "m"), ("c", ["物価"], "n")]),
                      block_size=1)
    assert raw.doc_ids == ("a", "c") and raw.meetings == ("m", "n")
    assert raw.terms == ("税", "物価")
    assert raw.counts.toarray().tolist() == [[2, 0], [0, 1]]
