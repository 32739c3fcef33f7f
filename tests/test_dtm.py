"""The document-term matrix: terms and documents kept, with names carried alongside."""

from __future__ import annotations

import pytest

from pipeline.dtm import build_dtm
from pipeline.errors import PipelineError

DOCS = [["拉致", "北朝鮮", "解決"], ["拉致", "北朝鮮"], ["拉致"], [], ["物価", "日銀", "拉致"],
        ["物価", "日銀", "北朝鮮", "解決"]]


def test_documents_with_too_few_terms_are_left_out():
    ids = [f"d{i}" for i in range(len(DOCS))]
    every = build_dtm(ids, DOCS, min_df=1, max_df=1.0)
    assert every.doc_ids == ("d0", "d1", "d2", "d4", "d5")  # only the empty one goes
    three = build_dtm(ids, DOCS, min_df=1, max_df=1.0, min_doc_terms=3)
    assert three.doc_ids == ("d0", "d4", "d5")
    assert (three.counts.sum(axis=1) >= 3).all()
    assert three.vocabulary == tuple(sorted(three.vocabulary))


def test_no_document_long_enough_is_one_clear_error():
    with pytest.raises(PipelineError, match="vectorize.min_doc_terms"):
        build_dtm(["a", "b"], [["拉致"], ["物価"]], min_df=1, max_df=1.0, min_doc_terms=2)
