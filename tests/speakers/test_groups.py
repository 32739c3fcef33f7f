"""Tests for pipeline/speakers/groups.py: group shares with a two-level bootstrap, their
differences and distinguishing topics (oracles with planted differences)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.speakers.groups import (
    REST,
    Resampling,
    SharedDocs,
    distinguishing_topics,
    group_differences,
    group_samples,
    group_table,
    owner_intervals,
)


def _planted(seed: int = 0):
    """Group 与党 talks about topic 1 more, 野党 about topic 2; 10 speakers each."""
    rng = np.random.default_rng(seed)
    rows, speakers, groups = [], [], []
    for name, lean in (("与党", [3, 1, 1]), ("野党", [1, 3, 1])):
        for s in range(10):
            mean = rng.dirichlet(np.array(lean, float) * 4)
            for _ in range(4):
                rows.append(rng.dirichlet(mean * 20 + 0.1))
                speakers.append(f"{name}{s}")
                groups.append(name)
    theta = np.array(rows)
    return theta, rng.integers(5, 40, len(theta)), np.array(speakers), np.array(groups)


def test_planted_differences_are_found_with_evidence():
    theta, n_tokens, speakers, groups = _planted()
    result = group_samples(SharedDocs(theta, n_tokens, speakers, groups), 400, 42)
    table = group_table(result, [1, 2, 3], 0.9, 40, "group")
    assert list(table.columns) == ["group", "topic", "share", "ci_low", "ci_high",
                                   "n_speakers", "n_docs", "n_tokens", "low_data"]
    assert len(table) == 2 * 3
    assert (table["n_speakers"] == 10).all() and (table["n_docs"] == 40).all()
    assert (table["ci_low"] < table["ci_high"]).all()
    diffs = group_differences(result, [1, 2, 3], 0.9)
    pair = diffs[(diffs["group"] == "与党") & (diffs["other"] == "野党")].set_index("topic")
    assert pair.loc[1, "diff"] > 0 and pair.loc[1, "excludes_zero"]
    assert pair.loc[2, "diff"] < 0 and pair.loc[2, "excludes_zero"]
    top = distinguishing_topics(diffs)
    assert top.groupby("group")["topic"].first().to_dict() == {"与党": 1, "野党": 2}


def test_no_difference_when_groups_are_alike():
    rng = np.random.default_rng(5)
    theta = rng.dirichlet(np.ones(3), size=200)
    speakers = np.array([f"s{i // 5}" for i in range(200)])
    groups = np.array(["a" if i // 5 % 2 else "b" for i in range(200)])
    result = group_samples(SharedDocs(theta, np.full(200, 10), speakers, groups), 400, 1)
    diffs = group_differences(result, [1, 2, 3], 0.9)
    # At 90%, a true null is flagged about 1 time in 10; over 3 topics, seldom all.
    assert diffs["excludes_zero"].sum() <= 1


def test_clustered_intervals_are_wider_than_document_intervals():
    """Documents of one speaker share a subject: resampling speakers says so."""
    theta, n_tokens, speakers, groups = _planted(1)
    clustered = group_samples(SharedDocs(theta, n_tokens, speakers, groups), 400, 42)
    each = np.arange(len(theta)).astype(str)
    naive = group_samples(SharedDocs(theta, n_tokens, each, groups), 400, 42)

    def width(r):
        return (np.quantile(r.samples, 0.95, 0) - np.quantile(r.samples, 0.05, 0)).mean()

    assert width(clustered) > width(naive)


def test_result_does_not_depend_on_document_order():
    theta, n_tokens, speakers, groups = _planted(2)
    perm = np.random.default_rng(9).permutation(len(theta))
    ids = np.array([f"d{i:03d}" for i in range(len(theta))])
    a = group_samples(SharedDocs(theta, n_tokens, speakers, groups, ids), 100, 7)
    b = group_samples(SharedDocs(theta[perm], n_tokens[perm], speakers[perm], groups[perm],
                                 ids[perm]), 100, 7)
    assert np.array_equal(a.share, b.share) and np.array_equal(a.samples, b.samples)


def test_rest_is_the_other_groups_together():
    theta, n_tokens, speakers, groups = _planted(3)
    result = group_samples(SharedDocs(theta, n_tokens, speakers, groups), 50, 7)
    assert np.allclose(result.rest_share[0], result.share[1])
    diffs = group_differences(result, [1, 2, 3], 0.9)
    assert set(diffs.loc[diffs["other"] == REST, "group"]) == {"与党", "野党"}


def test_owner_intervals_match_a_plain_bootstrap_in_distribution():
    rng = np.random.default_rng(4)
    theta = rng.dirichlet(np.ones(3), size=60)
    n_tokens = rng.integers(1, 30, 60).astype(float)
    owner = np.repeat(np.arange(3), 20)
    low, high = owner_intervals(theta, n_tokens, owner, 3, Resampling(2000, 0.9, 0))
    for o in range(3):
        part, w = theta[owner == o], n_tokens[owner == o]
        picks = rng.integers(0, 20, size=(2000, 20))
        shares = np.einsum("bn,bnk->bk", w[picks], part[picks]) / w[picks].sum(1)[:, None]
        assert np.allclose(low[o], np.quantile(shares, 0.05, 0), atol=0.02)
        assert np.allclose(high[o], np.quantile(shares, 0.95, 0), atol=0.02)
    # A one-document owner has a zero-width interval here: pooling handles those.
    one_low, one_high = owner_intervals(theta[:1], n_tokens[:1], np.zeros(1, int), 1,
                                        Resampling(50, 0.9, 0))
    assert np.allclose(one_low, one_high)


def test_group_table_flags_little_text():
    theta, n_tokens, speakers, groups = _planted(6)
    n_tokens = np.where(groups == "野党", 0, n_tokens)
    n_tokens[groups == "野党"] = 1
    result = group_samples(SharedDocs(theta, n_tokens, speakers, groups), 50, 7)
    table = group_table(result, [1, 2, 3], 0.9, 100, "group")
    assert pd.Series(table.set_index("group")["low_data"]).groupby(level=0).first().to_dict() \
        == {"与党": False, "野党": True}


def test_a_group_of_one_short_document_is_never_evidence():
    """A one-speaker, one-document group resamples to itself: its zero-width interval must
    not read as a difference (the review found a 2-word group marked as distinguishing)."""
    theta, n_tokens, speakers, groups = _planted()
    theta = np.vstack([theta, [[0.05, 0.05, 0.9]]])
    n_tokens = np.append(n_tokens, 2)
    speakers, groups = np.append(speakers, "一人"), np.append(groups, "小会派")
    result = group_samples(SharedDocs(theta, n_tokens, speakers, groups), 400, 42)
    diffs = group_differences(result, [1, 2, 3], 0.9, min_tokens=40)
    small = diffs[(diffs["group"] == "小会派") | (diffs["other"] == "小会派")]
    assert len(small) and not small["excludes_zero"].any()
    assert "小会派" not in set(distinguishing_topics(diffs)["group"])
    # the planted groups keep their evidence
    pair = diffs[(diffs["group"] == "与党") & (diffs["other"] == "野党")].set_index("topic")
    assert pair.loc[1, "excludes_zero"] and pair.loc[2, "excludes_zero"]


def test_owner_chunks_bound_the_documents_drawn_at_once(monkeypatch):
    import pipeline.speakers.groups as groups

    # Owners with 10, 10, 50, 5 and 5 documents; at most 20 documents × 2 resamples drawn
    # at once, and at most 4 owners a chunk.
    bounds = np.cumsum([0, 10, 10, 50, 5, 5])
    monkeypatch.setattr(groups, "DRAW_CELLS", 40)
    chunks = groups._owner_chunks(bounds, 4, 2)
    assert chunks == [(0, 2), (2, 3), (3, 5)]  # the 50-document owner alone
    monkeypatch.setattr(groups, "DRAW_CELLS", 10**9)
    assert groups._owner_chunks(bounds, 4, 2) == [(0, 4), (4, 5)]  # the owner limit only


def test_owner_intervals_same_figures_whatever_the_chunking(monkeypatch):
    import pipeline.speakers.groups as groups

    rng = np.random.default_rng(3)
    theta = rng.dirichlet(np.ones(4), size=60)
    n_tokens = rng.integers(5, 50, 60)
    owner = np.repeat(np.arange(6), 10)
    whole = owner_intervals(theta, n_tokens, owner, 6, Resampling(300, 0.9, 0))
    monkeypatch.setattr(groups, "DRAW_CELLS", 300 * 20)  # two owners a chunk
    chunked = owner_intervals(theta, n_tokens, owner, 6, Resampling(300, 0.9, 0))
    # Other random draws, same bootstrap: intervals agree to resampling noise.
    assert np.allclose(whole[0], chunked[0], atol=0.08)
    assert np.allclose(whole[1], chunked[1], atol=0.08)


def test_a_speaker_in_two_groups_is_a_speaker_of_each():
    # 佐藤 changed groups: a speaker of both, resampled within each as its own cluster.
    theta = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    result = group_samples(SharedDocs(theta, np.array([10, 10, 10, 10, 10]),
                                      np.array(["佐藤", "佐藤", "鈴木", "阿部", "阿部"]),
                                      np.array(["B", "A", "B", "A", "A"])), 50, 0)
    assert result.groups == ["A", "B"]
    assert result.n_speakers.tolist() == [2, 2]
    assert result.n_docs.tolist() == [3, 2]
    # Group B: 佐藤 and 鈴木 each said only topic 1, so every resample says only topic 1.
    assert np.all(result.samples[:, 1, 0] == 1.0)


def test_owner_chunks_on_worker_processes_give_the_figures_drawn_here(monkeypatch):
    import pipeline.speakers.groups as groups
    from pipeline.common.compute import executor, mapping
    from pipeline.common.config import ComputeConfig

    rng = np.random.default_rng(5)
    theta = rng.dirichlet(np.ones(4), size=60)
    n_tokens = rng.integers(5, 50, 60)
    owner = np.repeat(np.arange(6), 10)
    how = Resampling(300, 0.9, 0)
    # The first two owners alone are one chunk: drawn from the generator of before.
    alone = owner_intervals(theta[:20], n_tokens[:20], owner[:20], 2, how)
    monkeypatch.setattr(groups, "DRAW_CELLS", 300 * 20)  # two owners a chunk: three tasks
    here = owner_intervals(theta, n_tokens, owner, 6, how)
    with executor(ComputeConfig(), n_jobs=2) as ex, mapping(ex):
        assert ex.backend == "local"
        there = owner_intervals(theta, n_tokens, owner, 6, how)
    assert np.array_equal(here[0], there[0]) and np.array_equal(here[1], there[1])
    assert np.array_equal(alone[0], here[0][:2]) and np.array_equal(alone[1], here[1][:2])


def test_owner_intervals_drawn_a_block_of_resamples_at_a_time_are_the_same_bits(monkeypatch):
    import pipeline.speakers.groups as groups

    rng = np.random.default_rng(8)
    theta = rng.dirichlet(np.ones(5), size=90)
    n_tokens = rng.integers(5, 80, 90)
    owner = np.repeat(np.arange(3), 30)
    how = Resampling(250, 0.9, 4)
    whole = owner_intervals(theta, n_tokens, owner, 3, how)  # one block: every resample
    assert all(np.array_equal(a, b) for a, b in zip(whole, _one_draw_intervals(
        theta, n_tokens.astype(float), owner, 3, how), strict=True))
    # 7 resamples of the 90 documents a block (uneven: the last block is shorter).
    monkeypatch.setattr(groups, "DRAWN_BLOCK_CELLS", 7 * 90)
    blocked = owner_intervals(theta, n_tokens, owner, 3, how)
    assert np.array_equal(whole[0], blocked[0]) and np.array_equal(whole[1], blocked[1])
    # and the bounds are intervals of real resamples, not a constant
    assert (whole[1] > whole[0]).all()


def _one_draw_intervals(theta, n_tokens, owner, n_owners, how):
    """owner_intervals of one chunk as it was made before blocks: every resample drawn at
    once, the shares and quantiles in new arrays."""
    from scipy import sparse

    from pipeline.speakers.groups import _draw_within, _interval, _ratio, in_blocks

    n_topics = theta.shape[1]
    weighted = in_blocks(theta * n_tokens[:, None], owner, n_owners)
    totals = sparse.csr_matrix((n_tokens, (np.arange(len(owner)), owner)),
                               shape=(len(owner), n_owners))
    drawn = np.ascontiguousarray(_draw_within(owner, n_owners, how.n_boot,
                                              np.random.default_rng([how.seed, 15])).T,
                                 dtype=float)
    num = (weighted.T @ drawn).T.reshape(how.n_boot, n_owners, n_topics)
    return _interval(_ratio(num, (totals.T @ drawn).T, n_topics), how.ci)
