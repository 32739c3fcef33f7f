"""A group past the partition budget, made a chunk at a time (pipeline/speakers/big_groups.py),
gets the figures the in-memory path gives it: its share bit for bit, its interval to
rounding."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.common.config import SpeakersConfig
from pipeline.speakers import big_groups, row_store, shares
from pipeline.speakers.big_groups import BigGroup, big_group_figures, pairwise_sums
from pipeline.speakers.row_store import StoredRows
from pipeline.speakers.row_store import row_store as new_store
from pipeline.speakers.shares import SortedGroups, bootstrap_samples, group_figures


def _group(seed: int, n_docs: int, n_topics: int = 7):
    rng = np.random.default_rng(seed)
    theta = rng.dirichlet(np.full(n_topics, 0.3), n_docs)
    tokens = rng.integers(0, 80, n_docs).astype(float)
    # The store's order is not doc_id order: rank is each row's place in it.
    rank = rng.permutation(n_docs)
    return theta, tokens, rank


@pytest.mark.parametrize(("n_docs", "leaf"), [(5, 3), (129, 50), (1_000, 64), (20_011, 700)])
def test_pairwise_sums_are_numpys_column_sums_bit_for_bit(n_docs, leaf, tmp_path):
    rng = np.random.default_rng(n_docs)
    rows = rng.random((n_docs, 5)) * rng.integers(1, 90, n_docs)[:, None]
    with new_store(5, tmp_path) as store:
        for at in range(0, n_docs, 333):
            store.append(rows[at:at + 333])
        found = pairwise_sums(store, 0, n_docs, leaf)
    assert np.array_equal(found, np.asfortranarray(rows).sum(axis=0))


@pytest.mark.parametrize("seed", [1, 2])
def test_a_big_group_has_the_figures_of_the_in_memory_path(seed, tmp_path, monkeypatch):
    # Partitions of 40 rows, draws in blocks of a few resamples, counts read back in chunks
    # of 30 documents: many of each for a group of 900 documents.
    monkeypatch.setattr(row_store, "PARTITION_CELLS", 40 * 7)
    monkeypatch.setattr(row_store, "BLOCK_ROWS", 23)
    monkeypatch.setattr(big_groups, "BOOTSTRAP_BLOCK", 4_000)
    monkeypatch.setattr(shares, "BOOTSTRAP_BLOCK", 4_000)
    monkeypatch.setattr(big_groups, "BLOCK_CELLS", 30 * 60)
    theta, tokens, rank = _group(seed, 900)
    cfg = SpeakersConfig(n_bootstrap=60)
    order = np.argsort(rank)
    memory = group_figures(SortedGroups(np.asarray(["（なし）"], dtype=object), theta[order],
                                        tokens[order], np.asarray([0, 900]), 3), cfg, seed)
    with new_store(7, tmp_path) as store:
        store.append(theta)
        rows = StoredRows(store, rank, np.arange(900), lambda *a: None)
        disk = big_group_figures(BigGroup(rows, order, tokens[order], 3), cfg, seed)
        assert sorted(p.name for p in tmp_path.iterdir()) == [store.folder.name]
    assert disk.n_tokens == int(memory.n_tokens[0])
    assert np.array_equal(disk.share, memory.share[0])
    # The resamples' sums, a chunk of documents at a time: the same to rounding.
    np.testing.assert_allclose(disk.low, memory.low[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(disk.high, memory.high[0], rtol=1e-12, atol=1e-15)
    assert (disk.low <= disk.share).all() and (disk.share <= disk.high).all()
    assert (disk.high - disk.low).max() > 0.01  # an interval, not a point


def test_the_resamples_draw_the_documents_bootstrap_samples_draws(tmp_path, monkeypatch):
    monkeypatch.setattr(big_groups, "BLOCK_CELLS", 50 * 40)
    theta, tokens, _ = _group(5, 300, 4)
    # Tokens in the last document alone: a resample that misses it has none, and gets the
    # uniform shares, as in memory.
    tokens = np.where(np.arange(300) < 299, 0.0, 17.0)
    expected = bootstrap_samples(theta, tokens, 40, np.random.default_rng(9))
    with new_store(4, tmp_path) as store:
        store.append(theta * tokens[:, None])
        found = big_groups.resampled_shares(store, tokens, 40, np.random.default_rng(9))
    assert found.shape == expected.shape == (40, 4)
    assert (found == 0.25).all(axis=1).any()  # some resample missed the one document
    np.testing.assert_allclose(found, expected, rtol=1e-12, atol=1e-15)
