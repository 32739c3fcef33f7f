"""Meeting attributes × topics (meeting_attribute_topics.csv) as heatmaps: what each
committee, house, … discussed, one chart per attribute."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from pipeline.report.charts import japanese_style, topic_labels
from pipeline.speakers.groups import MISSING

MAX_VALUES = 20  # values in a chart (most tokens first); the table has every one
MAX_TOPIC_COLUMNS = 12  # more topics than this: topics are the rows, values the columns
MAX_NAME_CHARS = 16  # a value's name is cut past this on the axis


def meeting_attribute_chart(table: pd.DataFrame, topics: list[dict]) -> Figure:
    """One attribute's rows of meeting_attribute_topics.csv: each value's token-weighted
    topic shares with their intervals, as the groups' chart draws them; ▲ and a frame mark
    the `distinguishing` cells. Values are rows and topics columns, as in the groups' chart,
    up to MAX_TOPIC_COLUMNS topics; past that, transposed, so that 40 topics stay readable.
    The attribute is named as the user wrote it."""
    name = str(table["attribute"].iloc[0])
    missing = table[table["value"] == MISSING]
    table = table[table["value"] != MISSING]
    if table.empty:
        return _no_values(name, missing)
    sizes = table.drop_duplicates("value").sort_values(["n_tokens", "value"],
                                                       ascending=[False, True])
    shown = list(sizes["value"][:MAX_VALUES])
    part = table[table["value"].isin(shown)]
    grid = {c: part.pivot(index="value", columns="topic", values=c).loc[shown]
            for c in ("share", "ci_low", "ci_high", "distinguishing")}
    by_number = {t["topic"]: t for t in topics}
    names = [topic_labels([by_number[t]], 2)[0] if t in by_number else f"T{t}"
             for t in grid["share"].columns]
    info = sizes.set_index("value")
    values = [f"{_cut(v)}（{info.at[v, 'n_meetings']}回）{' ※' if info.at[v, 'low_data'] else ''}"
              for v in shown]
    flip = len(names) > MAX_TOPIC_COLUMNS
    rows, columns = (names, values) if flip else (values, names)
    cells = {k: (g.T if flip else g).to_numpy() for k, g in grid.items()}
    with japanese_style():
        fig = Figure(figsize=(2.8 + 1.0 * len(columns), 1.8 + 0.5 * len(rows)),
                     layout="constrained")
        ax = fig.subplots()
        share = cells["share"].astype(float)
        image = ax.imshow(share, cmap="YlOrRd", vmin=0, vmax=max(share.max(), 1e-9),
                          aspect="auto")
        _annotate(ax, cells, share.max())
        ax.set_xticks(range(len(columns)), labels=columns, rotation=40, ha="right", fontsize=9)
        ax.set_yticks(range(len(rows)), labels=rows, fontsize=9)
        title = f"{name} × トピック（発言量で重み付けした割合と区間）"
        if len(sizes) > len(shown):
            title += (f"\n発言量の多い {len(shown)} 件（全 {len(sizes)} 件は "
                      "meeting_attribute_topics.csv）")
        ax.set_title(title, fontsize=11)
        note = (f"▲ 枠: 他の{name}全体より多く語り、差の区間が 0 を含まないトピック"
                "（括弧内は会議の数。1 回だけの値は判定しない）")
        if not missing.empty:
            note += (f"\n{name}のない会議 {int(missing['n_meetings'].iloc[0])} 回は描かず、"
                     "比較にも含めません（表にはあります）")
        ax.set_xlabel(note, fontsize=8)
        fig.colorbar(image, ax=ax, shrink=0.6, format=lambda x, _: f"{x:.0%}")
    return fig


def _annotate(ax, cells: dict[str, np.ndarray], top: float) -> None:
    """Each cell's share (▲ where distinguishing, framed) and interval."""
    for (i, j), value in np.ndenumerate(cells["share"].astype(float)):
        color = "white" if value > 0.6 * top else "black"
        mark = bool(cells["distinguishing"][i, j])
        ax.text(j, i - 0.12, f"{'▲' if mark else ''}{value:.0%}", ha="center", va="center",
                fontsize=8, color=color, weight="bold" if mark else "normal")
        ax.text(j, i + 0.22, f"{cells['ci_low'][i, j]:.0%}–{cells['ci_high'][i, j]:.0%}",
                ha="center", va="center", fontsize=6, color=color)
        if mark:
            ax.add_patch(Rectangle((j - 0.48, i - 0.48), 0.96, 0.96, fill=False,
                                   edgecolor="black", lw=1.5))


def _no_values(name: str, missing: pd.DataFrame) -> Figure:
    n = int(missing["n_meetings"].iloc[0]) if len(missing) else 0
    with japanese_style():
        fig = Figure(figsize=(8, 1.6), layout="constrained")
        ax = fig.subplots()
        ax.axis("off")
        ax.text(0.5, 0.5, f"{name}の値がある会議がありません（値のない会議 {n} 回）。",
                ha="center", va="center", fontsize=10)
    return fig


def _cut(value: str) -> str:
    return value if len(value) <= MAX_NAME_CHARS else value[:MAX_NAME_CHARS - 1] + "…"


def meeting_attribute_files(names: list[str]) -> dict[str, str]:
    """Each meeting attribute's chart file under outputs/charts/meeting_attributes: its
    name with / \\ : and a leading dot made _ (a CSV header may hold them), numbered when
    two names come out the same."""
    files: dict[str, str] = {}
    for name in names:
        stem = "".join("_" if c in "/\\:" else c for c in name.strip()) or "_"
        stem = "_" + stem[1:] if stem.startswith(".") else stem
        file, n = f"{stem}_topics.png", 1
        while file in files.values():
            n += 1
            file = f"{stem}_{n}_topics.png"
        files[name] = file
    return files
