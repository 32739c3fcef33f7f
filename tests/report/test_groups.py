"""Tests for the groups section (pipeline/report/groups.py, templates/_groups.*.j2) and the
group chart (pipeline/report/charts.py: group_chart)."""

from __future__ import annotations

import warnings

import pandas as pd
from _report import EVIL, context
from matplotlib.patches import Rectangle

from pipeline.report.charts import group_chart
from pipeline.report.groups import group_section
from pipeline.report.render import render_html, render_markdown
from pipeline.report.timeline import flow_chart

TOPICS = [{"topic": 1, "label": "特区・規制", "terms": ["特区", "規制"]},
          {"topic": 2, "label": "材料", "terms": ["材料", "開発"]}]


def _groups():
    rows = []
    for group, shares, n in (("自由民主党", (0.7, 0.3), 900), (EVIL, (0.2, 0.8), 300)):
        for topic, share in zip((1, 2), shares, strict=True):
            rows.append({"group": group, "topic": topic, "share": share,
                         "ci_low": share - 0.1, "ci_high": share + 0.1, "n_speakers": 5,
                         "n_docs": 40, "n_tokens": n, "low_data": False})
    diffs = pd.DataFrame([
        {"attribute": "group", "group": "自由民主党", "other": "（その他）", "topic": 1,
         "diff": 0.5, "ci_low": 0.3, "ci_high": 0.7, "excludes_zero": True},
        {"attribute": "group", "group": "自由民主党", "other": "（その他）", "topic": 2,
         "diff": -0.5, "ci_low": -0.7, "ci_high": -0.3, "excludes_zero": True},
        {"attribute": "group", "group": EVIL, "other": "（その他）", "topic": 2,
         "diff": 0.5, "ci_low": -0.1, "ci_high": 0.9, "excludes_zero": False}])
    return pd.DataFrame(rows), diffs


INGEST = {"n_labels": 30, "n_speakers": 25, "n_unresolved_labels": 1,
          "unresolved_labels": [{"label": "遠藤都市整備局", "n_turns": 3}],
          "n_surnames_merged": 1, "surnames_merged": {"盛山": "盛山正仁"},
          "ambiguous_surnames": {"鈴木": ["鈴木庸介", "鈴木隼人"]},
          "n_tag_like_lines": 1, "tag_like_lines": ["○地方創生について"]}


def test_group_section_puts_groups_side_by_side_with_their_distinguishing_topics():
    groups, diffs = _groups()
    section = group_section(groups, diffs, INGEST, TOPICS)
    assert [r["group"] for r in section["rows"]] == ["自由民主党", EVIL]  # most tokens first
    first, second = section["rows"]
    assert [t["topic"] for t in first["top"]] == [1, 2]
    assert [d["topic"] for d in first["distinct"]] == [1]  # evidence, and more than the rest
    assert second["distinct"] == []  # its interval contains zero


def test_groups_render_in_html_and_markdown_escaped():
    groups, diffs = _groups()
    ctx = {**context()[0], "groups": group_section(groups, diffs, INGEST, TOPICS, 8.16)}
    html, md = render_html(ctx), render_markdown(ctx)
    for text in (html, md):
        assert "会派・グループ" in text and "自由民主党" in text and "遠藤都市整備局" in text
        assert "+50.0 pt" in text
    assert "<script>alert" not in html and "<script>" not in md
    assert "盛山 → 盛山正仁" in html and "鈴木（鈴木庸介・鈴木隼人）" in html
    assert "○地方創生について" in html
    assert "典型的な文書 8.2 個分" in html and "文書 8.2 個分" in md


def test_without_groups_the_section_says_how_to_get_them():
    html = render_html(context()[0])
    assert "会派・所属の情報がありません" in html


def test_group_chart_marks_distinguishing_cells_and_draws_japanese():
    groups, diffs = _groups()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font"
        fig = group_chart(groups, diffs, TOPICS)
        fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0].startswith("自由民主党（5人）")
    marked = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(marked) == 1  # 自由民主党 × topic 1 only
    assert any(t.get_text() == "▲70%" for t in ax.texts)
    empty = group_chart(groups.iloc[0:0], diffs.iloc[0:0], TOPICS)
    assert "group" in empty.axes[0].texts[0].get_text()


def test_timeline_orders_meetings_by_date():
    doc_topics = pd.DataFrame({
        "doc_id": ["b#1.1", "a#1.1"], "meeting": ["b", "a"], "speaker": ["x", "y"],
        "turn": [1, 1], "topic_1": [1.0, 0.0], "topic_2": [0.0, 1.0], "n_tokens": [5, 5],
        "date": ["2020-01-01", "2021-01-01"]})
    fig = flow_chart(doc_topics, TOPICS)
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == [
        "b（2020-01-01）", "a（2021-01-01）"]
