"""Tests for pipeline/model/labels.py: LDAvis relevance and the λ slider's candidates."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.model.labels import relevance, slider_data, term_distributions, top_by_relevance

VOCABULARY = ["国", "特区", "予算", "材料"]
PHI = np.array([[0.5, 0.3, 0.2, 0.0], [0.1, 0.1, 0.4, 0.4]]) + 0.0
SHARE = np.array([0.6, 0.1, 0.2, 0.1])


def test_term_distributions_are_distributions_without_negatives():
    phi = term_distributions(np.array([[2.0, -1.0, 2.0], [0.0, 0.0, 0.0]]))
    assert phi.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert (phi >= 0).all()
    assert phi[0] == pytest.approx([0.5, 0.0, 0.5], abs=1e-9)
    assert phi[1] == pytest.approx([1 / 3] * 3)  # an empty topic: uniform, not NaN


@pytest.mark.parametrize(
    ("lam", "expected"),
    [
        (1.0, [["国", "特区", "予算"], ["予算", "材料", "国"]]),  # most probable (ties: term)
        (0.0, [["特区", "予算", "国"], ["材料", "予算", "特区"]]),  # highest lift φ / p
    ],
)
def test_top_by_relevance(lam, expected):
    phi = term_distributions(PHI)
    assert top_by_relevance(phi, SHARE, VOCABULARY, lam, 3) == expected


def test_relevance_formula():
    phi = term_distributions(PHI)
    lam = 0.6
    expected = lam * np.log(phi) + (1 - lam) * np.log(phi / SHARE)
    assert relevance(phi, SHARE, lam) == pytest.approx(expected, rel=1e-6)
    assert relevance(phi, SHARE, 1.0) == pytest.approx(np.log(phi))


def test_slider_candidates_hold_the_top_terms_of_both_ends():
    phi = term_distributions(PHI)
    [first, second] = slider_data(phi, SHARE, VOCABULARY, n=1)
    # n = 1: the most probable term and the one of highest lift.
    assert first["topic"] == 1 and first["terms"] == ["国", "特区"]
    assert second["topic"] == 2 and second["terms"] == ["予算", "材料"]
    assert first["phi"] == [round(float(phi[0, 0]), 8), round(float(phi[0, 1]), 8)]
    assert first["p"] == [0.6, 0.1]
