"""Tests for pipeline/report/timeline.py and meeting_charts.py: topics over time on a
calendar axis (the Figure inspected), a column per meeting, and the meeting attribute
heatmaps."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from matplotlib import dates as mdates
from matplotlib import units as munits
from matplotlib.container import BarContainer
from matplotlib.patches import Rectangle

from pipeline.report.meeting_charts import (
    MAX_TOPIC_COLUMNS,
    meeting_attribute_chart,
    meeting_attribute_files,
)
from pipeline.report.timeline import MAX_MEETING_PANELS, shows_flow, time_chart
from pipeline.speakers.time_bins import topic_time

TOPICS = [{"topic": 1, "terms": ["特区", "規制"]}, {"topic": 2, "terms": ["材料", "研究"]},
          {"topic": 3, "terms": ["安全", "保障"]}]


def _meetings(n: int, first: dt.date, every_days: int, undated: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for i in range(n + undated):
        date = (first + dt.timedelta(days=i * every_days)).isoformat() if i < n else ""
        for k, s in enumerate(rng.dirichlet([1, 1, 1])):
            rows.append({"meeting": f"m{i:03d}", "date": date, "topic": k + 1, "share": s,
                         "n_tokens": 50 + i})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("unit", ["month", "quarter", "year"])
def test_the_time_chart_has_a_calendar_axis_and_a_column_per_bin(unit):
    result = topic_time(_meetings(60, dt.date(2021, 4, 3), 20, undated=2), unit, {})
    fig = time_chart(result.table, TOPICS, result.n_undated)
    (ax,) = [a for a in fig.axes if a.get_title()]
    bins = result.table.drop_duplicates("bin_start")
    starts = [dt.date.fromisoformat(s) for s in bins["bin_start"]]
    # Ticks are dates: the first day of each bin, on a matplotlib date axis.
    assert [mdates.num2date(x).date() for x in ax.get_xticks()] == starts
    assert ax.xaxis.get_converter() is munits.registry.get_converter(starts[0])  # dates
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == len(TOPICS) and {len(c) for c in bars} == {len(starts)}
    first = bars[0][0]  # the first bin's bar spans its bin, from its first day
    assert mdates.num2date(first.get_x()).date() == starts[0]
    labels = [t.get_text() for t in ax.get_xticklabels(minor=True)]
    assert labels[0] == bins["bin_label"].iloc[0] and len(labels) <= len(starts)
    heights = np.sum([[p.get_height() for p in c] for c in bars], axis=0)
    assert np.allclose(heights, 1.0)  # each bin's shares are stacked to 100%
    assert "日付のない 2 回の会議は含みません" in ax.get_xlabel()


def test_a_column_per_meeting_is_ticked_by_date_and_title():
    meetings = _meetings(5, dt.date(2024, 1, 10), 7)
    titles = {f"m{i:03d}": f"第{i + 1}回 研究会" for i in range(5)}
    fig = time_chart(topic_time(meetings, "meeting", titles).table, TOPICS)
    (ax,) = [a for a in fig.axes if a.get_title()]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "2024-01-10 第1回 研究会" and len(ticks) == 5
    assert "全 5 回" in ax.get_xlabel()


def test_no_dated_meeting_is_a_sentence_not_an_empty_axis():
    result = topic_time(_meetings(0, dt.date(2024, 1, 1), 1, undated=3), "month", {})
    fig = time_chart(result.table, TOPICS, result.n_undated)
    assert "日付のない会議 3 回" in fig.axes[0].texts[0].get_text()


def test_a_few_meetings_show_their_flow_unless_a_bin_is_chosen():
    assert shows_flow("auto", MAX_MEETING_PANELS)
    assert not shows_flow("auto", MAX_MEETING_PANELS + 1)
    assert not shows_flow("month", 1)


def _attribute_table(n_topics: int) -> pd.DataFrame:
    rows = []
    for v, value in enumerate(["予算委員会", "外務委員会", "（なし）"]):
        for t in range(1, n_topics + 1):
            share = 0.6 if t == v + 1 else 0.4 / (n_topics - 1)
            rows.append({"attribute": "委員会", "value": value, "topic": t, "share": share,
                         "ci_low": share * 0.8, "ci_high": min(1.0, share * 1.2),
                         "n_meetings": 3 - v, "n_docs": 10, "n_tokens": 300 - v,
                         "low_data": value == "（なし）", "small_group": False,
                         "distinguishing": t == v + 1 and v < 2})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("n_topics", [3, MAX_TOPIC_COLUMNS + 5])
def test_the_meeting_attribute_chart_marks_what_sets_a_value_apart(n_topics):
    topics = [{"topic": t, "terms": [f"語{t}"]} for t in range(1, n_topics + 1)]
    fig = meeting_attribute_chart(_attribute_table(n_topics), topics)
    ax = fig.axes[0]
    fig.canvas.draw()
    values = [t.get_text() for t in (ax.get_xticklabels() if n_topics > MAX_TOPIC_COLUMNS
                                     else ax.get_yticklabels())]
    assert values == ["予算委員会（3回）", "外務委員会（2回）"]  # no value is no value
    assert len(ax.get_xticklabels()) * len(ax.get_yticklabels()) == 2 * n_topics
    assert "委員会のない会議 1 回は描かず" in ax.get_xlabel()
    assert sum(isinstance(p, Rectangle) for p in ax.patches) == 2
    assert sum(t.get_text() == "▲60%" for t in ax.texts) == 2
    assert ax.get_title().startswith("委員会 × トピック")


def test_chart_file_names_are_plain_and_distinct():
    files = meeting_attribute_files(["委員会", "a/b", "a:b", ".院", ""])
    assert files == {"委員会": "委員会_topics.png", "a/b": "a_b_topics.png",
                     "a:b": "a_b_2_topics.png", ".院": "_院_topics.png", "": "__topics.png"}
