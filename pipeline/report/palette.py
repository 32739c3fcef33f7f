"""Topic colours of the page's bars: the timeline chart's (matplotlib's tab10, then Set3),
so that a topic has one colour in the charts and in the HTML. Written out here so that the
report needs no matplotlib to colour a bar; a test checks they are the charts' colours."""

from __future__ import annotations

TOPIC_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",  # tab10
    "#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
    "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f",  # Set3
)


def topic_colors(topics: list[dict]) -> dict[int, str]:
    """topic -> its colour: by its place in topics.json, as the charts' stackplots give
    them (past 22 topics the colours repeat, as there)."""
    return {t["topic"]: TOPIC_COLORS[i % len(TOPIC_COLORS)] for i, t in enumerate(topics)}
