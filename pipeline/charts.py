"""Charts as matplotlib Figures (the stage saves them); Japanese set in IPAexGothic.

The font ships inside the matplotlib-fontja wheel, so no system font is needed.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


@lru_cache(maxsize=1)
def japanese_font_family() -> str:
    """Register the bundled IPAexGothic and return its family name."""
    from matplotlib_fontja import get_font_ttf_path

    path = get_font_ttf_path()
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


@contextmanager
def japanese_style():
    """Matplotlib settings under which every chart is drawn."""
    with plt.rc_context({
        "font.family": japanese_font_family(), "axes.unicode_minus": False,
        "svg.fonttype": "none", "figure.dpi": 100, "savefig.dpi": 150,
    }):
        yield


def topic_labels(topics: list[dict], n_terms: int = 3) -> list[str]:
    """Short labels: `T1 特区・規制・経済特区`."""
    return [f"T{t['topic']} " + "・".join(t["terms"][:n_terms]) for t in topics]


def order_speakers(shares: pd.DataFrame) -> list[str]:
    """Speakers with enough text first, each block grouped by main topic, then by its share."""
    wide = shares.pivot(index="speaker", columns="topic", values="share")
    low = shares.drop_duplicates("speaker").set_index("speaker")["low_data"].astype(bool)
    main = wide.idxmax(axis=1)
    peak = wide.max(axis=1)
    return sorted(wide.index, key=lambda s: (low[s], main[s], -peak[s], s))


def speaker_heatmap(shares: pd.DataFrame, topics: list[dict]) -> Figure:
    """Speaker × topic heatmap of token-weighted shares, annotated; thin speakers marked ※."""
    speakers = order_speakers(shares)
    wide = shares.pivot(index="speaker", columns="topic", values="share").loc[speakers]
    low = shares.drop_duplicates("speaker").set_index("speaker")["low_data"]
    values = wide.to_numpy()
    with japanese_style():
        fig = Figure(figsize=(1.2 + 0.9 * values.shape[1], 1.4 + 0.38 * len(speakers)),
                     layout="constrained")
        ax = fig.subplots()
        image = ax.imshow(values, cmap="YlGnBu", vmin=0, vmax=max(values.max(), 1e-9),
                          aspect="auto")
        for (i, j), value in np.ndenumerate(values):
            color = "white" if value > 0.6 * values.max() else "black"
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=8, color=color)
        ax.set_xticks(range(values.shape[1]),
                      labels=topic_labels(topics, 2), rotation=40, ha="right", fontsize=9)
        ax.set_yticks(range(len(speakers)),
                      labels=[f"{s} ※" if low[s] else s for s in speakers], fontsize=9)
        ax.set_title("話者 × トピック（発言量で重み付けした割合）", fontsize=11)
        fig.colorbar(image, ax=ax, shrink=0.6, format=lambda x, _: f"{x:.0%}")
        if low.any():
            ax.set_xlabel("※ 発言量が少なく、割合の信頼性が低い話者", fontsize=8)
    return fig


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
