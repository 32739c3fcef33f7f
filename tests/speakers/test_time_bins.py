"""Tests for pipeline/speakers/time_bins.py: meetings pooled by month, quarter or year
(token-weighted), the rule of `auto`, and undated meetings left out and counted."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.speakers.time_bins import (
    AUTO_MEETINGS,
    COLUMNS,
    bin_label,
    bin_start,
    choose_bin,
    n_bins,
    next_start,
    topic_time,
)


def _meetings(rows: list[tuple[str, str, list[float], int]]) -> pd.DataFrame:
    """meeting_topics-like rows: (meeting, date, shares per topic, tokens)."""
    return pd.DataFrame([{"meeting": m, "date": d, "topic": k + 1, "share": s, "n_tokens": n}
                         for m, d, shares, n in rows for k, s in enumerate(shares)])


@pytest.mark.parametrize(("day", "unit", "start", "after", "label"), [
    ("2024-07-30", "month", "2024-07-01", "2024-08-01", "2024年7月"),
    ("2024-12-31", "month", "2024-12-01", "2025-01-01", "2024年12月"),
    ("2024-08-15", "quarter", "2024-07-01", "2024-10-01", "2024年7–9月"),
    ("2024-03-31", "quarter", "2024-01-01", "2024-04-01", "2024年1–3月"),
    ("2024-11-05", "quarter", "2024-10-01", "2025-01-01", "2024年10–12月"),
    ("1947-07-28", "year", "1947-01-01", "1948-01-01", "1947年"),
])
def test_a_date_falls_in_its_calendar_bin(day, unit, start, after, label):
    first = bin_start(dt.date.fromisoformat(day), unit)
    assert first.isoformat() == start
    assert next_start(first, unit).isoformat() == after
    assert bin_label(first, unit) == label


def test_bins_are_counted_over_the_span_both_ends_included():
    a, b = dt.date(2023, 11, 30), dt.date(2024, 2, 1)
    assert [n_bins(a, b, u) for u in ("month", "quarter", "year")] == [4, 2, 2]
    assert n_bins(a, a, "month") == 1


def _spread(n: int, first: dt.date, days: int) -> list[dt.date]:
    return [first + dt.timedelta(days=round(i * days / max(n - 1, 1))) for i in range(n)]


@pytest.mark.parametrize(("dates", "unit"), [
    ([], "meeting"),  # no date at all
    (_spread(AUTO_MEETINGS, dt.date(2000, 1, 1), 3650), "meeting"),  # few: a column each
    (_spread(200, dt.date(2024, 1, 1), 360), "month"),  # a year of minutes: 12 months
    (_spread(200, dt.date(2020, 1, 1), 5 * 365), "quarter"),  # 61 months: 21 quarters
    (_spread(300, dt.date(1947, 1, 1), 76 * 365), "year"),  # the whole Diet record
    (_spread(200, dt.date(2024, 10, 1), 60), "meeting"),  # 3 months: too few bins
])
def test_auto_picks_a_readable_bin(dates, unit):
    assert choose_bin("auto", dates) == unit


def test_a_chosen_bin_is_kept_whatever_the_dates():
    dates = _spread(3, dt.date(2024, 1, 1), 10)
    assert [choose_bin(u, dates) for u in ("meeting", "month", "quarter", "year")] == [
        "meeting", "month", "quarter", "year"]


def test_a_bin_pools_its_meetings_by_tokens_and_leaves_undated_ones_out():
    meetings = _meetings([("a", "2024-07-02", [1.0, 0.0], 10), ("b", "2024-07-30", [0.0, 1.0], 30),
                          ("c", "2024-08-10", [0.5, 0.5], 20), ("d", "", [1.0, 0.0], 99),
                          ("e", "不明", [1.0, 0.0], 99)])
    result = topic_time(meetings, "month", {})
    table = result.table
    assert list(table.columns) == COLUMNS
    assert (result.unit, result.n_undated) == ("month", 2)
    july = table[table["bin_start"] == "2024-07-01"].set_index("topic")
    assert july["share"].tolist() == pytest.approx([0.25, 0.75])
    assert july["n_tokens"].tolist() == [40, 40] and july["n_meetings"].tolist() == [2, 2]
    assert table["bin_label"].unique().tolist() == ["2024年7月", "2024年8月"]
    assert set(table["meeting"]) == {""} and set(table["time_bin"]) == {"month"}
    quarter = topic_time(meetings, "quarter", {}).table
    assert quarter["bin_label"].unique().tolist() == ["2024年7–9月"]
    assert quarter.set_index("topic")["share"].tolist() == pytest.approx([20 / 60, 40 / 60])


def test_a_column_per_meeting_is_in_date_order_and_named_by_title():
    meetings = _meetings([("m2", "2024-02-01", [1.0, 0.0], 5), ("m1", "2024-03-01", [0.0, 1.0], 5),
                          ("m3", "", [1.0, 0.0], 5)])
    result = topic_time(meetings, "auto", {"m2": "衆議院 予算委員会 第2号"})
    rows = result.table.drop_duplicates("meeting")
    assert result.unit == "meeting" and result.n_undated == 1
    assert rows[["bin_start", "bin_label", "meeting"]].values.tolist() == [
        ["2024-02-01", "衆議院 予算委員会 第2号", "m2"], ["2024-03-01", "m1", "m1"]]


def test_without_any_date_every_meeting_is_a_column_by_id_and_none_is_left_out():
    meetings = _meetings([("b", "", [1.0, 0.0], 5), ("a", "", [0.0, 1.0], 5)])
    result = topic_time(meetings, "auto", {})
    assert (result.unit, result.n_undated) == ("meeting", 0)
    assert result.table.drop_duplicates("meeting")["meeting"].tolist() == ["a", "b"]
    monthly = topic_time(meetings, "month", {})
    assert monthly.table.empty and list(monthly.table.columns) == COLUMNS
    assert monthly.n_undated == 2


@given(st.lists(st.tuples(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
                          st.floats(0, 1), st.integers(1, 500)), min_size=1, max_size=40),
       st.sampled_from(["auto", "meeting", "month", "quarter", "year"]), st.randoms())
def test_shares_sum_to_one_and_do_not_depend_on_row_order(rows, setting, random):
    meetings = _meetings([(f"m{i}", d.isoformat(), [s, 1 - s], n)
                          for i, (d, s, n) in enumerate(rows)])
    table = topic_time(meetings, setting, {}).table
    sums = table.groupby(["bin_start", "meeting"])["share"].sum()
    assert np.allclose(sums, 1.0)
    assert table.groupby(["bin_start", "meeting"])["n_meetings"].first().sum() == len(rows)
    order = list(range(len(meetings)))
    random.shuffle(order)
    shuffled = topic_time(meetings.iloc[order], setting, {}).table
    pd.testing.assert_frame_equal(shuffled, table, check_exact=False)
