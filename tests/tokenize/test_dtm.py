"""The document-term matrix: terms and documents kept, with names carried alongside."""

from __future__ import annotations

import pytest

from pipeline.common.config import VectorizeConfig
from pipeline.common.errors import PipelineError
from pipeline.tokenize.dtm import build_dtm

DOCS = [["拉致", "北朝鮮", "解決"], ["拉致", "北朝鮮"], ["拉致"], [], ["物価", "日銀", "拉致"],
        ["物価", "日銀", "北朝鮮", "解決"]]


def test_documents_with_too_few_terms_are_left_out():
    ids = [f"d{i}" for i in range(len(DOCS))]
    every = build_dtm(ids, DOCS, VectorizeConfig(min_df=1, max_df=1.0))
    assert every.doc_ids == ("d0", "d1", "d2", "d4", "d5")  # only the empty one goes
    three = build_dtm(ids, DOCS, VectorizeConfig(min_df=1, max_df=1.0, min_doc_terms=3))
    assert three.doc_ids == ("d0", "d4", "d5")
    assert (three.counts.sum(axis=1) >= 3).all()
    assert three.vocabulary == tuple(sorted(three.vocabulary))


def test_no_document_long_enough_is_one_clear_error():
    with pytest.raises(PipelineError, match="vectorize.min_doc_terms"):
        build_dtm(["a", "b"], [["拉致"], ["物価"]],
                  VectorizeConfig(min_df=1, max_df=1.0, min_doc_terms=2))


def test_terms_every_meeting_uses_are_dropped_from_twenty_meetings_on():
    subjects = ["拉致", "物価", "災害", "教育", "防衛"]
    docs, meetings = [], []
    for m in range(25):
        docs.append(["国民", "実現", subjects[m % 5], f"固有{m}", f"固有{m}"])
        docs.append([subjects[m % 5], "国民"])
        meetings += [f"m{m}", f"m{m}"]
    ids = [str(i) for i in range(len(docs))]
    cfg = VectorizeConfig(min_df=1, max_df=1.0, max_meeting_df=0.3)
    dtm = build_dtm(ids, docs, cfg, meetings)
    assert dtm.common == ("国民", "実現")
    assert "国民" not in dtm.vocabulary and "拉致" in dtm.vocabulary  # in 5 of 25 meetings
    few = build_dtm(ids[:20], docs[:20], cfg, meetings[:20])
    assert few.common == () and "国民" in few.vocabulary  # 10 meetings: too few to judge
