"""Charts as matplotlib Figures (the stage saves them); Japanese set in IPAexGothic.

The font ships inside the matplotlib-fontja wheel, so no system font is needed.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from pipeline.speakers.attribute_names import attribute_title, missing_label
from pipeline.speakers.groups import MISSING, distinguishing_topics

# Figures are made as Figure objects, never through pyplot: no backend is chosen or needed
# (savefig picks the file format's own canvas), and importing this module changes nothing.


@lru_cache(maxsize=1)
def japanese_font_family() -> str:
    """Register the bundled IPAexGothic and return its family name."""
    from matplotlib_fontja import get_font_ttf_path

    path = get_font_ttf_path()
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


# Names and texts come from transcripts: `$…$` in a speaker's name is text, never mathtext
# (which would fail on `$\foo$` or render `$x$` as math) nor LaTeX.
_PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}


@contextmanager
def plain_text():
    """Text made in this block (also tick labels, made when a figure is drawn) is plain."""
    with matplotlib.rc_context(_PLAIN_TEXT):
        yield


@contextmanager
def japanese_style():
    """Matplotlib settings under which every chart is drawn."""
    with matplotlib.rc_context({
        "font.family": japanese_font_family(), "axes.unicode_minus": False,
        "svg.fonttype": "none", "svg.hashsalt": "jp-meeting-topics", "figure.dpi": 100,
        "savefig.dpi": 150, **_PLAIN_TEXT,
    }):
        yield


def topic_labels(topics: list[dict], n_terms: int = 3, max_chars: int = 14) -> list[str]:
    """Short labels: `T1 特区・規制・経済特区`, or the name given in configs/topic_labels.yaml,
    cut to max_chars so axes stay readable."""
    labels = []
    for t in topics:
        words = t.get("name") or "・".join(t["terms"][:n_terms])
        words = words if len(words) <= max_chars else words[: max_chars - 1] + "…"
        labels.append(f"T{t['topic']} {words}")
    return labels


def order_speakers(shares: pd.DataFrame) -> list[str]:
    """Speakers with enough text first, each block grouped by main topic, then by its share."""
    wide = shares.pivot(index="speaker", columns="topic", values="share")
    low = shares.drop_duplicates("speaker").set_index("speaker")["low_data"].astype(bool)
    main = wide.idxmax(axis=1)
    peak = wide.max(axis=1)
    return sorted(wide.index, key=lambda s: (low[s], main[s], -peak[s], s))


MAX_ROWS = 40  # speakers shown in a heatmap; the tables hold every speaker


def most_active(shares: pd.DataFrame, limit: int = MAX_ROWS) -> pd.DataFrame:
    """Rows of the `limit` speakers with the most tokens (ties by name): a chart a person can
    read, where a decade of minutes has thousands of speakers."""
    sizes = shares.drop_duplicates("speaker").sort_values(["n_tokens", "speaker"],
                                                           ascending=[False, True])
    return shares[shares["speaker"].isin(set(sizes["speaker"][:limit]))]


def _heatmap(values: np.ndarray, size: tuple[float, float], cmap: str):
    """A figure with `values` drawn as a heatmap from 0 (the caller annotates the cells)."""
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(values, cmap=cmap, vmin=0, vmax=max(values.max(), 1e-9), aspect="auto")
    return fig, ax, image


@dataclass(frozen=True)
class SpeakerGrid:
    """What a speaker heatmap draws: the columns' labels, the title, the figure's margins
    (width, height) around its cells."""

    labels: list[str]
    title: str
    margins: tuple[float, float]
    column_width: float


def speaker_heatmap(shares: pd.DataFrame, topics: list[dict]) -> Figure:
    """Speaker × topic heatmap of token-weighted shares, annotated; thin speakers marked ※."""
    return _speaker_grid(shares, SpeakerGrid(topic_labels(topics, 2),
                                             "話者 × トピック（発言量で重み付けした割合）",
                                             (1.2, 1.4), 0.9))


def _speaker_grid(shares: pd.DataFrame, grid: SpeakerGrid) -> Figure:
    """The most active speakers (most_active) × the columns of `shares` (its `topic`),
    each cell annotated with its share; thin speakers marked ※."""
    n_all = shares["speaker"].nunique()
    shares = most_active(shares)
    speakers = order_speakers(shares)
    wide = shares.pivot(index="speaker", columns="topic", values="share").loc[speakers]
    low = shares.drop_duplicates("speaker").set_index("speaker")["low_data"]
    values = wide.to_numpy()
    with japanese_style():
        fig, ax, image = _heatmap(values, (grid.margins[0] + grid.column_width * values.shape[1],
                                           grid.margins[1] + 0.38 * len(speakers)), "YlGnBu")
        for (i, j), value in np.ndenumerate(values):
            color = "white" if value > 0.6 * values.max() else "black"
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=8, color=color)
        ax.set_xticks(range(values.shape[1]),
                      labels=grid.labels, rotation=40, ha="right", fontsize=9)
        ax.set_yticks(range(len(speakers)),
                      labels=[f"{s} ※" if low[s] else s for s in speakers], fontsize=9)
        title = grid.title
        if n_all > len(speakers):
            title += f"\n発言量の多い {len(speakers)} 人（全 {n_all} 人は speaker_topics.csv）"
        ax.set_title(title, fontsize=11)
        fig.colorbar(image, ax=ax, shrink=0.6, format=lambda x, _: f"{x:.0%}")
        if low.any():
            ax.set_xlabel("※ 発言量が少なく、割合の信頼性が低い話者", fontsize=8)
    return fig


def group_shares(shares: pd.DataFrame, topics: list[dict]) -> pd.DataFrame:
    """speaker_topics rows summed over each topic group (the topics' parents): a speaker's
    share of a group is the sum of their shares of its topics (token-weighted shares add
    up). Empty when the topics have no groups."""
    parent = {t["topic"]: t.get("parent") for t in topics}
    if not parent or any(p is None for p in parent.values()):
        return shares.iloc[0:0]
    grouped = shares.assign(topic=shares["topic"].map(parent))
    return (grouped.groupby(["speaker", "topic"], as_index=False, sort=True)
            .agg(share=("share", "sum"), n_tokens=("n_tokens", "first"),
                 low_data=("low_data", "first")))


def group_labels(topics: list[dict], max_chars: int = 14) -> list[str]:
    """`1. 建て替え・ラピダス…（4）`: each group's number (as the report's list of groups
    numbers them), label and number of topics, by group number."""
    sizes: dict[int, int] = {}
    names: dict[int, str] = {}
    for t in topics:
        sizes[t["parent"]] = sizes.get(t["parent"], 0) + 1
        names[t["parent"]] = t.get("parent_label") or ""
    return [f"{g}. {names[g] if len(names[g]) <= max_chars else names[g][: max_chars - 1] + '…'}"
            f"（{sizes[g]}）" for g in sorted(sizes)]


def speaker_group_heatmap(shares: pd.DataFrame, topics: list[dict]) -> Figure:
    """Speaker × topic group heatmap: with many topics (40 or 60 columns do not fit a page)
    the same speakers over a few groups of topics, annotated; a short note when the topics
    have no groups (fewer than topic_tree.MIN_TOPICS_TO_GROUP)."""
    grouped = group_shares(shares, topics)
    if grouped.empty:
        with japanese_style():
            fig = Figure(figsize=(6, 1.2))
            fig.text(0.5, 0.5, "トピックが少ないため、まとまりには分けていません",
                     ha="center", va="center", fontsize=11)
        return fig
    return _speaker_grid(grouped, SpeakerGrid(
        group_labels(topics), "話者 × トピックのまとまり（まとまりの各トピックの割合の和）",
        (2.0, 1.6), 1.1))


def top_terms_chart(topic_terms: pd.DataFrame, topics: list[dict], n_terms: int = 8) -> Figure:
    """One small bar chart of top-term weights per topic."""
    n = len(topics)
    cols = min(4, n)
    rows = int(np.ceil(n / cols))
    with japanese_style():
        fig = Figure(figsize=(3.2 * cols, 2.6 * rows), layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        for ax, topic in zip(axes, topics, strict=False):
            part = topic_terms[topic_terms["topic"] == topic["topic"]].nsmallest(n_terms, "rank")
            ax.barh(part["term"][::-1], part["weight"][::-1], color="#3b7dd8")
            ax.set_title(f"T{topic['topic']}（{topic['prevalence']:.0%}）", fontsize=10)
            ax.tick_params(axis="y", labelsize=9)
            ax.tick_params(axis="x", labelsize=7)
        for ax in axes[n:]:
            ax.set_visible(False)
        fig.suptitle("トピックごとの上位語", fontsize=12)
    return fig


def speaker_mix_chart(shares: pd.DataFrame, topics: list[dict], max_speakers: int = 12) -> Figure:
    """Each speaker's topic mix with its bootstrap interval, for speakers with enough text."""
    enough = shares[~shares["low_data"].astype(bool)]
    sizes = enough.drop_duplicates("speaker").sort_values(["n_tokens", "speaker"],
                                                           ascending=[False, True])
    speakers = list(sizes["speaker"][:max_speakers])
    labels = topic_labels(topics, 2)
    cols = min(3, max(len(speakers), 1))
    rows = max(1, int(np.ceil(len(speakers) / cols)))
    with japanese_style():
        fig = Figure(figsize=(4.2 * cols, 0.5 + 0.32 * len(topics) * rows + 0.6 * rows),
                     layout="constrained")
        axes = np.atleast_1d(fig.subplots(rows, cols, sharex=True)).ravel()
        for ax, speaker in zip(axes, speakers, strict=False):
            part = enough[enough["speaker"] == speaker].sort_values("topic")
            y = np.arange(len(part))[::-1]
            ax.barh(y, part["share"], color="#3b7dd8", alpha=0.85)
            ax.errorbar(part["share"], y, xerr=[part["share"] - part["ci_low"],
                                                part["ci_high"] - part["share"]],
                        fmt="none", ecolor="#222", capsize=2, linewidth=0.8)
            ax.set_yticks(y, labels=labels[: len(part)], fontsize=8)
            first = part.iloc[0]
            ax.set_title(f"{speaker}（{int(first.n_docs)} 文書・{int(first.n_tokens)} 語）",
                         fontsize=10)
            ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
            ax.set_xlim(0, 1)
        for ax in axes[len(speakers):]:
            ax.set_visible(False)
        if not speakers:
            axes[0].set_visible(True)
            axes[0].text(0.5, 0.5, "発言量が十分な話者がいません", ha="center", va="center")
            axes[0].set_axis_off()
        fig.suptitle("話者ごとのトピック構成（棒: 割合、線: 90% ブートストラップ区間）",
                     fontsize=11)
    return fig


def k_selection_chart(sweep: pd.DataFrame, chosen: int, max_share: float = 1 / 3) -> Figure:
    """Quality of each number of topics K: coherence, stability, diversity and the largest
    topic's share (a K above max_share, k_choice.MAX_TOPIC_SHARE, is not chosen); C_V
    where it was measured."""
    with japanese_style():
        fig = Figure(figsize=(8.5, 3.6), layout="constrained")
        ax = fig.subplots()
        for column, label, style in (("npmi", "一貫性 NPMI", "o-"),
                                     ("stability", "シード間の安定性", "^-"),
                                     ("diversity", "語の多様性", "d-"),
                                     ("largest_topic", "最大トピックの割合", "x:")):
            if column in sweep:
                ax.plot(sweep["k"], sweep[column], style, label=label, markersize=4)
        measured = sweep.dropna(subset=["c_v"]) if "c_v" in sweep else sweep.iloc[:0]
        if len(measured):
            ax.plot(measured["k"], measured["c_v"], "s", label="一貫性 C_V", markersize=5)
        if "largest_topic" in sweep and len(sweep) > 1:
            ax.axhline(max_share, color="#999", linestyle=":", linewidth=1)
        # The K the rule chose in the sweep; the final model can hold fewer topics, its
        # dead ones dropped (pipeline.model.core.fit_final).
        swept = int(sweep.loc[sweep["chosen"].astype(bool), "k"].iloc[0]) \
            if "chosen" in sweep and sweep["chosen"].astype(bool).any() else chosen
        ax.axvline(swept, color="#c33", linestyle="--", linewidth=1)
        # The line's note stays short (at K 71 of 4-101 a longer one ran off the chart's
        # left edge); what the final model holds goes in the title.
        right = swept > sweep["k"].median()
        ax.annotate(f"選んだ K = {swept}", (swept, ax.get_ylim()[1]), fontsize=9, color="#c33",
                    xytext=(-4 if right else 4, -12), textcoords="offset points",
                    ha="right" if right else "left")
        ax.set_xlabel("トピック数 K")
        ax.set_xticks(sweep["k"])
        handles, labels = ax.get_legend_handles_labels()
        if "good_topics" in sweep and sweep["good_topics"].notna().any() and len(sweep) > 1:
            # The count the K rule reads (k_choice.choose_k), on its own scale.
            counts = ax.twinx()
            counts.plot(sweep["k"], sweep["good_topics"], "s-", color="#2a7", markersize=4,
                        label="良いトピックの数（右軸）")
            more, names = counts.get_legend_handles_labels()
            handles, labels = handles + more, labels + names
        ax.legend(handles, labels, fontsize=8, loc="upper left", bbox_to_anchor=(1.08, 1),
                  frameon=False)
        if len(sweep) == 1:
            ax.set_title("K は設定で固定（model.n_topics: auto で K ごとに比較）", fontsize=10)
        else:
            ax.set_title("K ごとの品質" + (
                f"（最終モデルは {chosen} トピック：小さすぎる・1〜2 語のトピックを除く）"
                if swept != chosen else ""), fontsize=11)
    return fig


def theme_heatmap(coverage: pd.DataFrame) -> Figure:
    """Speaker × theme: share of each speaker's documents that mention the theme."""
    if coverage.empty:
        with japanese_style():
            fig = Figure(figsize=(6, 1.5), layout="constrained")
            ax = fig.subplots()
            ax.text(0.5, 0.5, "テーマが設定されていません（model.themes_file）", ha="center",
                    va="center")
            ax.set_axis_off()
        return fig
    wide = coverage.pivot(index="speaker", columns="theme", values="share_docs")
    wide = wide[list(dict.fromkeys(coverage["theme"]))]
    docs = coverage.drop_duplicates("speaker").set_index("speaker")["n_docs"]
    order = sorted(wide.index, key=lambda s: (-docs[s], s))[:MAX_ROWS]
    wide = wide.loc[order]
    values = wide.to_numpy()
    with japanese_style():
        fig = Figure(figsize=(2.5 + 1.3 * values.shape[1], 1.2 + 0.34 * len(order)),
                     layout="constrained")
        ax = fig.subplots()
        image = ax.imshow(values, cmap="OrRd", vmin=0, vmax=1, aspect="auto")
        for (i, j), value in np.ndenumerate(values):
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=8,
                    color="white" if value > 0.6 else "black")
        ax.set_xticks(range(values.shape[1]), labels=list(wide.columns), rotation=20,
                      ha="right", fontsize=9)
        ax.set_yticks(range(len(order)), labels=[f"{s}（{docs[s]}）" for s in order],
                      fontsize=9)
        title = "テーマに触れた文書の割合（話者別、括弧内は文書数）"
        if len(docs) > len(order):
            title += f"\n文書の多い {len(order)} 人（全 {len(docs)} 人は speaker_themes.csv）"
        ax.set_title(title, fontsize=11)
        fig.colorbar(image, ax=ax, shrink=0.6, format=lambda x, _: f"{x:.0%}")
    return fig


MAX_GROUPS = 20  # groups in the group chart (most tokens first); group_topics.csv has all


def values_per_group(groups: pd.DataFrame) -> int:
    """Topics per group (every distinguishing topic of a group is marked)."""
    return int(groups["topic"].nunique())


def _group_tick(group: str, info: pd.DataFrame) -> str:
    """A group's row label: its speakers, 少人数 if too few to judge, ※ if little text."""
    small = "・少人数" if "small_group" in info and bool(info.at[group, "small_group"]) else ""
    return (f"{group}（{info.at[group, 'n_speakers']}人{small}）"
            f"{' ※' if info.at[group, 'low_data'] else ''}")


def group_chart(groups: pd.DataFrame, differences: pd.DataFrame, topics: list[dict],
                column: str = "group", attribute: str = "group") -> Figure:
    """Group × topic heatmap of token-weighted shares, each cell with its interval; a cell
    where the group talks about the topic more than the other groups together, with an
    interval above zero, is outlined and marked ▲. Speakers without a value (MISSING) are
    no group and not drawn (the footnote counts them); a group of fewer speakers than
    speakers.min_group_speakers is marked 少人数 and never ▲."""
    kind = attribute_title(attribute)  # 会派, 役職, or the name as the user wrote it
    missing = groups[groups[column] == MISSING]
    groups = groups[groups[column] != MISSING]
    if groups.empty:
        with japanese_style():
            fig = Figure(figsize=(8, 1.6), layout="constrained")
            ax = fig.subplots()
            ax.axis("off")
            ax.text(0.5, 0.5, "会派・所属（group）の情報がありません。表の group 列、\n"
                    "ingest.columns.attributes、または ingest.roster で与えると、ここに会派ごとの"
                    "トピックが出ます。", ha="center", va="center", fontsize=10)
        return fig
    sizes = groups.drop_duplicates(column).sort_values(["n_tokens", column],
                                                       ascending=[False, True])
    shown = list(sizes[column][:MAX_GROUPS])
    part = groups[groups[column].isin(shown)]
    wide = part.pivot(index=column, columns="topic", values="share").loc[shown]
    low = part.pivot(index=column, columns="topic", values="ci_low").loc[shown]
    high = part.pivot(index=column, columns="topic", values="ci_high").loc[shown]
    info = sizes.set_index(column)
    flagged = set()
    if not differences.empty:
        rest = distinguishing_topics(differences, n=values_per_group(groups))
        flagged = set(zip(rest["group"], rest["topic"], strict=True))
    values = wide.to_numpy()
    by_number = {t["topic"]: t for t in topics}
    labels = topic_labels([by_number[t] for t in wide.columns], 2) if all(
        t in by_number for t in wide.columns) else [f"T{t}" for t in wide.columns]
    with japanese_style():
        fig, ax, image = _heatmap(values, (2.4 + 1.0 * values.shape[1],
                                           1.6 + 0.5 * len(shown)), "YlOrRd")
        for (i, j), value in np.ndenumerate(values):
            color = "white" if value > 0.6 * values.max() else "black"
            mark = (shown[i], wide.columns[j]) in flagged
            ax.text(j, i - 0.12, f"{'▲' if mark else ''}{value:.0%}", ha="center",
                    va="center", fontsize=8, color=color, weight="bold" if mark else "normal")
            ax.text(j, i + 0.22, f"{low.iat[i, j]:.0%}–{high.iat[i, j]:.0%}", ha="center",
                    va="center", fontsize=6, color=color)
            if mark:
                ax.add_patch(Rectangle(
                    (j - 0.48, i - 0.48), 0.96, 0.96, fill=False, edgecolor="black", lw=1.5))
        ax.set_xticks(range(values.shape[1]), labels=labels, rotation=40, ha="right",
                      fontsize=9)
        ax.set_yticks(range(len(shown)), labels=[_group_tick(g, info) for g in shown],
                      fontsize=9)
        title = f"{kind} × トピック（発言量で重み付けした割合と区間）"
        n_all = groups[column].nunique()
        if n_all > len(shown):
            title += f"\n発言量の多い {len(shown)} 件（全 {n_all} 件は表にあります）"
        ax.set_title(title, fontsize=11)
        note = (f"▲ 枠: 他の{kind}全体より多く語り、差の区間が 0 を含まないトピック"
                f"（少人数の{kind}は除く）")
        if not missing.empty:
            note += (f"\n{missing_label(attribute)}の {int(missing['n_speakers'].iloc[0])} 人は"
                     f"{kind}として描かず、比較にも含めません（表にはあります）")
        ax.set_xlabel(note, fontsize=8)
        fig.colorbar(image, ax=ax, shrink=0.6, format=lambda x, _: f"{x:.0%}")
    return fig
