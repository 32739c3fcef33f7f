"""Topics over time as matplotlib Figures: the flow of each of a few meetings, turn by
turn, and topic_time.csv (speakers.time_bins) on a calendar axis, one column per month,
quarter or year, or one column per meeting."""

from __future__ import annotations

import datetime as dt

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from pipeline.common.io import topic_column
from pipeline.report.charts import japanese_style, topic_labels
from pipeline.speakers.time_bins import next_start

MAX_MEETING_PANELS = 6  # auto: up to this many meetings, each meeting's flow turn by turn
MAX_COLUMNS = 60  # a column per meeting: past this, consecutive meetings are pooled
MAX_LABELS = 18  # labelled bins on the time axis; past this, every n-th
MAX_TICK_CHARS = 18  # a meeting's title on a tick is cut past this
UNIT_NAMES = {"month": "月", "quarter": "四半期（3 か月）", "year": "年"}


def palette(name: str) -> tuple:
    """The colours of one of matplotlib's qualitative colormaps (tab10, Set3), as it lists them."""
    cmap = matplotlib.colormaps[name]
    assert isinstance(cmap, ListedColormap) and isinstance(cmap.colors, tuple)
    return cmap.colors


def topic_colors(n: int) -> list:
    """n colours, tab10 then Set3, repeated past their 22."""
    colors = palette("tab10") + palette("Set3")
    return [colors[i % len(colors)] for i in range(n)]


def shows_flow(time_bin: str, n_meetings: int) -> bool:
    """The timeline is each meeting's flow, turn by turn: report.time_bin auto and a few
    meetings (a bin the user chose is always drawn over time)."""
    return time_bin == "auto" and n_meetings <= MAX_MEETING_PANELS


def flow_chart(doc_topics: pd.DataFrame, topics: list[dict],
               titles: dict[str, str] | None = None) -> Figure:
    """Topic shares along each meeting, turn by turn (token-weighted per turn), a panel per
    meeting in date order, named by its title (meeting -> title; else its id)."""
    titles = titles or {}
    columns = [topic_column(t["topic"]) for t in topics]
    meetings = _by_date(doc_topics)
    labels = topic_labels(topics, 2)
    with japanese_style():
        fig = Figure(figsize=(11, 2.6 * len(meetings) + 0.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(len(meetings), 1))
        for ax, meeting in zip(axes, meetings, strict=True):
            part = doc_topics[doc_topics["meeting"] == meeting]
            weighted = part[columns].mul(part["n_tokens"], axis=0).groupby(part["turn"]).sum()
            shares = weighted.div(weighted.sum(axis=1).replace(0, 1), axis=0)
            ax.stackplot(shares.index, shares.T.to_numpy(), colors=topic_colors(len(columns)),
                         labels=labels, step="mid")
            ax.set_xlim(shares.index.min() - 0.5, shares.index.max() + 0.5)
            ax.set_ylim(0, 1)
            ax.yaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
            date = part["date"].astype(str).min() if "date" in part else ""
            ax.set_title(f"{titles.get(str(meeting), str(meeting))}"
                         f"{f'（{date}）' if date else ''}", fontsize=10)
            ax.set_xlabel("発言の順番（ターン）", fontsize=9)
        axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        fig.suptitle("会議の流れに沿ったトピックの推移", fontsize=12)
    return fig


def _by_date(doc_topics: pd.DataFrame) -> list[str]:
    """Meetings in date order (undated last, then by name)."""
    if "date" not in doc_topics:
        return sorted(doc_topics["meeting"].unique())
    dates = doc_topics.groupby("meeting")["date"].min().astype(str)
    return sorted(dates.index, key=lambda m: (dates[m] == "", dates[m], m))


def time_chart(topic_time: pd.DataFrame, topics: list[dict], n_undated: int = 0) -> Figure:
    """topic_time.csv drawn: stacked token-weighted shares per bin, on a calendar axis
    (each month, quarter or year a bar from its first day to the next bin's) or a column
    per meeting (titles and dates as ticks); `n_undated` meetings left out are counted."""
    if topic_time.empty:
        return _no_dates(n_undated)
    unit = str(topic_time["time_bin"].iloc[0])
    numbers = [t["topic"] for t in topics]
    keys = ["bin_start", "bin_label", "meeting"]
    frame = topic_time.assign(**{k: topic_time[k].astype(str) for k in keys})
    wide = frame.pivot_table(index=keys, columns="topic", values="share", sort=False,
                             aggfunc="sum").reindex(columns=numbers, fill_value=0.0)
    sizes = frame.drop_duplicates(keys).set_index(keys)
    n_meetings = int(sizes["n_meetings"].sum())
    note = f"日付のない {n_undated} 回の会議は含みません" if n_undated else ""
    with japanese_style():
        two_columns = len(topics) > 24  # the legend's: then the figure widens for it
        fig = Figure(figsize=(13.5 if two_columns else 11, max(4.2, 1.2 + 0.17 * len(topics))),
                     layout="constrained")
        ax = fig.subplots()
        if unit == "meeting":
            _meeting_columns(ax, wide, sizes["n_tokens"].to_numpy(float), topics, note)
        else:
            _calendar_bars(ax, wide, unit, topics, f"{n_meetings} 回の会議、{len(wide)} 区間"
                           + (f"。{note}" if note else ""))
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False,
                  ncols=2 if two_columns else 1)
        ax.set_title("トピックの推移（発言量で重み付けした割合）", fontsize=12)
    return fig


def _calendar_bars(ax, wide: pd.DataFrame, unit: str, topics: list[dict], counts: str) -> None:
    """Stacked bars on a date axis, each bin from its first day to the next bin's."""
    starts = [dt.date.fromisoformat(s) for s in wide.index.get_level_values("bin_start")]
    left = mdates.date2num(starts)
    width = mdates.date2num([next_start(s, unit) for s in starts]) - left
    bottom = np.zeros(len(wide))
    for values, color, label in zip(wide.to_numpy().T, topic_colors(len(topics)),
                                    topic_labels(topics, 2), strict=True):
        ax.bar(left, values, width=width * 0.92, bottom=bottom, align="edge", color=color,
               label=label, linewidth=0)
        bottom = bottom + values
    ax.xaxis_date()
    ax.set_xticks(left)
    ax.set_xticklabels(["" for _ in left])
    step = int(np.ceil(len(left) / MAX_LABELS))
    ax.set_xticks(left[::step] + width[::step] / 2, minor=True)
    ax.set_xticklabels(list(wide.index.get_level_values("bin_label"))[::step], minor=True,
                       rotation=30 if len(left) > 8 else 0, ha="right" if len(left) > 8
                       else "center", fontsize=8)
    ax.tick_params(axis="x", which="minor", length=0)
    ax.set_xlim(left[0] - width[0] * 0.1, left[-1] + width[-1] * 1.02)
    ax.set_xlabel(f"{UNIT_NAMES[unit]}ごとに集計（{counts}）", fontsize=9)


def _meeting_columns(ax, wide: pd.DataFrame, tokens: np.ndarray, topics: list[dict],
                     note: str) -> None:
    """A column per meeting in date order; past MAX_COLUMNS, consecutive meetings pooled
    (token-weighted) into MAX_COLUMNS columns, each ticked by its first meeting."""
    n_meetings = len(wide)
    group = np.arange(n_meetings) * min(n_meetings, MAX_COLUMNS) // n_meetings
    weighted = pd.DataFrame(wide.to_numpy() * tokens[:, None]).groupby(group).sum()
    shares = weighted.div(weighted.sum(axis=1).replace(0, 1), axis=0)
    ticks_of = [_meeting_tick(*wide.index[np.argmax(group == g)][:2]) for g in shares.index]
    x = np.arange(len(shares))
    ax.stackplot(x, shares.T.to_numpy(), colors=topic_colors(len(topics)),
                 labels=topic_labels(topics, 2), step="mid")
    ax.set_xlim(-0.5, len(x) - 0.5)
    ticks = np.unique(np.linspace(0, len(x) - 1, min(len(x), 12)).round().astype(int))
    ax.set_xticks(ticks, labels=[ticks_of[i] for i in ticks], rotation=30, ha="right",
                  fontsize=8)
    dated = bool(wide.index.get_level_values("bin_start")[0])
    order = "日付" if dated else "名前"
    label = (f"会議（{order}順、全 {n_meetings} 回）" if len(x) == n_meetings else
             f"会議（{order}順、全 {n_meetings} 回を {len(x)} 区間にまとめ、"
             "目盛は各区間の最初の会議）")
    ax.set_xlabel(label + (f"。{note}" if note else ""), fontsize=9)


def _meeting_tick(date: str, title: str) -> str:
    """A meeting's tick: `date title` (the title alone when undated), the title cut past
    MAX_TICK_CHARS: a long committee name squeezed the chart into a corner."""
    title = title if len(title) <= MAX_TICK_CHARS else title[:MAX_TICK_CHARS - 1] + "…"
    return f"{date} {title}" if date else title


def _no_dates(n_undated: int) -> Figure:
    with japanese_style():
        fig = Figure(figsize=(8, 1.6), layout="constrained")
        ax = fig.subplots()
        ax.axis("off")
        ax.text(0.5, 0.5, f"日付のある会議がないため、時間の推移は描けません（日付のない会議 "
                f"{n_undated} 回）。", ha="center", va="center", fontsize=10)
    return fig
