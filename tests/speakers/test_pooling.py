"""Tests for pipeline/speakers/pooling.py: partially pooled speaker shares."""

from __future__ import annotations

import numpy as np
from _fuzz import n_examples
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.speakers.pooling import beta_interval, pool_speakers


def _corpus(seed: int = 0, n_speakers: int = 30, docs_per_speaker: int = 6):
    rng = np.random.default_rng(seed)
    means = rng.dirichlet(np.ones(4), size=n_speakers)
    codes = np.repeat(np.arange(n_speakers), docs_per_speaker)
    theta = np.vstack([rng.dirichlet(means[c] * 20 + 0.1) for c in codes])
    return theta, rng.integers(5, 50, len(codes)).astype(float), codes, means


def test_a_one_document_speaker_gets_a_wide_interval_around_a_pulled_share():
    theta, n_tokens, codes, _ = _corpus()
    theta = np.vstack([theta, [1.0, 0.0, 0.0, 0.0]])  # one document, all topic 1
    n_tokens = np.append(n_tokens, 20.0)
    codes = np.append(codes, 30)
    pooled = pool_speakers(theta, n_tokens, codes, 31, 0.9)
    one = 30
    assert pooled.raw[one, 0] == 1.0
    # Pulled toward the corpus, never to it, and never a zero-width interval.
    assert pooled.prior[0] < pooled.share[one, 0] < 1.0
    assert np.all(pooled.ci_high[one] - pooled.ci_low[one] > 0.01)
    assert np.all((pooled.ci_low[one] <= pooled.share[one])
                  & (pooled.share[one] <= pooled.ci_high[one]))


def test_more_text_means_less_pooling_and_narrower_intervals():
    theta, n_tokens, codes, _ = _corpus(docs_per_speaker=2)
    few = pool_speakers(theta, n_tokens, codes, 30, 0.9)
    theta4, n4, codes4, _ = _corpus(docs_per_speaker=2)
    many = pool_speakers(np.vstack([theta4] * 10), np.tile(n4, 10), np.tile(codes4, 10),
                         30, 0.9)
    assert np.mean(many.ci_high - many.ci_low) < np.mean(few.ci_high - few.ci_low)
    pull_few = np.abs(few.share - few.raw).mean()
    pull_many = np.abs(many.share - many.raw).mean()
    assert pull_many < pull_few


def test_speakers_who_differ_are_pooled_less_than_speakers_who_do_not():
    rng = np.random.default_rng(3)
    codes = np.repeat(np.arange(20), 5)
    apart = np.eye(4)[codes % 4] * 0.9 + 0.025  # each speaker on one topic
    alike = rng.dirichlet(np.ones(4), size=len(codes))  # everyone alike, documents vary
    n_tokens = np.full(len(codes), 10.0)
    assert pool_speakers(apart, n_tokens, codes, 20, 0.9).kappa < \
        pool_speakers(alike, n_tokens, codes, 20, 0.9).kappa


@settings(max_examples=n_examples(30), deadline=None)
@given(st.integers(0, 10_000))
def test_pooled_shares_are_shares(seed):
    theta, n_tokens, codes, _ = _corpus(seed, n_speakers=8, docs_per_speaker=3)
    pooled = pool_speakers(theta, n_tokens, codes, 8, 0.8)
    assert np.allclose(pooled.share.sum(axis=1), 1.0)
    assert np.all(pooled.ci_low <= pooled.share + 1e-12)
    assert np.all(pooled.share <= pooled.ci_high + 1e-12)


def test_beta_interval_matches_mean_and_variance():
    low, high = beta_interval(np.array([0.3]), np.array([0.01]), 0.9)
    # Normal approximation: 0.3 ± 1.645 · 0.1, skewed a little by the Beta.
    assert 0.12 < low[0] < 0.16 and 0.45 < high[0] < 0.49


def test_a_nearly_unused_topic_keeps_the_estimate_inside_a_nonzero_interval():
    theta, n_tokens, codes, _ = _corpus()
    theta = np.hstack([theta * (1 - 1e-4), np.full((len(theta), 1), 1e-4)])
    theta[:, -1] = 0.0
    theta[0, -1], theta[0, 0] = 0.01, theta[0, 0] - 0.01  # one document touches topic 5
    theta[:, :-1] /= theta[:, :-1].sum(axis=1, keepdims=True) / (1 - theta[:, -1:])
    pooled = pool_speakers(theta, n_tokens, codes, 30, 0.9)
    assert np.all(pooled.ci_low <= pooled.share) and np.all(pooled.share <= pooled.ci_high)
    assert np.all(pooled.ci_high[:, -1] > pooled.ci_low[:, -1])
