"""Topics over calendar time: meetings pooled by month, quarter or year (report.time_bin),
or one column per meeting.

A bin's topic share is token-weighted, as a meeting's is: the sum of its meetings' shares
times their tokens, over their tokens. A meeting belongs to the bin of its date (its
earliest, as in meeting_topics.csv); a meeting without a date has no place on a calendar,
so it is left out and counted (unless no meeting has a date: then `meeting` lists every
meeting, by id).

The rule of `auto` (choose_bin): 24 dated meetings or fewer, one column each; else the
finest of month, quarter and year that covers the span of the dates in at most 36 bins
(year past that); but if that leaves fewer than 6 bins (many meetings in a few months), a
column per meeting again (the chart pools them past 60).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

UNITS = ("meeting", "month", "quarter", "year")
MONTHS = {"month": 1, "quarter": 3, "year": 12}  # months per calendar bin
AUTO_MEETINGS = 24  # this many dated meetings or fewer: a column each
MAX_BINS = 36  # the finest calendar bin with at most this many bins over the span
MIN_BINS = 6  # fewer calendar bins than this say less than a column per meeting
COLUMNS = ["time_bin", "bin_start", "bin_label", "meeting", "topic", "share", "n_tokens",
           "n_meetings"]


def parse_date(text: object) -> dt.date | None:
    """An ISO date (`2024-07-30`), or None for anything else (a date kept as written)."""
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        return None


def bin_start(day: dt.date, unit: str) -> dt.date:
    """The first day of the month, quarter or year that holds `day`."""
    step = MONTHS[unit]
    return dt.date(day.year, (day.month - 1) // step * step + 1, 1)


def next_start(start: dt.date, unit: str) -> dt.date:
    """The first day of the bin after the one starting on `start`."""
    months = start.year * 12 + start.month - 1 + MONTHS[unit]
    return dt.date(months // 12, months % 12 + 1, 1)


def n_bins(first: dt.date, last: dt.date, unit: str) -> int:
    """Calendar bins from the one holding `first` to the one holding `last`, both counted."""
    a, b = bin_start(first, unit), bin_start(last, unit)
    return ((b.year - a.year) * 12 + b.month - a.month) // MONTHS[unit] + 1


def bin_label(start: dt.date, unit: str) -> str:
    """`2024年7月`, `2024年7–9月` (a calendar quarter: Japan's fiscal quarters start in
    April, so 第1四半期 would be ambiguous) or `2024年`."""
    if unit == "month":
        return f"{start.year}年{start.month}月"
    if unit == "quarter":
        return f"{start.year}年{start.month}–{start.month + 2}月"
    return f"{start.year}年"


def choose_bin(setting: str, dates: Sequence[dt.date]) -> str:
    """The bin `setting` asks for; for `auto`, the rule in this module's docstring."""
    if setting != "auto":
        return setting
    if len(dates) <= AUTO_MEETINGS:
        return "meeting"
    first, last = min(dates), max(dates)
    unit, count = "year", n_bins(first, last, "year")
    for candidate in ("month", "quarter"):
        if n_bins(first, last, candidate) <= MAX_BINS:
            unit, count = candidate, n_bins(first, last, candidate)
            break
    return unit if count >= MIN_BINS else "meeting"


@dataclass(frozen=True)
class TopicTime:
    """topic_time.csv, the bin it was made with and the meetings left out (no date)."""

    table: pd.DataFrame
    unit: str
    n_undated: int


def topic_time(meetings: pd.DataFrame, setting: str, titles: Mapping[str, str]) -> TopicTime:
    """Token-weighted topic shares per bin, from meeting_topics (`meeting, date, topic,
    share, n_tokens`: one row per meeting × topic); `titles` name meetings (meeting bin)."""
    dates = {m: parse_date(d) for m, d in zip(meetings["meeting"].astype(str),
                                              meetings["date"], strict=True)}
    dated = {m: d for m, d in dates.items() if d is not None}
    unit = choose_bin(setting, list(dated.values()))
    if not dated and unit == "meeting":  # no calendar at all: every meeting, by id
        keep, undated = set(dates), 0
    else:
        keep, undated = set(dated), len(dates) - len(dated)
    part = meetings[meetings["meeting"].astype(str).isin(keep)]
    if part.empty:
        return TopicTime(pd.DataFrame(columns=COLUMNS), unit, undated)
    meeting = part["meeting"].astype(str).tolist()
    day = [dated.get(m) for m in meeting]
    if unit == "meeting":
        keys = pd.DataFrame({"bin_start": [d.isoformat() if d else "" for d in day],
                             "bin_label": [titles.get(m) or m for m in meeting],
                             "meeting": meeting})
    else:
        start = [bin_start(d, unit) for d in day if d is not None]
        keys = pd.DataFrame({"bin_start": [s.isoformat() for s in start],
                             "bin_label": [bin_label(s, unit) for s in start],
                             "meeting": ""})
    return TopicTime(_pooled(part, keys).assign(time_bin=unit)[COLUMNS], unit, undated)


def _pooled(part: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """Each bin × topic: share weighted by the meetings' tokens, tokens and meetings; bins
    by start (an undated meeting's "" first: only when no meeting has a date), then id."""
    frame = keys.assign(topic=part["topic"].to_numpy(), n_tokens=part["n_tokens"].to_numpy(),
                        weighted=(part["share"] * part["n_tokens"]).to_numpy(),
                        source=part["meeting"].astype(str).to_numpy())
    by = ["bin_start", "bin_label", "meeting", "topic"]
    out = frame.groupby(by, sort=True).agg(
        weighted=("weighted", "sum"), n_tokens=("n_tokens", "sum"),
        n_meetings=("source", "nunique")).reset_index()
    n_topics = out["topic"].nunique()
    total = out["n_tokens"].to_numpy(dtype=float)
    out["share"] = np.where(total > 0, out["weighted"] / np.where(total > 0, total, 1),
                            1.0 / n_topics)
    out["n_tokens"] = out["n_tokens"].astype(np.int64)
    return out.sort_values(["bin_start", "meeting", "topic"], kind="stable").reset_index(
        drop=True)


class BinSums:
    """topic_time's calendar bins (month, quarter, year) summed as the meetings come, in
    meeting_topics.csv's order, without a table of every meeting: each bin and topic's
    tokens × shares added with the compensated (Kahan) sum of pandas' groupby, in the same
    order, so the table is topic_time's."""

    def __init__(self, unit: str):
        self.unit = unit
        self.index: dict[dt.date, int] = {}
        self.sums: list[np.ndarray] = []
        self.compensation: list[np.ndarray] = []
        self.n_tokens: list[int] = []
        self.n_meetings: list[int] = []

    def add(self, day: dt.date, share: np.ndarray, n_tokens: int) -> None:
        """One meeting: its date, shares and tokens."""
        i = self.index.setdefault(bin_start(day, self.unit), len(self.index))
        if i == len(self.sums):
            self.sums.append(np.zeros(len(share)))
            self.compensation.append(np.zeros(len(share)))
            self.n_tokens.append(0)
            self.n_meetings.append(0)
        y = share * n_tokens - self.compensation[i]
        total = self.sums[i] + y
        compensation = total - self.sums[i] - y
        # An infinite value makes the compensation NaN: pandas resets it to 0.
        self.compensation[i] = np.where(compensation != compensation, 0.0, compensation)
        self.sums[i] = total
        self.n_tokens[i] += int(n_tokens)
        self.n_meetings[i] += 1

    def table(self, topics: Sequence[int]) -> pd.DataFrame:
        """topic_time.csv's rows, bins by start, topics in order."""
        starts = sorted(self.index)
        if not starts:
            return pd.DataFrame(columns=COLUMNS)
        at = [self.index[s] for s in starts]
        n_topics, n_bins = len(topics), len(starts)
        weighted = np.concatenate([self.sums[i] for i in at])
        total = np.repeat(np.asarray([self.n_tokens[i] for i in at], dtype=np.int64), n_topics)
        share = np.where(total > 0, weighted / np.where(total > 0, total, 1), 1.0 / n_topics)
        return pd.DataFrame({
            "time_bin": self.unit,
            "bin_start": np.repeat([s.isoformat() for s in starts], n_topics),
            "bin_label": np.repeat([bin_label(s, self.unit) for s in starts], n_topics),
            "meeting": "", "topic": np.tile(np.asarray(topics, dtype=np.int64), n_bins),
            "share": share, "n_tokens": total,
            "n_meetings": np.repeat(np.asarray([self.n_meetings[i] for i in at],
                                               dtype=np.int64), n_topics)})[COLUMNS]
