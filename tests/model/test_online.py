"""The streamed online fit (pipeline/model/online.py): online LDA's topics and shares are the
in-memory fit's; MiniBatchNMF's find the planted topics; a corpus past
model.online_min_docs runs through fit_model with its documents placed block by block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.common.compute import SerialExecutor
from pipeline.common.config import ModelConfig
from pipeline.model.core import FitInputs, FitJob, StreamedCorpus, fit_model
from pipeline.model.engines import EngineSpec, make_model
from pipeline.model.online import OnlineData, fit_online, place_blocks, serial_placer
from pipeline.model.placing import place_in_blocks
from pipeline.model.topics import sample_rows


def planted(n_per_topic: int = 150, seed: int = 0) -> tuple[sp.csr_matrix, list[str]]:
    """Three subjects (eight words apiece) with a little noise, documents interleaved."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(24)]
    rows = []
    for i in range(3 * n_per_topic):
        row = rng.poisson(0.1, len(vocabulary))
        topic = i % 3
        row[topic * 8:(topic + 1) * 8] += rng.poisson(2.0, 8) + 1
        rows.append(row)
    return sp.csr_matrix(np.array(rows), dtype=np.int32), vocabulary


def test_streamed_online_lda_is_the_in_memory_online_fit():
    counts, _ = planted()
    weights = np.where(np.arange(counts.shape[0]) % 7 == 0, 0.3, 1.0)
    spec = EngineSpec("lda", max_iter=20, solver="online")
    # In memory: the engine's own fit on the weighted counts, placed on them.
    whole = make_model(spec, 3, 5).fit(sp.csr_matrix(sp.diags(weights) @ counts))
    data = OnlineData(counts, weights, np.arange(counts.shape[0]), 64)
    streamed = fit_online(data, spec, 3, 5)
    assert np.array_equal(streamed.components_, whole.components_)
    placed = np.vstack(list(place_blocks(streamed, data, serial_placer)))
    expected = place_in_blocks(whole, sp.csr_matrix(sp.diags(weights) @ counts),
                               SerialExecutor(), rows=64)
    assert np.array_equal(placed, expected)


def test_streamed_nmf_finds_the_planted_topics():
    counts, vocabulary = planted()
    data = OnlineData(counts, None, sample_rows(counts.shape[0], 200, 0), 100)
    model = fit_online(data, EngineSpec("nmf", max_iter=200, solver="online"), 3, 0)
    tops = [set(np.argsort(row)[-8:].tolist()) for row in model.components_]
    assert sorted(min(tops[k]) // 8 for k in range(3)) == [0, 1, 2]
    assert all(len({i // 8 for i in top}) == 1 for top in tops)
    placed = np.vstack(list(place_blocks(model, data, serial_placer)))
    assert placed.shape == (counts.shape[0], 3)
    assert np.allclose(placed.sum(axis=1), 1.0)
    # Each document on its planted subject's topic.
    topic_of_block = {min(tops[k]) // 8: k for k in range(3)}
    truth = np.array([topic_of_block[i % 3] for i in range(counts.shape[0])])
    assert (placed.argmax(axis=1) == truth).mean() > 0.95


def _streamed_job(counts, vocabulary, block_rows, **model):
    n_docs = counts.shape[0]
    cfg = ModelConfig(themes_file=None, online_min_docs=100, sweep_max_docs=200, **model)
    rows = sample_rows(n_docs, cfg.sweep_max_docs, 42)
    documents = pd.DataFrame({"doc_id": [f"d{i}" for i in range(n_docs)],
                              "meeting": [f"m{i // 10}" for i in range(n_docs)],
                              "speaker": [f"s{i % 4}" for i in range(n_docs)],
                              "turn": [i % 10 for i in range(n_docs)],
                              "source_id": [f"x{i}" for i in range(n_docs)]})
    texts = [[vocabulary[j] for j in counts[r].indices] for r in rows]

    def blocks(size):
        return (documents.iloc[start:start + size] for start in range(0, n_docs, size))

    data = FitInputs(counts=sp.csr_matrix(counts[rows]), vocabulary=vocabulary,
                     documents=documents.iloc[rows].reset_index(drop=True),
                     weights=np.ones(n_docs), rows=rows, texts=texts,
                     streamed=StreamedCorpus(n_docs, lambda: counts, blocks, block_rows))
    return FitJob(data, cfg, 42), documents


def test_a_corpus_past_online_min_docs_runs_end_to_end_by_blocks():
    counts, vocabulary = planted(n_per_topic=150)
    job, documents = _streamed_job(counts, vocabulary, block_rows=64, n_topics=3,
                                   n_seeds=2)
    result = fit_model(job, SerialExecutor())
    assert result.metrics["solver"] == "online"
    assert result.metrics["n_documents"] == counts.shape[0]
    blocks = list(result.doc_topics)
    assert len(blocks) == -(-counts.shape[0] // 64)
    table = pd.concat(blocks, ignore_index=True)
    assert list(table.columns) == result.doc_topic_columns
    assert table["doc_id"].tolist() == documents["doc_id"].tolist()
    assert table["source_id"].tolist() == documents["source_id"].tolist()
    shares = table[[c for c in table.columns if c.startswith("topic_")]].to_numpy()
    assert np.allclose(shares.sum(axis=1), 1.0)
    # Topic 1 is the most prevalent, as the in-memory path orders them.
    prevalence = [t["prevalence"] for t in result.topics]
    assert prevalence == sorted(prevalence, reverse=True)
    # The same shares whatever the placing blocks' order of arrival: placed again, equal.
    again = pd.concat(list(fit_model(job, SerialExecutor()).doc_topics), ignore_index=True)
    assert again.equals(table)


def test_streamed_nmf_passes_again_while_its_topics_move(monkeypatch):
    from pipeline.model import online

    calls = []
    original = online.MiniBatchNMF.partial_fit

    def counted(self, *args, **kwargs):
        calls.append(self.components_.copy() if hasattr(self, "components_") else None)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(online.MiniBatchNMF, "partial_fit", counted)
    counts, _ = planted()  # one minibatch a pass
    data = OnlineData(counts, None, sample_rows(counts.shape[0], 100, 0), 100)
    fit_online(data, EngineSpec("nmf", max_iter=200, solver="online"), 3, 0)
    # The first pass moves the topics away from their start: a second pass is made.
    assert 1 < len(calls) <= online.MAX_PASSES
