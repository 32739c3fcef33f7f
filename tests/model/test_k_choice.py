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
from pipeline.model.sweep import KScore, SweepRun, count_topics
from pipeline.model.topics import TopicHealth, dead_topics, min_topic_share


def score(k, n_good, max_share=0.2):
    return KScore(k, 0.1, float("nan"), 0.9, 0.7, max_share, n_good=n_good)


def test_choose_k_takes_the_k_that_holds_the_most_good_topics():
    # Good topics grow while the corpus holds more subjects, then K only splits them.
    scores = [score(4, 3), score(8, 7), score(16, 14), score(32, 20), score(64, 12)]
    assert choose_k(scores).k == 32


def test_choose_k_has_no_pull_towards_small_k():
    # Mean coherence and stability fall as K grows; the good-topic count does not care.
    scores = [KScore(k, 0.3 - k / 100, float("nan"), 0.9, 0.9 - k / 100, 0.2, n_good=g)
              for k, g in ((5, 5), (10, 9), (20, 18), (40, 36), (60, 37))]
    assert choose_k(scores).k == 40


def test_choose_k_takes_the_fewest_topics_within_the_tolerance_of_the_most():
    scores = [score(10, 9.0), score(20, 19.0), score(30, 20.0), score(40, 19.5)]
    assert choose_k(scores).k == 20  # 19 >= 0.9 * 20
    assert choose_k(scores, tolerance=0.0).k == 30


def test_choose_k_never_takes_a_k_with_a_catch_all_topic():
    # K = 4 has as many good topics as K = 8, but one topic holds 60% of the tokens.
    scores = [score(4, 8, 0.60), score(8, 8, 0.30), score(12, 5, 0.20)]
    choice = choose_k(scores)
    assert choice.k == 8
    assert "33%" in choice.reason


def test_choose_k_warns_when_every_k_has_a_catch_all_topic():
    scores = [score(4, 3, 0.70), score(6, 5, 0.50), score(8, 6, 0.45)]
    choice = choose_k(scores)
    assert choice.k == 8  # the K whose largest topic is smallest
    assert any("33%" in w and "K = 8" in w for w in choice.warnings)


@pytest.mark.parametrize(("best", "end"), [(4, "下限"), (12, "上限")])
def test_a_k_at_either_end_of_the_range_is_a_warning(best, end):
    scores = [score(k, 10 if k == best else 2) for k in (4, 6, 8, 10, 12)]
    choice = choose_k(scores)
    assert choice.k == best
    assert any(end in w for w in choice.warnings)


def test_a_k_inside_the_range_gives_no_warning():
    scores = [score(k, 8 if k == 8 else 2) for k in (4, 6, 8, 10)]
    assert choose_k(scores).warnings == ()


def test_k_max_auto_grows_with_the_corpus_past_30():
    assert auto_k_max(58) == 11  # the bundled meeting: five documents a topic at least
    assert auto_k_max(200) == 14
    assert auto_k_max(5000) == 71  # 223 Diet meetings
    assert auto_k_max(10**6) == 200
    assert [auto_k_max(n) for n in (100, 1000, 4000, 8000, 40000)] == sorted(
        auto_k_max(n) for n in (100, 1000, 4000, 8000, 40000))


def test_k_grid_tries_every_k_of_a_narrow_range_and_samples_a_wide_one():
    assert k_grid(4, 12) == tuple(range(4, 13))
    wide = k_grid(4, 71)
    assert wide[0] == 4 and wide[-1] == 71 and len(wide) <= 10
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


def test_a_dead_topic_is_small_or_carried_by_two_words():
    components = np.array([[5.0, 4.0, 3.0, 3.0, 2.0, 2.0],   # a subject
                           [9.0, 0.1, 0.1, 0.1, 0.1, 0.1],   # one word (動議)
                           [2.0, 2.0, 2.0, 2.0, 2.0, 2.0]])  # a subject, but 0.5% of tokens
    health = TopicHealth.of(components, np.array([0.6, 0.395, 0.005]))
    assert dead_topics(health).tolist() == [False, True, True]


def test_the_floor_of_a_live_topic_is_1_percent_or_half_an_even_share_down_to_half_a_percent():
    assert min_topic_share(10) == min_topic_share(50) == 0.01
    assert min_topic_share(80) == pytest.approx(0.5 / 80)
    assert min_topic_share(100) == min_topic_share(190) == 0.005  # at most 200 topics
    assert all(min_topic_share(k + 1) <= min_topic_share(k) for k in range(1, 300))
    # The same 0.8% topic: dead among 40 topics, alive among 71 (a corpus of many subjects,
    # where an even share is 1.4%); a fixed 1% would allow no model of more than 100 topics.
    for k, dead in ((40, True), (71, False)):
        prevalence = np.full(k, 0.992 / (k - 1))
        prevalence[-1] = 0.008
        health = TopicHealth(prevalence, np.full(k, 0.2))
        assert dead_topics(health)[-1] == dead
        assert not dead_topics(health)[:-1].any()
    many = np.full(200, 1 / 200)
    assert not dead_topics(TopicHealth(many, np.full(200, 0.2))).any()


def test_good_topics_are_alive_coherent_and_come_back_in_other_runs():
    terms = [["a", "b"], ["c", "d"], ["e", "f"]]
    alive = TopicHealth(np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.2, 0.2]))
    runs = [SweepRun(terms, 0.5, alive),
            SweepRun([["a", "b"], ["c", "d"], ["x", "y"]], 0.5, alive)]
    npmi = [[0.2, -0.1, 0.3], [0.2, -0.1, 0.3]]
    good, dead = count_topics(runs, npmi)
    # a-b: good in both; c-d: incoherent; e-f / x-y: each alone in its run, not stable.
    assert (good, dead) == (1.0, 0.0)
    tiny = TopicHealth(np.array([0.5, 0.495, 0.005]), np.array([0.2, 0.2, 0.2]))
    assert count_topics([SweepRun(terms, 0.5, tiny)] * 2, [[0.2, 0.2, 0.2]] * 2) == (2.0, 1.0)


def test_the_last_k_of_a_sweep_that_stopped_early_is_no_limit_to_widen():
    scores = [score(4, 3), score(8, 7), score(16, 14)]
    assert any("上限" in w for w in choose_k(scores).warnings)
    # The sweep stopped at 16 of a range planned to 64: 16 was past what the corpus holds.
    assert choose_k(scores, k_max=64).warnings == ()


def test_a_widened_range_takes_one_more_step_of_the_grid_within_auto_bounds():
    from pipeline.model.k_choice import widened_k

    assert widened_k([4, 8, 16], 10_000, 50_000) == 32  # the grid's ratio, 2
    assert widened_k([30, 45], 10_000, 50_000) == 68
    assert widened_k([180, 200], 100_000, 50_000) is None  # AUTO_K_MAX's top
    assert widened_k([10, 20], 110, 50_000) == 22  # a topic per 5 documents at most
    assert widened_k([10, 20], 10_000, 21) is None  # fewer topics than terms
    assert widened_k([20], 10_000, 50_000) == 30  # one K: half again
