"""The streamed online fit (pipeline/model/online.py): online LDA's topics and shares are the
in-memory fit's; MiniBatchNMF's steps are its fit's (pinned against scikit-learn) and find
the planted topics; a corpus past model.online_min_docs runs through fit_model with its
documents' shares stored and written block by block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.decomposition import MiniBatchNMF
from sklearn.feature_extraction.text import TfidfTransformer

from pipeline.common.compute import SerialExecutor
from pipeline.common.config import ModelConfig
from pipeline.model.core import FitInputs, FitJob, StreamedCorpus, fit_model
from pipeline.model.engines import ONLINE_BATCH_SIZE, EngineSpec, NMFTopics, make_model
from pipeline.model.online import (
    OnlineData,
    OnlineFit,
    _started,
    fit_online,
    minibatch_step,
    serial_placer,
    shares_of,
)
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
    assert streamed.shares is None  # placed after the fit, as the in-memory path places them
    assert np.array_equal(streamed.model.components_, whole.components_)
    _, store = shares_of(streamed, data, serial_placer)
    expected = place_in_blocks(whole, sp.csr_matrix(sp.diags(weights) @ counts),
                               SerialExecutor(), rows=64)
    assert np.array_equal(store.read(slice(None)), expected)


def test_streamed_nmf_finds_the_planted_topics():
    counts, vocabulary = planted()
    data = OnlineData(counts, None, sample_rows(counts.shape[0], 200, 0), 100)
    fit = fit_online(data, EngineSpec("nmf", max_iter=200, solver="online"), 3, 0)
    tops = [set(np.argsort(row)[-8:].tolist()) for row in fit.model.components_]
    assert sorted(min(tops[k]) // 8 for k in range(3)) == [0, 1, 2]
    assert all(len({i // 8 for i in top}) == 1 for top in tops)
    prevalence, store = shares_of(fit, data, serial_placer)
    placed = store.read(slice(None))
    assert np.isclose(prevalence.sum(), 1.0)
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


def test_streamed_nmf_passes_again_from_the_kept_shares_while_its_topics_move(monkeypatch):
    from pipeline.model import online

    calls = []

    def counted(nmf, x, w):
        calls.append(w)
        return minibatch_step(nmf, x, w)

    monkeypatch.setattr(online, "minibatch_step", counted)
    counts, _ = planted()  # one minibatch a pass
    data = OnlineData(counts, None, sample_rows(counts.shape[0], 100, 0), 100)
    fit = fit_online(data, EngineSpec("nmf", max_iter=200, solver="online"), 3, 0)
    # The first pass moves the topics away from their start: a second pass is made, from
    # the shares the first pass left (not solved afresh).
    assert 1 < len(calls) <= online.MAX_PASSES
    assert calls[0] is None
    assert all(w is not None and w.shape == (counts.shape[0], 3) for w in calls[1:])
    # The store holds the last pass's shares: the fit's own placing of every document.
    assert isinstance(fit, OnlineFit) and fit.shares is not None
    assert (fit.shares.read(slice(None)).sum(axis=1) > 0).all()


def test_streamed_nmf_steps_are_minibatchnmf_fit_s_steps():
    """Pins scikit-learn's private steps that minibatch_step calls: from the same start, the
    streamed passes (each minibatch's W read back and updated once) make MiniBatchNMF.fit's
    topics and W, to the last bit."""
    counts, _ = planted(n_per_topic=1500)  # 4,500 rows: three minibatches a pass
    assert counts.shape[0] > 2 * ONLINE_BATCH_SIZE
    n_docs, n_topics, passes = counts.shape[0], 3, 2
    data = OnlineData(counts, None, np.arange(100), 1000)
    model = NMFTopics(n_topics, 0, passes, solver="online")
    model.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
    rng = np.random.default_rng(3)
    w0 = rng.uniform(0.1, 1.0, (n_docs, n_topics))
    h0 = rng.uniform(0.1, 1.0, (n_topics, counts.shape[1]))
    order = np.concatenate(list(data.minibatches(0)))
    reference = MiniBatchNMF(n_components=n_topics, init="custom", random_state=0,
                             batch_size=ONLINE_BATCH_SIZE, max_iter=passes, tol=0,
                             max_no_improvement=None)
    w_fit = reference.fit_transform(model.tfidf_.transform(counts)[order], W=w0[order].copy(),
                                    H=h0.copy())
    nmf = _started(model, data, h0)
    w = w0.copy()
    for _ in range(passes):
        for rows in data.minibatches(0):
            w[rows] = minibatch_step(nmf, model.tfidf_.transform(counts[rows]), w[rows])
    assert np.array_equal(nmf.components_, reference.components_)
    assert np.array_equal(w[order], w_fit)


def test_the_local_pool_is_let_go_between_the_sweep_and_the_final_fit(monkeypatch):
    """The sweep's worker keeps the heap of its fits: fit_model closes a local executor's
    pool before the final fit (a placing after it forks the pool again)."""
    from pipeline.model import core

    events = []

    class Local(SerialExecutor):
        backend = "local"

        def close(self) -> None:
            events.append("close")

    def final(*args, **kwargs):
        events.append("final fit")
        return original(*args, **kwargs)

    original = core.fit_final_streamed
    monkeypatch.setattr(core, "fit_final_streamed", final)
    counts, vocabulary = planted(n_per_topic=100)
    job, _ = _streamed_job(counts, vocabulary, block_rows=64, n_topics=3, n_seeds=2)
    fit_model(job, Local())
    assert events == ["close", "final fit"]
