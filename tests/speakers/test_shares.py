"""Tests for pipeline/speakers/shares.py: token-weighted topic shares per speaker, with CIs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _fuzz import n_examples
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pipeline.common.compute import executor, mapping
from pipeline.common.config import ComputeConfig, SpeakersConfig
from pipeline.speakers import shares
from pipeline.speakers.shares import (
    aggregate_shares,
    bootstrap_samples,
    stacked_samples,
    weighted_shares,
)

TOPICS = ["topic_0", "topic_1", "topic_2"]


def make_frame(speakers, n_tokens, theta):
    frame = pd.DataFrame({
        "doc_id": [f"m#{i:03d}" for i in range(len(speakers))],
        "speaker": speakers,
        "n_tokens": n_tokens,
    })
    for k, name in enumerate(TOPICS):
        frame[name] = theta[:, k]
    return frame


@st.composite
def doc_topic_frames(draw):
    n_docs = draw(st.integers(1, 12))
    speakers = draw(st.lists(st.sampled_from(["岸", "後藤", "上久保", "A"]),
                             min_size=n_docs, max_size=n_docs))
    n_tokens = draw(st.lists(st.integers(0, 50), min_size=n_docs, max_size=n_docs))
    raw = draw(hnp.arrays(np.float64, (n_docs, len(TOPICS)),
                          elements=st.floats(0.0, 1.0, allow_nan=False)))
    raw = raw + 1e-3  # every row has some mass, so it can be normalized to sum to 1
    theta = raw / raw.sum(axis=1, keepdims=True)
    return make_frame(speakers, n_tokens, theta)


def aggregate(frame, seed=7, n_boot=60):
    cfg = SpeakersConfig(n_bootstrap=n_boot, ci=0.9, min_tokens=20)
    return aggregate_shares(frame, TOPICS, "speaker", cfg, seed)


@settings(max_examples=n_examples(100), deadline=None)
@given(frame=doc_topic_frames())
def test_shares_are_distributions(frame):
    result = aggregate(frame)
    assert len(result) == frame["speaker"].nunique() * len(TOPICS)
    assert (result["share"] >= 0).all()
    assert (result["ci_low"] >= 0).all()
    assert (result["ci_high"] <= 1 + 1e-12).all()
    sums = result.groupby("speaker")["share"].sum()
    assert np.allclose(sums.to_numpy(), 1.0)
    assert (result["ci_low"] <= result["share"]).all()
    assert (result["share"] <= result["ci_high"]).all()


@settings(max_examples=n_examples(100), deadline=None)
@given(frame=doc_topic_frames(), order=st.randoms(use_true_random=False))
def test_shares_do_not_depend_on_row_order(frame, order):
    rows = list(range(len(frame)))
    order.shuffle(rows)
    shuffled = frame.iloc[rows].reset_index(drop=True)
    keys = ["speaker", "topic"]
    expected = aggregate(frame).sort_values(keys).reset_index(drop=True)
    got = aggregate(shuffled).sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


@settings(max_examples=n_examples(50), deadline=None)
@given(frame=doc_topic_frames())
def test_counts_per_speaker(frame):
    result = aggregate(frame)
    for speaker, part in result.groupby("speaker"):
        docs = frame[frame["speaker"] == speaker]
        assert (part["n_docs"] == len(docs)).all()
        assert (part["n_tokens"] == docs["n_tokens"].sum()).all()
        assert (part["low_data"] == (docs["n_tokens"].sum() < 20)).all()


def test_oracle_speaker_only_on_one_topic():
    # A only talks about topic_1; B splits evenly between topic_0 and topic_2.
    theta = np.array([
        [0.0, 1.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.5, 0.0, 0.5],
        [0.5, 0.0, 0.5],
    ])
    frame = make_frame(["A", "A", "A", "B", "B"], [10, 30, 5, 8, 12], theta)
    result = aggregate(frame).set_index(["speaker", "topic"])
    assert result.loc[("A", "topic_1"), "share"] == 1.0
    assert result.loc[("A", "topic_1"), "ci_low"] == 1.0
    assert result.loc[("A", "topic_0"), "share"] == 0.0
    assert result.loc[("A", "topic_2"), "ci_high"] == 0.0
    assert result.loc[("B", "topic_1"), "share"] == 0.0
    assert result.loc[("B", "topic_0"), "share"] == pytest.approx(0.5)


def test_shares_are_token_weighted():
    theta = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    frame = make_frame(["A", "A"], [30, 10], theta)
    result = aggregate(frame).set_index("topic")
    assert result.loc["topic_0", "share"] == pytest.approx(0.75)
    assert result.loc["topic_1", "share"] == pytest.approx(0.25)
    assert result.loc["topic_0", "ci_low"] <= 0.75 <= result.loc["topic_0", "ci_high"]


def test_same_seed_same_result_other_seed_other_intervals():
    rng = np.random.default_rng(0)
    theta = rng.dirichlet(np.ones(3), size=30)
    frame = make_frame(["A", "B"] * 15, rng.integers(1, 40, size=30), theta)
    first = aggregate(frame, seed=1, n_boot=200)
    pd.testing.assert_frame_equal(first, aggregate(frame, seed=1, n_boot=200))
    other = aggregate(frame, seed=2, n_boot=200)
    pd.testing.assert_series_equal(first["share"], other["share"])
    assert not np.array_equal(first["ci_low"].to_numpy(), other["ci_low"].to_numpy())


def test_groups_come_out_sorted():
    theta = np.full((3, 3), 1 / 3)
    frame = make_frame(["後藤", "A", "岸"], [5, 5, 5], theta)
    result = aggregate(frame)
    assert list(dict.fromkeys(result["speaker"])) == sorted(["後藤", "A", "岸"])
    assert list(result["topic"][:3]) == TOPICS


def test_zero_tokens_give_uniform_shares():
    theta = np.array([[1.0, 0.0, 0.0]])
    assert np.allclose(weighted_shares(theta, np.array([0.0])), 1 / 3)


def test_aggregate_does_not_mutate_input():
    theta = np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    frame = make_frame(["B", "A"], [3, 4], theta)
    before = frame.copy()
    aggregate(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_stacked_samples_are_each_groups_own_bootstrap():
    rng = np.random.default_rng(3)
    n, n_boot = 4, 50
    theta = rng.dirichlet(np.ones(len(TOPICS)), size=5 * n)
    tokens = rng.integers(1, 40, size=5 * n).astype(float)
    tokens[8:12] = 0  # the third group has no tokens: every resample is uniform
    starts = np.array([0, 4, 8, 16])
    got = stacked_samples(theta, tokens, starts[:, None] + np.arange(n), n_boot,
                          [np.random.default_rng([5, i]) for i in range(len(starts))])
    for i, start in enumerate(starts):
        rows = slice(start, start + n)
        expected = bootstrap_samples(theta[rows], tokens[rows], n_boot,
                                     np.random.default_rng([5, i]))
        assert np.array_equal(got[i], expected)
    assert np.all(got[2] == 1 / len(TOPICS))


def test_aggregate_gives_each_group_the_figures_it_gets_alone(monkeypatch):
    # Small blocks and batches: the group of 10 documents is drawn alone in blocks, the
    # others in stacks (two groups of 3 documents in one), over several quantile batches.
    monkeypatch.setattr(shares, "BOOTSTRAP_BLOCK", 400)
    monkeypatch.setattr(shares, "QUANTILE_CELLS", 60 * len(TOPICS) * 3)
    rng = np.random.default_rng(4)
    speakers = list(rng.choice(["A", "B", "C", "D", "E", "F", "G"], size=30))
    frame = make_frame(speakers, rng.integers(0, 40, size=30),
                       rng.dirichlet(np.ones(len(TOPICS)), size=30))
    got = aggregate(frame, seed=9, n_boot=60)
    alpha = (1.0 - 0.9) / 2  # as aggregate_shares takes it from ci=0.9
    for index, (speaker, part) in enumerate(frame.groupby("speaker", sort=True)):
        theta = part[TOPICS].to_numpy(float)
        tokens = part["n_tokens"].to_numpy(float)
        samples = bootstrap_samples(theta, tokens, 60, np.random.default_rng([9, index]))
        share = weighted_shares(np.asfortranarray(theta), tokens)
        rows = got[got["speaker"] == speaker]
        assert np.array_equal(rows["share"], share)
        low = np.quantile(samples, alpha, axis=0)
        high = np.quantile(samples, 1 - alpha, axis=0)
        assert np.array_equal(rows["ci_low"], np.minimum(low, share))
        assert np.array_equal(rows["ci_high"], np.maximum(high, share))


def test_batches_on_worker_processes_give_the_figures_of_one_batch_here(monkeypatch):
    # Many groups, cut into several batches of groups run by two processes: each group's
    # generator is seeded from its place in the whole table, so the intervals are those of
    # one batch in this process.
    rng = np.random.default_rng(11)
    speakers = [f"s{i:02d}" for i in rng.integers(0, 25, size=120)]
    frame = make_frame(speakers, rng.integers(1, 40, size=120),
                       rng.dirichlet(np.ones(len(TOPICS)), size=120))
    whole = aggregate(frame, seed=3)
    monkeypatch.setattr(shares, "QUANTILE_CELLS", 60 * len(TOPICS) * 4)
    with executor(ComputeConfig(), n_jobs=2) as ex, mapping(ex):
        assert ex.backend == "local"
        pd.testing.assert_frame_equal(aggregate(frame, seed=3), whole)
