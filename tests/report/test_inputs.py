"""Tests for what pipeline/report/inputs.py adds to model.json for the report: the per-K
figures (plot data in k_sweep.csv, not metrics) and the label stage's warnings."""

from __future__ import annotations

import math

import pandas as pd

from pipeline.report.inputs import with_k_sweep, with_label_warnings


def test_per_k_figures_come_from_the_sweep_table():
    sweep = pd.DataFrame({"k": [4, 5], "npmi": [-0.07, 0.01], "c_v": [float("nan"), 0.5],
                          "diversity": [0.9, 0.8], "stability": [0.6, 0.5],
                          "largest_topic": [0.7, 0.4]})
    model = with_k_sweep({"n_topics": 5, "warnings": []}, sweep)
    assert sorted(model["per_k"]) == ["4", "5"]
    assert model["per_k"]["5"] == {"npmi": 0.01, "c_v": 0.5, "stability": 0.5,
                                   "diversity": 0.8, "largest_topic": 0.4}
    assert math.isnan(model["per_k"]["4"]["c_v"])  # C_V is measured for the chosen K only
    # A fixed K: one row, no sweep to show (as model.json's empty per_k used to say).
    assert with_k_sweep({"n_topics": 5}, sweep.iloc[[1]])["per_k"] == {}


def test_label_warnings_follow_the_models():
    model = with_label_warnings({"warnings": ["model"]}, {"warnings": ["labels"]})
    assert model["warnings"] == ["model", "labels"]
