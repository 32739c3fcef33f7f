"""Placing documents on fitted topics by blocks of rows (pipeline/model/placing.py): the
same shares on this process and on worker processes, in input order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _corpora import noisy_corpus

from pipeline.common.compute import LocalExecutor, SerialExecutor
from pipeline.common.config import ModelConfig
from pipeline.model import placing
from pipeline.model.core import FitInputs, FitJob, fit_final
from pipeline.model.engines import EngineSpec, make_model
from pipeline.model.placing import place_in_blocks


@pytest.fixture
def two_processes():
    ex = LocalExecutor(2)
    yield ex
    ex.close()


def _fitted(engine: str, counts: sp.csr_matrix):
    return make_model(EngineSpec(engine, 50, 5), 3, 4).fit(counts)


@pytest.mark.parametrize("engine", ["nmf", "lda", "gensim_lda"])
def test_blocks_on_workers_give_the_shares_of_blocks_here(engine, two_processes):
    counts, _, _ = noisy_corpus(n_docs=90, seed=5)
    model = _fitted(engine, counts)
    here = place_in_blocks(model, counts, SerialExecutor(), rows=20)
    there = place_in_blocks(model, counts, two_processes, rows=20)
    assert here.shape == (90, 3)
    assert np.array_equal(here, there)
    # ... in the order of the rows: each block's shares are its own rows'.
    assert np.array_equal(here[40:60], place_in_blocks(model, counts[40:60], SerialExecutor(),
                                                       rows=20))


def test_placing_leaves_the_model_as_it_was():
    # gensim draws each document's start from the model's random state: a block placed here
    # must not move the state for the next (a worker's copy never would).
    counts, _, _ = noisy_corpus(n_docs=40, seed=6)
    model = _fitted("gensim_lda", counts)
    first = place_in_blocks(model, counts, SerialExecutor(), rows=10)
    assert np.array_equal(first, place_in_blocks(model, counts, SerialExecutor(), rows=10))
    # The same rows twice, in two blocks: the second block starts where the first did.
    again = place_in_blocks(model, sp.csr_matrix(sp.vstack([counts[:10]] * 2)),
                            SerialExecutor(), rows=10)
    assert np.array_equal(again[:10], again[10:])


def test_lda_places_each_document_on_its_own():
    # scikit-learn's LDA places each document alone: blocks change nothing.
    counts, _, _ = noisy_corpus(n_docs=60, seed=7)
    model = _fitted("lda", counts)
    assert np.array_equal(place_in_blocks(model, counts, SerialExecutor(), rows=7),
                          model.transform(counts))


def test_the_final_fit_is_the_same_on_worker_processes(monkeypatch, two_processes):
    monkeypatch.setattr(placing, "PLACE_BLOCK_ROWS", 25)
    counts, vocabulary, _ = noisy_corpus(n_docs=120, seed=8)
    n_docs = counts.shape[0]
    data = FitInputs(counts=counts, vocabulary=vocabulary,
                     documents=pd.DataFrame({"speaker": [f"s{i % 3}" for i in range(n_docs)]}),
                     weights=np.ones(n_docs), rows=np.arange(n_docs), texts=[])
    job = FitJob(data, ModelConfig(themes_file=None, engine="lda", max_iter=30), 42)
    here = fit_final(job, 3, prune=False)
    there = fit_final(job, 3, prune=False, ex=two_processes)
    assert np.array_equal(here.fitted.theta, there.fitted.theta)
    assert np.array_equal(here.fitted.components, there.fitted.components)


@pytest.mark.parametrize("sizes", [[3, 3, 1], [0], [4]])
def test_blocks_are_stacked_in_place_as_vstack_stacks_them(sizes):
    # place_in_blocks copies each block into one array (not a list of blocks, then vstack).
    rng = np.random.default_rng(7)
    blocks = [rng.random((n, 4)) for n in sizes]
    together = placing.stacked(iter(blocks), sum(sizes))
    assert together.dtype == np.vstack(blocks).dtype
    assert np.array_equal(together, np.vstack(blocks))
    with pytest.raises(ValueError, match="rows placed"):
        placing.stacked(iter(blocks), sum(sizes) + 1)


@pytest.mark.parametrize("solver", ["batch", "online"])
def test_dropping_topics_of_an_nmf_fit_places_documents_on_the_rest(solver):
    # The final fit drops dead topics and places the documents again: an online fit's
    # MiniBatchNMF once failed there (its transform reads what its fit worked out).
    counts, _, _ = noisy_corpus(n_docs=60, seed=3)
    model = make_model(EngineSpec("nmf", 50, 5, solver=solver), 4, 2).fit(counts)
    kept = model.without_topics([0, 2, 3])
    shares = place_in_blocks(kept, counts, SerialExecutor(), rows=25)
    assert shares.shape == (60, 3)
    assert np.allclose(shares.sum(axis=1)[shares.sum(axis=1) > 0], 1.0)
    assert np.array_equal(kept.components_, model.components_[[0, 2, 3]])
