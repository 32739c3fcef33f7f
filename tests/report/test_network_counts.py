"""The networks' counts by blocks of documents (pipeline/report/network_counts.py): the
same maps whatever the block size and wherever the blocks ran."""

from __future__ import annotations

import numpy as np
import pandas as pd
from _corpora import noisy_corpus

from pipeline.common.compute import executor, mapping
from pipeline.common.config import ComputeConfig
from pipeline.report import network_counts
from pipeline.report.networks import cooccurrence_network, speaker_term_table


def _documents() -> tuple[list[list[str]], list[str], np.ndarray]:
    _, _, texts = noisy_corpus(n_docs=120, seed=9)
    speakers = [f"話者{i % 7}" if i % 11 else "" for i in range(len(texts))]
    shares = np.random.default_rng(9).dirichlet(np.ones(3), size=len(texts))
    return texts, speakers, shares


def _maps(texts, speakers, shares):
    return (cooccurrence_network(texts, shares, [1, 2, 3], n_nodes=15, n_edges=20),
            speaker_term_table(texts, speakers, 5, n_speakers=5, n_terms=8))


def test_blocks_on_worker_processes_give_the_counts_of_one_block_here(monkeypatch):
    texts, speakers, shares = _documents()
    network, table = _maps(texts, speakers, shares)
    assert network.edges and table.shape == (5, 8)
    monkeypatch.setattr(network_counts, "BLOCK_DOCS", 17)
    with executor(ComputeConfig(), n_jobs=2) as ex, mapping(ex):
        assert ex.backend == "local"
        blocked_network, blocked_table = _maps(texts, speakers, shares)
    assert blocked_network == network
    pd.testing.assert_frame_equal(blocked_table, table)


def test_a_tally_counts_documents_and_tokens():
    tally = network_counts.tally_terms([["a", "b", "a"], ["b"], []], ["x", "y", "x"])
    n_docs = dict(zip(tally.terms, tally.n_docs, strict=True))
    assert n_docs == {"a": 1, "b": 2}
    cells = pd.DataFrame(tally.cells.toarray(), index=tally.labels, columns=tally.terms)
    assert cells.loc["x", "a"] == 2 and cells.loc["x", "b"] == 1 and cells.loc["y", "b"] == 1


def test_tallies_summed_a_few_at_a_time_are_the_tally_of_one_block(monkeypatch):
    # Blocks of 7 documents, summed 3 at a time into the running sum: new terms and labels
    # keep coming, and the running sum's cells must keep their places as it grows.
    texts, speakers, _ = _documents()
    whole = network_counts.tally_block(network_counts.TermBlock(texts, speakers))
    monkeypatch.setattr(network_counts, "BLOCK_DOCS", 7)
    monkeypatch.setattr(network_counts, "MERGE_EVERY", 3)
    summed = network_counts.tally_terms(texts, speakers)
    assert list(summed.terms) == list(whole.terms) and list(summed.labels) == list(whole.labels)
    assert np.array_equal(summed.n_docs, whole.n_docs)
    assert summed.cells.dtype == np.int64 and summed.cells.shape == whole.cells.shape
    assert np.array_equal(summed.cells.toarray(), whole.cells.toarray())
    assert summed.cells.sum() == sum(len(t) for t in texts) > 0
