"""Tests for pipeline/speakers/distinctive.py: class-based TF-IDF of each speaker's terms."""

from __future__ import annotations

import math

import pytest

from pipeline.speakers.distinctive import distinctive_terms


def test_c_tf_idf_scores_and_ranks():
    table = distinctive_terms({"B": ["y", "z"], "A": ["x", "x", "y"]}, n=2)
    assert list(table.columns) == ["speaker", "rank", "term", "score"]
    # Mean group size A = 5 / 2; term counts over all groups: x 2, y 2, z 1.
    expected = [("A", 1, "x", 2 / 3 * math.log(1 + 2.5 / 2)),
                ("A", 2, "y", 1 / 3 * math.log(1 + 2.5 / 2)),
                ("B", 1, "z", 1 / 2 * math.log(1 + 2.5 / 1)),
                ("B", 2, "y", 1 / 2 * math.log(1 + 2.5 / 2))]
    rows = list(table.itertuples(index=False, name=None))
    assert [r[:3] for r in rows] == [e[:3] for e in expected]
    assert [r[3] for r in rows] == pytest.approx([e[3] for e in expected])


def test_a_word_everyone_uses_ranks_below_a_word_of_ones_own():
    groups = {"A": ["国", "特区", "特区"], "B": ["国", "国", "予算"], "C": ["国", "材料"]}
    table = distinctive_terms(groups, n=1)
    assert dict(zip(table["speaker"], table["term"], strict=True)) == {
        "A": "特区", "B": "予算", "C": "材料"}


def test_ties_go_to_the_term_and_n_limits_rows():
    table = distinctive_terms({"A": ["b", "a", "c"]}, n=2)
    assert list(table["term"]) == ["a", "b"]


@pytest.mark.parametrize("groups", [{}, {"A": []}])
def test_no_terms_no_rows(groups):
    table = distinctive_terms(groups)
    assert table.empty and list(table.columns) == ["speaker", "rank", "term", "score"]
