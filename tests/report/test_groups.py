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
    section = group_section(groups, diffs, INGEST, TOPICS, {"prior_documents": 8.16})
    ctx = {**context()[0], "groups": section}
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


def _with_small_and_missing():
    """The groups with a party of one speaker and the speakers who have no group."""
    groups, diffs = _groups()
    extra = []
    for group, n_speakers in (("参政党", 1), ("（なし）", 90)):
        for topic, share in ((1, 0.9), (2, 0.1)):
            extra.append({"group": group, "topic": topic, "share": share,
                          "ci_low": share - 0.05, "ci_high": share + 0.05,
                          "n_speakers": n_speakers, "n_docs": 30, "n_tokens": 5000,
                          "low_data": False, "small_group": n_speakers < 3})
    groups = pd.concat([groups.assign(small_group=False), pd.DataFrame(extra)],
                       ignore_index=True)
    small = pd.DataFrame([{"attribute": "group", "group": "参政党", "other": "（その他）",
                           "topic": 1, "diff": 0.28, "ci_low": 0.2, "ci_high": 0.3,
                           "excludes_zero": False, "small_group": True}])
    return groups, pd.concat([diffs, small], ignore_index=True)


def test_small_groups_are_flagged_and_speakers_without_a_group_are_no_group():
    groups, diffs = _with_small_and_missing()
    section = group_section(groups, diffs, {**INGEST, "group_aliases": [
        {"variant": "自由民主党・無所属の会", "group": "自由民主党", "n_speakers": 85,
         "n_turns": 1029}]}, TOPICS, {"min_group_speakers": 3})
    rows = {r["group"]: r for r in section["rows"]}
    assert "（なし）" not in rows and section["n_groups"] == 3
    assert rows["参政党"]["small"] and rows["参政党"]["distinct"] == []
    assert section["missing"]["label"] == "会派なし（政府側・参考人など）"
    assert section["missing"]["n_speakers"] == 90
    ctx = {**context()[0], "groups": section}
    html, md = render_html(ctx), render_markdown(ctx)
    for text in (html, md):
        assert "会派なし（政府側・参考人など）: 90 人" in text
        assert "少人数のため判定しない" in text and "3 人未満" in text
        assert "自由民主党・無所属の会 → 自由民主党（85 人、1029 発言）" in text


def test_the_group_chart_leaves_out_speakers_without_a_group_and_names_attributes():
    groups, diffs = _with_small_and_missing()
    fig = group_chart(groups, diffs, TOPICS)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert not any(label.startswith("（なし）") for label in labels)
    assert "参政党（1人・少人数）" in labels
    assert "会派なし（政府側・参考人など）の 90 人" in ax.get_xlabel()
    assert ax.get_title().startswith("会派 × トピック")
    position = group_chart(groups, diffs, TOPICS, attribute="position")
    assert position.axes[0].get_title().startswith("役職 × トピック")
    assert "役職なしの 90 人" in position.axes[0].get_xlabel()
    custom = group_chart(groups, diffs, TOPICS, attribute="選挙区")
    assert custom.axes[0].get_title().startswith("選挙区 × トピック")


def test_timeline_orders_meetings_by_date():
    doc_topics = pd.DataFrame({
        "doc_id": ["b#1.1", "a#1.1"], "meeting": ["b", "a"], "speaker": ["x", "y"],
        "turn": [1, 1], "topic_1": [1.0, 0.0], "topic_2": [0.0, 1.0], "n_tokens": [5, 5],
        "date": ["2020-01-01", "2021-01-01"]})
    fig = flow_chart(doc_topics, TOPICS)
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == [
        "b（2020-01-01）", "a（2021-01-01）"]


def test_every_join_and_split_of_labels_is_in_the_groups_and_method_sections():
    groups, diffs = _groups()
    ingest = {**INGEST, "n_turns_merged": 4, "n_surnames_split": 1, "n_turns_split": 2,
              "surnames_split": {"岡田": ["岡田", "岡田（中央卸売市場長）"]}}
    ctx = {**context()[0], "groups": group_section(groups, diffs, ingest, TOPICS)}
    html, md = render_html(ctx), render_markdown(ctx)
    method = html[html.index('id="method"'):]
    assert "氏名に統合 1 件（4 発言）" in method
    assert "別の話者に分割 1 件（名前を変えた発言 2" in method
    assert "岡田 → 岡田・岡田（中央卸売市場長）" in html
    assert "別の話者に分割 1 件" in md[md.index("## 方法と再現"):]
