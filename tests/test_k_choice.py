"""The K rule: which Ks are tried, and which one is chosen from the sweep's scores."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.common.errors import PipelineError
from pipeline.model.k_choice import (
    auto_k_max,
    choose_k,
    dominance_warning,
    k_grid,
    k_range,
)
from pipeline.model.topics import KScore


def score(k, npmi, stability, max_share=0.2):
    return KScore(k, npmi, float("nan"), 0.9, stability, max_share)


def test_choose_k_balances_coherence_and_stability_by_rank():
    scores = [score(4, -0.08, 0.72), score(7, -0.06, 0.60), score(10, -0.03, 0.66),
              score(12, -0.01, 0.40)]
    # ranks (NPMI, stability): 4 → (4, 1), 7 → (3, 3), 10 → (2, 2), 12 → (1, 4)
    assert choose_k(scores).k == 10


def test_choose_k_ties_go_to_the_smaller_k():
    assert choose_k([score(5, 0.1, 0.8), score(6, 0.0, 0.9)]).k == 5


def test_choose_k_passes_over_a_coherent_but_unstable_k():
    scores = [score(4, -0.05, 0.70), score(6, 0.02, 0.68), score(8, 0.00, 0.50),
              score(9, 0.30, 0.10), score(11, 0.25, 0.05)]  # 9, 11: coherent, never come back
    assert choose_k(scores).k == 6


def test_choose_k_never_takes_a_k_with_a_catch_all_topic():
    # K = 4 is the most coherent and stable, but one topic holds 60% of the tokens.
    scores = [score(4, 0.20, 0.95, 0.60), score(8, 0.10, 0.70, 0.30),
              score(12, 0.05, 0.60, 0.20)]
    choice = choose_k(scores)
    assert choice.k == 8
    assert "33%" in choice.reason


def test_choose_k_warns_when_every_k_has_a_catch_all_topic():
    scores = [score(4, 0.2, 0.9, 0.70), score(6, 0.1, 0.8, 0.50), score(8, 0.0, 0.8, 0.45)]
    choice = choose_k(scores)
    assert choice.k == 8  # the K whose largest topic is smallest
    assert any("33%" in w and "K = 8" in w for w in choice.warnings)


@pytest.mark.parametrize(("best", "end"), [(4, "下限"), (12, "上限")])
def test_a_k_at_either_end_of_the_range_is_a_warning(best, end):
    scores = [score(k, 0.3 if k == best else 0.0, 0.9 if k == best else 0.5)
              for k in (4, 6, 8, 10, 12)]
    choice = choose_k(scores)
    assert choice.k == best
    assert any(end in w for w in choice.warnings)


def test_a_k_inside_the_range_gives_no_warning():
    scores = [score(k, 0.3 if k == 8 else 0.0, 0.9 if k == 8 else 0.5) for k in (4, 6, 8, 10)]
    assert choose_k(scores).warnings == ()


def test_k_max_auto_scales_with_the_corpus_within_its_bounds():
    assert auto_k_max(58) == 11  # the bundled meeting: five documents a topic at least
    assert auto_k_max(200) == 12
    assert auto_k_max(3000) == 27
    assert auto_k_max(5000) == 30  # a few dozen Diet meetings
    assert auto_k_max(10**6) == 30
    assert [auto_k_max(n) for n in (100, 1000, 4000, 8000)] == sorted(
        auto_k_max(n) for n in (100, 1000, 4000, 8000))


def test_k_grid_tries_every_k_of_a_narrow_range_and_samples_a_wide_one():
    assert k_grid(4, 12) == tuple(range(4, 13))
    wide = k_grid(4, 30)
    assert wide[0] == 4 and wide[-1] == 30 and len(wide) <= 10
    assert list(wide) == sorted(set(wide))
    gaps = np.diff(wide)
    assert gaps[0] <= gaps[-1]  # denser among small K


def test_k_range_makes_room_for_themes_and_stays_below_the_data():
    span = k_range(n_docs=58, n_terms=176, k_min=4, k_max="auto", n_themes=3)
    assert span.ks == tuple(range(4, 12))
    assert k_range(58, 176, 2, "auto", n_themes=5).ks[0] == 6
    small = k_range(n_docs=9, n_terms=200, k_min=4, k_max=12)
    assert small.ks[-1] == 8 and "8" in small.notes[0]
    with pytest.raises(PipelineError, match="model.n_topics"):
        k_range(n_docs=3, n_terms=200, k_min=4, k_max=12)


def test_dominance_warning_only_above_the_cap():
    assert dominance_warning(np.array([0.30, 0.25, 0.45])) is not None
    assert "トピック 3" in dominance_warning(np.array([0.30, 0.25, 0.45]))
    assert dominance_warning(np.array([0.33, 0.33, 0.33, 0.01])) is None
