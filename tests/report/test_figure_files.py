"""Tests for pipeline/report/figure_files.py: laid out once, the bytes are savefig's."""

from __future__ import annotations

import io

import _fuzz
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.report.charts import (
    japanese_style,
    k_selection_chart,
    plain_text,
    speaker_heatmap,
    speaker_mix_chart,
    top_terms_chart,
)
from pipeline.report.figure_files import figure_png, figure_svg

NAMES = st.text(alphabet="岡田盛山国務大臣委員長ab$ ・（）", min_size=1, max_size=12)


def savefig_png(fig) -> bytes:
    """What the charts stage wrote before: savefig, which draws the figure twice."""
    buffer = io.BytesIO()
    with plain_text():
        fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def savefig_svg(fig) -> bytes:
    buffer = io.BytesIO()
    with japanese_style():
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def same_files(make) -> None:
    """Two figures made alike, saved as the stage saves the heatmap (PNG, then SVG): the new
    way and savefig give the same bytes."""
    old, new = make(), make()
    assert figure_png(new) == savefig_png(old)
    assert figure_svg(new) == savefig_svg(old)


def shares_table(speakers: list[str], n_topics: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i, speaker in enumerate(speakers):
        share = rng.dirichlet(np.ones(n_topics))
        low = rng.uniform(0, 1, n_topics) * share
        for t in range(n_topics):
            rows.append({"speaker": speaker, "topic": t + 1, "share": share[t],
                         "ci_low": low[t], "ci_high": min(1.0, share[t] * 1.3),
                         "n_tokens": 50 + 17 * i, "n_docs": 3 + i, "low_data": i % 4 == 3})
    return pd.DataFrame(rows)


def topics_of(n_topics: int) -> list[dict]:
    return [{"topic": t + 1, "terms": [f"語{t}", "経済", "デジタル"], "prevalence": 1 / n_topics}
            for t in range(n_topics)]


@settings(max_examples=_fuzz.n_examples(20), deadline=None)
@given(speakers=st.lists(NAMES, min_size=1, max_size=8, unique=True),
       n_topics=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_heatmaps_are_savefigs_bytes(speakers, n_topics, seed):
    shares = shares_table(speakers, n_topics, seed)
    topics = topics_of(n_topics)
    same_files(lambda: speaker_heatmap(shares, topics))


def test_panels_and_a_twin_axis_are_savefigs_bytes():
    shares = shares_table([f"話者{i}" for i in range(5)], 4, 1)
    same_files(lambda: speaker_mix_chart(shares, topics_of(4)))
    topics = topics_of(6)
    terms = pd.DataFrame([{"topic": t["topic"], "rank": r, "term": f"語{t['topic']}_{r}",
                           "weight": 1 / (r + 1)} for t in topics for r in range(8)])
    same_files(lambda: top_terms_chart(terms, topics))
    sweep = pd.DataFrame({"k": [4, 6, 8, 10], "npmi": [0.1, 0.2, 0.15, 0.05],
                          "stability": [0.9, 0.8, 0.7, 0.6], "good_topics": [3, 5, 6, 4],
                          "chosen": [False, True, False, False]})
    same_files(lambda: k_selection_chart(sweep, 6))


@pytest.mark.filterwarnings("ignore:constrained_layout not applied")
def test_a_figure_too_small_for_its_layout_is_drawn_as_savefig_draws_it():
    # Constrained layout gives up (matplotlib warns) on axes smaller than their labels.
    shares = shares_table([f"話者{i}" for i in range(12)], 3, 0)

    def make():
        fig = speaker_heatmap(shares, topics_of(3))
        fig.set_size_inches(1.0, 0.6)
        return fig

    old, new = make(), make()
    assert figure_png(new) == savefig_png(old)
