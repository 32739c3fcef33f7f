"""Tests for pipeline/speakers/coding.py: dictionary coding of documents by theme seed words."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.model.themes import Theme
from pipeline.speakers.coding import code_documents, coverage, theme_hits

ZONES = Theme("特区", ("特区",))
SECURITY = Theme("安全保障", ("安全保障", "サイバー"), guides=False)


@pytest.mark.parametrize(
    ("terms", "theme", "expected"),
    [
        (["経済特区", "特区", "規制"], ZONES, 2),  # equal to or containing a seed
        (["特", "区"], ZONES, 0),  # a seed split over terms is no hit
        (["サイバーセキュリティ", "安全保障", "安全"], SECURITY, 2),
        ([], ZONES, 0),
    ],
)
def test_theme_hits(terms, theme, expected):
    assert theme_hits(terms, theme) == expected


def test_code_documents_counts_hits_per_document_and_theme():
    table = code_documents(["d1", "d2", "d3"],
                           [["特区", "経済特区", "サイバー攻撃"], ["予算"], ["特区"]],
                           [ZONES, SECURITY])
    assert table.index.name == "doc_id"
    assert list(table.columns) == ["特区", "安全保障"]
    assert table.to_dict("index") == {"d1": {"特区": 2, "安全保障": 1},
                                      "d2": {"特区": 0, "安全保障": 0},
                                      "d3": {"特区": 1, "安全保障": 0}}


def test_coverage_per_group_and_theme():
    hits = pd.DataFrame({"特区": [2, 0, 1]}, index=pd.Index(["d1", "d2", "d3"], name="doc_id"))
    # Groups in another order than the hits: aligned by doc_id.
    groups = pd.Series({"d3": "B", "d1": "A", "d2": "A"}, name="speaker")
    table = coverage(hits, groups)
    assert list(table.columns) == ["speaker", "theme", "n_docs", "n_docs_mentioning",
                                   "share_docs", "n_hits"]
    assert table.to_dict("records") == [
        {"speaker": "A", "theme": "特区", "n_docs": 2, "n_docs_mentioning": 1,
         "share_docs": 0.5, "n_hits": 2},
        {"speaker": "B", "theme": "特区", "n_docs": 1, "n_docs_mentioning": 1,
         "share_docs": 1.0, "n_hits": 1},
    ]


def test_code_documents_counts_repeats_and_keeps_documents_without_terms():
    table = code_documents(["d1", "d2", "d3"], [["特区", "特区", "予算"], [], ["経済特区"]],
                           [ZONES, SECURITY])
    assert table.dtypes.tolist() == ["int64", "int64"]
    assert table["特区"].tolist() == [2, 0, 1]
    assert table["安全保障"].tolist() == [0, 0, 0]
    empty = code_documents([], [], [ZONES])
    assert empty.shape == (0, 1) and empty.index.name == "doc_id"
