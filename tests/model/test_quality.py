"""Tests for pipeline/model/quality.py: diversity, overlap, topic matching and stability."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _fuzz import n_examples
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.model.quality import TopicCoherence, diversity, jaccard, match_topics, stability

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


@settings(max_examples=n_examples(100), deadline=None)
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


def _texts(n_docs=120, seed=0):
    """Documents mostly about one of three themes, with words shared between themes."""
    rng = np.random.default_rng(seed)
    themes = [[f"a{i}" for i in range(8)], [f"b{i}" for i in range(8)],
              [f"c{i}" for i in range(8)]]
    shared = ["x", "y", "z"]
    texts = []
    for d in range(n_docs):
        own = themes[d % 3]
        pool = own * 4 + themes[(d + 1) % 3] + shared
        texts.append([str(w) for w in rng.choice(pool, size=rng.integers(3, 40))])
    return texts + [[]]  # an empty document counts as a window too


def _one_run_alone(topics, texts, measure):
    """The former implementation: a fresh Dictionary and CoherenceModel per run."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    dictionary = Dictionary(texts)
    known = [[t for t in topic if t in dictionary.token2id] for topic in topics]
    known = [t for t in known if len(t) >= 2]
    if not known:
        return float("nan"), []
    per_topic = CoherenceModel(topics=known, texts=texts, dictionary=dictionary,
                               coherence=measure, processes=1).get_coherence_per_topic()
    return float(np.mean(per_topic)), [float(x) for x in per_topic]


RUNS = [
    [["a0", "a1", "a2", "a3"], ["b0", "b1", "b2", "x"], ["c0", "c1", "y", "z"]],
    [["a0", "a1", "b0"], ["unknown", "c0"], ["c1", "c2", "c3", "x"]],  # one topic dropped
    [["unknown", "also_unknown"]],  # nothing known: NaN
    [["a4", "a5", "a6", "a7", "a0"], ["b3", "b4", "c5", "c6"]],
    [["a0", "a1", "a2", "a3"], ["z", "y"]],  # a repeated topic
]


@pytest.mark.parametrize("measure", ["c_npmi", "c_v"])
def test_batched_coherence_equals_each_run_alone(measure):
    texts = _texts()
    batched = TopicCoherence(texts).score(RUNS, measure)
    assert len(batched) == len(RUNS)
    for (mean, per_topic), run in zip(batched, RUNS, strict=True):
        alone_mean, alone = _one_run_alone(run, texts, measure)
        assert len(per_topic) == len(run)
        scored = [x for x in per_topic if not math.isnan(x)]
        assert len(scored) == len(alone)
        if math.isnan(alone_mean):
            assert math.isnan(mean) and scored == []
            continue
        assert scored == pytest.approx(alone, rel=1e-9, abs=1e-12)
        assert mean == pytest.approx(alone_mean, rel=1e-9, abs=1e-12)
    # Not all alike: the check above compares real, differing figures.
    means = [m for m, _ in batched if not math.isnan(m)]
    assert len(set(np.round(means, 6))) == len(means)


def test_topic_coherence_does_not_depend_on_the_other_topics():
    texts = _texts(seed=1)
    topics = [topic for run in RUNS for topic in run if "unknown" not in topic]
    together = TopicCoherence(texts).score([topics], "c_npmi")[0][1]
    alone = [TopicCoherence(texts).score([[t]], "c_npmi")[0][1][0] for t in topics]
    assert together == pytest.approx(alone, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("measure", ["c_npmi", "c_v"])
@pytest.mark.parametrize(
    ("run", "left_out"),
    [
        ([["unknown", "a0"], ["a0", "a1", "a2"], ["b0", "b1", "x"]], [0]),
        ([["a0", "a1", "a2"], ["c0"], ["b0", "b1", "x"]], [1]),
        ([["a0", "a1", "a2"], ["b0", "b1", "x"], ["nope", "none"]], [2]),
        ([["q"], ["a0", "a1", "a2"], [], ["b0", "b1", "x"]], [0, 2]),
        ([["a0", "a1", "a2"], ["b0", "b1", "x"]], []),
    ],
)
def test_per_topic_coherence_is_aligned_with_the_topics(run, left_out, measure):
    """Topic k's figure sits at position k (the fit stage reads it so): a topic with fewer
    than two known terms is NaN in its own place, not skipped over."""
    texts = _texts(seed=2)
    [(mean, per_topic)] = TopicCoherence(texts).score([run], measure)
    assert len(per_topic) == len(run)
    assert [k for k, x in enumerate(per_topic) if math.isnan(x)] == left_out
    kept = [topic for k, topic in enumerate(run) if k not in left_out]
    [(alone_mean, alone)] = TopicCoherence(texts).score([kept], measure)
    assert [x for x in per_topic if not math.isnan(x)] == pytest.approx(alone, rel=1e-9)
    assert mean == pytest.approx(alone_mean, rel=1e-9)


def test_a_run_with_no_scorable_topic_is_all_nan():
    [(mean, per_topic)] = TopicCoherence(_texts()).score([[["unknown", "a0"], []]])
    assert math.isnan(mean)
    assert len(per_topic) == 2 and all(math.isnan(x) for x in per_topic)
