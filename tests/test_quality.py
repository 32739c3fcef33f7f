"""Tests for pipeline/quality.py: diversity, overlap, topic matching and stability."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.quality import diversity, jaccard, match_topics, stability

TOPICS = [
    ["科学", "技術", "顧問", "省庁"],
    ["自治体", "データ", "流通", "規則"],
    ["デジタル", "サービス", "依存", "企業"],
    ["通貨", "金融", "決済", "銀行"],
]


@pytest.mark.parametrize(
    ("topics", "expected"),
    [
        (TOPICS, 1.0),
        ([["a", "b"], ["a", "b"]], 0.5),
        ([["a", "b"], ["a", "c"]], 0.75),
        ([["a", "a"]], 0.5),
        ([], 0.0),
    ],
)
def test_diversity(topics, expected):
    assert diversity(topics) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (["a", "b"], ["a", "b"], 1.0),
        (["a", "b"], ["b", "a"], 1.0),
        (["a", "b"], ["c", "d"], 0.0),
        (["a", "b", "c"], ["b", "c", "d"], 0.5),
        (["a"], [], 0.0),
        ([], [], 0.0),
    ],
)
def test_jaccard(a, b, expected):
    assert jaccard(a, b) == pytest.approx(expected)
    assert jaccard(b, a) == pytest.approx(expected)


@settings(max_examples=100, deadline=None)
@given(perm=st.permutations(range(len(TOPICS))))
def test_match_topics_recovers_a_permutation(perm):
    other = [TOPICS[p] for p in perm]
    partner, overlap = match_topics(TOPICS, other)
    # Topic i of the reference sits at the position where perm holds i.
    assert partner == [perm.index(i) for i in range(len(TOPICS))]
    assert overlap == [1.0] * len(TOPICS)


def test_match_topics_prefers_best_overall_pairing():
    reference = [["a", "b", "c", "d"], ["c", "x", "p", "q"]]
    other = [["a", "b", "c", "x"], ["a", "b", "y", "z"]]
    # Greedy on topic 0 would take partner 0 (3/5) and leave topic 1 with 0 overlap, total 0.6;
    # the best total pairs 0 with 1 (2/6) and 1 with 0 (2/6), total 2/3.
    partner, overlap = match_topics(reference, other)
    assert partner == [1, 0]
    assert overlap == pytest.approx([1 / 3, 1 / 3])


def test_match_topics_unequal_counts():
    partner, overlap = match_topics(TOPICS, [TOPICS[2], TOPICS[0]])
    assert partner == [1, -1, 0, -1]
    assert overlap == [1.0, 0.0, 1.0, 0.0]


@pytest.mark.parametrize("n_runs", [2, 3, 5])
def test_stability_of_identical_runs_is_one(n_runs):
    assert stability([TOPICS] * n_runs) == 1.0


def test_stability_ignores_topic_order():
    assert stability([TOPICS, list(reversed(TOPICS))]) == 1.0


def test_stability_of_disjoint_runs_is_zero():
    other = [[f"{t}_x" for t in topic] for topic in TOPICS]
    assert stability([TOPICS, other]) == 0.0


def test_stability_is_mean_over_pairs():
    half = [topic[:2] + ["x", "y"] for topic in TOPICS]  # jaccard 2/6 with TOPICS
    score = stability([TOPICS, TOPICS, half])
    assert score == pytest.approx((1.0 + 1 / 3 + 1 / 3) / 3)


@pytest.mark.parametrize("runs", [[], [TOPICS]])
def test_stability_needs_two_runs(runs):
    assert math.isnan(stability(runs))
