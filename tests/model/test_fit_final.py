"""The final fit keeps no dead topic when K was measured, and names one when K was fixed."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.common.config import ModelConfig
from pipeline.model.core import FitInputs, FitJob, _dead_warnings, fit_final


def planted(seed: int = 0) -> tuple[sp.csr_matrix, list[str]]:
    """Three subjects of 60 documents each (eight words apiece), and two documents that
    say only 動議: a fourth topic can only be that one word."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(24)] + ["動議"]
    rows = []
    for block in range(3):
        for _ in range(60):
            row = np.zeros(len(vocabulary))
            row[block * 8:(block + 1) * 8] = rng.poisson(2.0, 8) + 1
            rows.append(row)
    for _ in range(2):
        row = np.zeros(len(vocabulary))
        row[-1] = 6
        rows.append(row)
    return sp.csr_matrix(np.array(rows)), vocabulary


def job(counts: sp.csr_matrix, vocabulary: list[str], **model) -> FitJob:
    n_docs = counts.shape[0]
    data = FitInputs(counts=counts, vocabulary=vocabulary,
                     documents=pd.DataFrame({"speaker": [f"s{i % 3}" for i in range(n_docs)]}),
                     weights=np.ones(n_docs), rows=np.arange(n_docs), texts=[])
    return FitJob(data, ModelConfig(themes_file=None, **model), 42)


def test_a_measured_k_loses_its_dead_topic_and_is_fitted_again():
    counts, vocabulary = planted()
    final = fit_final(job(counts, vocabulary), 4, prune=True)
    assert final.pruned == 1
    assert final.fitted.theta.shape[1] == 3
    assert final.dead == () and final.warnings == []
    assert all("動議" not in terms[:3] for terms in final.fitted.terms)


def test_a_fixed_k_keeps_its_dead_topic_and_says_so():
    counts, vocabulary = planted()
    final = fit_final(job(counts, vocabulary), 4, prune=False)
    assert final.pruned == 0 and final.fitted.theta.shape[1] == 4
    assert len(final.dead) == 1
    [warning] = final.warnings
    assert "動議" in warning and "model.n_topics: auto" in warning


def test_an_online_fit_loses_its_dead_topic_too():
    """MiniBatchNMF's transform reads state only its own fit sets: the model without a
    topic raised AttributeError on every corpus of model.online_min_docs documents or more
    whose fit dropped one (seen at 30M and 100M characters)."""
    counts, vocabulary = planted()
    final = fit_final(job(counts, vocabulary, solver="online"), 4, prune=True)
    assert final.pruned >= 1 and final.fitted.theta.shape[1] == 4 - final.pruned
    assert np.allclose(final.fitted.theta.sum(axis=1), 1)


def _topics_of(n: int) -> SimpleNamespace:
    """What the dead-topic warnings read of a fit: each topic's terms and share."""
    return SimpleNamespace(terms=[[f"語{k}a", f"語{k}b", f"語{k}c", f"語{k}d"] for k in range(n)],
                           prevalence=np.linspace(0.001, 0.009, n))


def test_a_few_dead_topics_get_a_warning_each():
    warnings = _dead_warnings(_topics_of(10), (7, 8), prune=False)
    assert len(warnings) == 2
    assert warnings[0].startswith("トピック 8（語7a 語7b 語7c）は語の ")
    assert warnings[1].endswith("K を減らすか model.n_topics: auto に")


def test_many_dead_topics_are_one_warning_naming_each():
    fitted, dead = _topics_of(30), tuple(range(10, 30))
    (warning,) = _dead_warnings(fitted, dead, prune=True)
    for k in dead:
        assert f"{k + 1}（語{k}a 語{k}b 語{k}c）" in warning
    assert "の 20 個は" in warning
    assert f"{fitted.prevalence[29]:.1%} 以下" in warning
    assert warning.endswith("当て直しても残りました。結果を読むときは除いてください")
