"""Tests for pipeline/model/core.py: the fit stage's core, called directly (no subprocess)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from _corpora import noisy_corpus
from _fuzz import n_examples
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.common.compute import LocalExecutor
from pipeline.common.config import ModelConfig
from pipeline.common.errors import PipelineError
from pipeline.model.core import DOC_FIELDS, FitInputs, FitJob, fit_model, theme_warnings
from pipeline.model.labels import top_term_indices
from pipeline.model.themes import Theme


def inputs(n_docs=120, weights=None, n_topics=3):
    counts, vocabulary, texts = noisy_corpus(n_docs=n_docs, n_topics=n_topics)
    documents = pd.DataFrame({"doc_id": [f"d{i}" for i in range(n_docs)],
                              "meeting": "m1", "speaker": [f"s{i % 4}" for i in range(n_docs)],
                              "turn": range(n_docs), "source_id": ""})
    return FitInputs(counts=counts, vocabulary=vocabulary, documents=documents,
                     weights=np.ones(n_docs) if weights is None else weights,
                     rows=np.arange(n_docs), texts=texts)


def fit(data, themes=(), **model):
    cfg = ModelConfig(**{"n_seeds": 2, "max_iter": 200, "n_top_terms": 5, **model})
    lines: list[str] = []
    result = fit_model(FitJob(data, cfg, 7, tuple(themes)), LocalExecutor(1), lines.append)
    # doc_topics.csv comes by blocks of rows, under its columns.
    table = pd.concat(list(result.doc_topics), ignore_index=True)
    assert list(table.columns) == result.doc_topic_columns
    return replace(result, doc_topics=table), lines


def test_auto_k_measures_the_range_and_describes_the_chosen_fit():
    data = inputs()
    result, lines = fit(data, k_min=2, k_max=4)
    k = result.metrics["n_topics"]
    assert list(result.k_sweep["k"]) == [2, 3, 4] and k in (2, 3, 4)
    assert "per_k" not in result.metrics  # plot data (k_sweep), not metrics
    topic_columns = [f"topic_{i + 1}" for i in range(k)]
    assert list(result.doc_topics.columns) == ["doc_id", *DOC_FIELDS[:-1], *topic_columns,
                                               "source_id"]
    assert list(result.doc_topics["doc_id"]) == list(data.documents["doc_id"])
    assert np.allclose(result.doc_topics[topic_columns].sum(axis=1), 1)
    assert [t["topic"] for t in result.topics] == list(range(1, k + 1))
    assert all(t["npmi"] is None or -1 <= t["npmi"] <= 1 for t in result.topics)
    assert sorted(result.topic_terms["topic"].unique()) == list(range(1, k + 1))
    assert len(result.relevance["topics"]) == k
    assert any(line.startswith("fit: K sweep: 6 fits") for line in lines)
    assert result.summary[-k - 1].startswith(f"fit: nmf, K={k} (")


def test_an_auto_range_whose_top_is_chosen_is_widened_until_it_is_not():
    # 20 planted subjects in 400 documents: the auto range (4 to the square root of the
    # documents, 20) has its top chosen, so the sweep measures past it.
    data = inputs(n_docs=400, n_topics=20)
    result, lines = fit(data, k_min=4)
    measured = list(result.k_sweep["k"])
    assert max(measured) > 20 and any("the top of the range" in line for line in lines)
    chosen = int(result.k_sweep.loc[result.k_sweep["chosen"], "k"].iloc[0])
    assert 18 <= chosen < max(measured)  # the rule's choice is no longer the range's top
    # A number for k_max is the user's bound: never widened.
    fixed, fixed_lines = fit(data, k_min=4, k_max=20)
    assert max(fixed.k_sweep["k"]) == 20
    assert not any("the top of the range" in line for line in fixed_lines)


def test_planted_topics_come_back_at_a_fixed_k():
    result, _ = fit(inputs(), n_topics=3)
    assert result.metrics["n_topics"] == 3
    assert result.metrics["n_topics_reason"] == "model.n_topics in configs/pipeline.yaml"
    assert list(result.k_sweep["k"]) == [3]
    # Each planted block (t0-9, t10-19, t20-29) is one topic's top terms.
    blocks = {frozenset(int(w[1:]) // 10 for w in t["top_terms_by_weight"])
              for t in result.topics}
    assert blocks == {frozenset({0}), frozenset({1}), frozenset({2})}


def test_same_seed_same_result():
    a, _ = fit(inputs(), n_topics=3)
    b, _ = fit(inputs(), n_topics=3)
    pd.testing.assert_frame_equal(a.doc_topics, b.doc_topics)
    pd.testing.assert_frame_equal(a.topic_terms, b.topic_terms)
    assert a.topics == b.topics and a.metrics == b.metrics


def test_weights_of_one_equal_no_weights_and_others_change_the_fit():
    plain, _ = fit(inputs(), n_topics=3)
    weights = np.ones(120)
    weights[::2] = 0.2
    weighted, _ = fit(inputs(weights=weights), n_topics=3)
    assert not np.allclose(plain.doc_topics["topic_1"], weighted.doc_topics["topic_1"])


def test_a_seeded_theme_gets_its_topic_and_a_rare_one_a_warning():
    themes = [Theme("first", ("t0", "t1")), Theme("absent", ("nowhere",))]
    result, _ = fit(inputs(), themes, n_topics=3, themes_file="themes.yaml")
    assert [t["theme"] for t in result.topics].count("first") == 1
    assert "absent" not in [t["theme"] for t in result.topics]
    [warning] = [w for w in result.warnings if "absent" in w]
    assert "0 文書" in warning and "themes.yaml" in warning
    assert result.metrics["warnings"] == result.warnings


class _Recording(LocalExecutor):
    """A serial executor that keeps every task it is given."""

    def __init__(self):
        super().__init__(1)
        self.tasks: list = []

    def map(self, fn, items):
        items = list(items)
        self.tasks.extend(items)
        return super().map(fn, items)


@pytest.mark.parametrize("n_topics", ["auto", 3])
def test_an_auto_sweep_fits_free_topics_and_a_fixed_k_is_measured_with_its_themes(n_topics):
    themes = (Theme("first", ("t0", "t1")),)
    ex = _Recording()
    cfg = ModelConfig(n_seeds=2, max_iter=200, n_top_terms=5, n_topics=n_topics, k_min=2,
                      k_max=4, themes_file="themes.yaml")
    job = FitJob(inputs(), cfg, 7, themes)
    result = fit_model(job, ex)
    assert job.seed_topics[0]
    assert ex.tasks and {t.spec.engine.seed_topics for t in ex.tasks} == (
        {()} if n_topics == "auto" else {job.seed_topics})
    # The final model is seeded either way.
    assert [t["theme"] for t in result.topics].count("first") == 1


def test_an_engine_seed_words_cannot_guide_names_no_topic_after_a_theme():
    themes = [Theme("first", ("t0", "t1"))]
    result, _ = fit(inputs(), themes, n_topics=3, themes_file="themes.yaml", engine="lda")
    assert all(t["theme"] is None for t in result.topics)
    [warning] = [w for w in result.warnings if "種語" in w]
    assert "lda" in warning and "themes.yaml" in warning


def test_theme_warnings_count_documents_with_a_seed_word():
    counts = np.zeros((5, 3))
    counts[:2, 0] = 1
    counts[:4, 1] = 1
    out = theme_warnings([Theme("rare", ("a",)), Theme("common", ("b",))], [(0,), (1,)],
                         sp.csr_matrix(counts), "t.yaml")
    assert len(out) == 1 and "「rare」" in out[0] and "2 文書" in out[0]


def test_more_themes_than_k_is_an_error_before_any_fit():
    themes = [Theme(f"x{i}", (f"t{i}",)) for i in range(4)]
    with pytest.raises(PipelineError):
        fit(inputs(), themes, n_topics=3, themes_file="themes.yaml")


@settings(max_examples=n_examples(200), deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.5]), min_size=6, max_size=6),
                min_size=1, max_size=4),
       st.integers(min_value=0, max_value=8))
def test_top_term_indices_are_the_keyed_sort_of_the_whole_row(rows, n):
    # Few distinct weights: ties everywhere, so the term decides, as in the plain sort.
    vocabulary = ("ウ", "ア", "エ", "イ", "オ", "カ")
    components = np.array(rows)
    expected = [sorted(range(len(row)), key=lambda i: (-row[i], vocabulary[i]))[:n]
                for row in components]
    assert top_term_indices(components, vocabulary, n) == expected
