"""Tests for pipeline/model/artifact.py: the saved model puts documents on the fitted topics."""

from __future__ import annotations

import numpy as np
import pytest
from _corpora import noisy_corpus

from pipeline.common.errors import PipelineError
from pipeline.model.artifact import (
    SavedModel,
    export_model,
    model_files,
    read_model,
    transform,
)
from pipeline.model.engines import EngineSpec
from pipeline.model.topics import TermCounts, fit_topics


def _fit_and_save(engine, tmp_path, seed_topics=()):
    counts, vocabulary, _ = noisy_corpus(n_docs=90)
    fitted = fit_topics(TermCounts(counts, tuple(vocabulary)),
                        EngineSpec(engine, 300, 5, seed_topics), 3, 0)
    share = np.asarray(counts.sum(axis=0)).ravel() / counts.sum()
    saved = export_model(fitted.model, engine, fitted.origin, vocabulary, share)
    for name, data in model_files(saved).items():
        (tmp_path / name).write_bytes(data)
    return counts, fitted, read_model(tmp_path)


@pytest.mark.parametrize(("engine", "seed_topics"), [
    ("nmf", ()), ("nmf", ((0, 1, 2),)), ("lda", ()), ("gensim_lda", ()), ("tomotopy_lda", ()),
    ("tomotopy_lda", ((0, 1, 2),))])
def test_saved_model_gives_back_the_fitted_topics(engine, seed_topics, tmp_path):
    counts, fitted, saved = _fit_and_save(engine, tmp_path, seed_topics)
    assert saved.vocabulary == [f"t{i}" for i in range(40)]
    theta = transform(saved, counts)
    assert theta.shape == fitted.theta.shape
    assert np.allclose(theta.sum(axis=1), 1)
    assert (theta >= 0).all()
    # Topics line up with the tables' order (topic 1 first): the dominant topic of a
    # document scored again is the one the fit gave it.
    agree = (theta.argmax(axis=1) == fitted.theta.argmax(axis=1)).mean()
    assert agree >= 0.95, agree
    # Scoring is repeatable: the same counts give the same shares.
    assert np.array_equal(theta, transform(read_model(tmp_path), counts))


@pytest.mark.parametrize("engine", ["nmf", "tomotopy_lda"])
def test_saved_files_are_byte_identical_for_the_same_fit(engine, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _fit_and_save(engine, tmp_path / "a")
    _fit_and_save(engine, tmp_path / "b")
    for name in ("model.json", "model.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_document_of_unknown_words_is_spread_evenly(tmp_path):
    counts, _, saved = _fit_and_save("nmf", tmp_path)
    empty = counts[:1] * 0
    assert np.allclose(transform(saved, empty), 1 / 3)


def test_engines_that_describe_only_their_own_documents_cannot_score(tmp_path):
    counts, vocabulary, _ = noisy_corpus(n_docs=30)
    authors = tuple(f"s{i % 3}" for i in range(30))
    fitted = fit_topics(TermCounts(counts, tuple(vocabulary), authors),
                        EngineSpec("author_topic", 20, 5), 3, 0)
    saved = export_model(fitted.model, "author_topic", fitted.origin, vocabulary,
                         np.ones(len(vocabulary)) / len(vocabulary))
    for name, data in model_files(saved).items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(PipelineError, match="cannot score new ones; set model.engine"):
        read_model(tmp_path)


def test_a_missing_or_mismatched_model_says_to_rerun(tmp_path):
    with pytest.raises(PipelineError, match="no saved model; run dvc repro"):
        read_model(tmp_path)
    _, _, saved = _fit_and_save("nmf", tmp_path)
    broken = SavedModel({**saved.meta, "n_topics": 4}, saved.arrays)
    for name, data in model_files(broken).items():
        (tmp_path / name).write_bytes(data)
    with pytest.raises(PipelineError, match="does not match model.json"):
        read_model(tmp_path)


def _rewrite(saved, tmp_path, meta=None, arrays=None):
    changed = SavedModel({**saved.meta, **(meta or {})}, arrays or saved.arrays)
    for name, data in model_files(changed).items():
        (tmp_path / name).write_bytes(data)
    return changed


def test_a_tomotopy_model_of_another_tomotopy_version_is_refused(tmp_path):
    counts, _, saved = _fit_and_save("tomotopy_lda", tmp_path)
    assert saved.meta["format"] == 2 and saved.meta["scorable"]
    other = _rewrite(saved, tmp_path, {"params": {**saved.meta["params"],
                                                  "tomotopy_version": "0.0.1"}})
    with pytest.raises(PipelineError, match=r"saved by tomotopy 0\.0\.1.*run dvc repro"):
        transform(other, counts)


def test_an_older_tomotopy_model_that_could_not_score_says_to_fit_again(tmp_path):
    _, _, saved = _fit_and_save("tomotopy_lda", tmp_path)
    arrays = {k: v for k, v in saved.arrays.items() if k != "tomotopy"}
    _rewrite(saved, tmp_path, {"format": 1, "scorable": False, "params": {}}, arrays)
    with pytest.raises(PipelineError, match="could not score new documents with it; run dvc"):
        read_model(tmp_path)
    assert read_model(tmp_path, scoring=False).n_topics == 3  # merging topics still reads it


def test_a_format_1_nmf_model_still_scores(tmp_path):
    counts, _, saved = _fit_and_save("nmf", tmp_path)
    _rewrite(saved, tmp_path, {"format": 1})
    assert np.array_equal(transform(read_model(tmp_path), counts), transform(saved, counts))
