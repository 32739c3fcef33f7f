"""Tests for the scored-meetings section (pipeline/report/scored.py, templates/_scored.*.j2)
and the topic colours of its bars (pipeline/report/palette.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _report import EVIL, inputs

from pipeline.report.palette import TOPIC_COLORS, topic_colors
from pipeline.report.render import build_context, render_html, render_markdown
from pipeline.report.scored import SCORE_COMMAND, ScoredInputs, hellinger, scored_section
from pipeline.report.timeline import palette

TOPICS = [{"topic": 1, "label": "特区・規制"}, {"topic": 2, "label": "材料"},
          {"topic": 4, "label": "安全保障"}]  # topic 3 merged away: colours go by place


def _long(meetings: dict[str, tuple[float, ...]], **extra) -> pd.DataFrame:
    rows = []
    for n, (meeting, shares) in enumerate(meetings.items()):
        for topic, share in zip((1, 2, 4), shares, strict=True):
            rows.append({"meeting": meeting, "title": f"{meeting}の会",
                         "date": f"2024-0{n + 1}-01", "topic": topic, "share": share,
                         "ci_low": share / 2,
                         "ci_high": min(1.0, share * 1.5), "n_docs": 6, "n_tokens": 60,
                         "low_data": False, **extra.get(meeting, {})})
    return pd.DataFrame(rows)


# 開会だけ: the closest mix to 新A, but two documents say little of a meeting; 少量: flagged.
FITTED = _long({"特区会": (0.9, 0.1, 0.0), "材料会": (0.1, 0.8, 0.1), "安保会": (0.0, 0.1, 0.9),
                "混合会": (0.4, 0.3, 0.3), "開会だけ": (0.8, 0.2, 0.0), "少量": (0.8, 0.2, 0.0)},
               開会だけ={"n_docs": 2}, 少量={"low_data": True})


def _scored(**changes) -> ScoredInputs:
    meetings = _long({"新A": (0.8, 0.2, 0.0), EVIL: (0.0, 0.2, 0.8)},
                     **{"新A": {"n_terms": 80, "share_known": 0.75},
                        EVIL: {"n_terms": 300, "share_known": 0.2, "n_docs": 1}})
    base = {"meetings": meetings, "fitted": FITTED,
            "summary": {"input": "data/new", "share_of_terms_known": 0.3,
                        "meetings_unscored": ["空の会"]}}
    return ScoredInputs(**{**base, **changes})


def test_hellinger_is_zero_for_one_mix_one_for_disjoint_ones_and_symmetric():
    p = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    q = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.2, 0.3, 0.5]])
    d = hellinger(p, q)
    assert d.shape == (2, 3)
    assert d[0, 0] == pytest.approx(0) and d[1, 1] == pytest.approx(1)
    assert np.allclose(hellinger(q, p), d.T)
    assert ((d >= 0) & (d <= 1)).all()
    rng = np.random.default_rng(0)
    x, y = rng.dirichlet(np.ones(6), 5), rng.dirichlet(np.ones(6), 7)
    direct = np.sqrt(((np.sqrt(x)[:, None] - np.sqrt(y)[None]) ** 2).sum(axis=2) / 2)
    assert np.allclose(hellinger(x, y), direct)


def test_each_scored_meeting_lists_the_fitted_meetings_nearest_its_mix():
    section = scored_section(_scored(), TOPICS)
    first, second = section["meetings"]
    assert [n["meeting"] for n in first["nearest"]] == ["特区会", "混合会", "材料会"]
    assert second["nearest"][0]["meeting"] == "安保会"
    distances = [n["distance"] for n in first["nearest"]]
    assert distances == sorted(distances) and distances[0] < 0.2
    assert first["title"] == "新Aの会" and first["date"] == "2024-01-01"
    assert [t["topic"] for t in first["top"]] == [1, 2, 4]
    assert (first["little_known"], second["little_known"]) == (False, True)
    assert section["unscored"] == ["空の会"] and section["n_fitted"] == 4
    # A bar per mix, coloured by the topic's place in topics.json as the charts colour it.
    assert [(s["topic"], s["color"]) for s in first["bar"]] == [(1, TOPIC_COLORS[0]),
                                                                (2, TOPIC_COLORS[1])]
    assert second["bar"][-1]["color"] == TOPIC_COLORS[2]
    assert sum(s["share"] for s in first["bar"]) == pytest.approx(1)


def test_the_page_colours_topics_as_the_charts_do():
    assert TOPIC_COLORS == tuple(
        "#" + "".join(f"{round(c * 255):02x}" for c in rgb[:3])
        for rgb in palette("tab10") + palette("Set3"))
    assert topic_colors([{"topic": k} for k in range(1, 25)])[23] == TOPIC_COLORS[0]


def test_the_report_shows_scored_meetings_escaped_and_marks_those_the_model_hardly_knows():
    base = inputs()
    context = build_context(inputs(scored=_scored(), doc_topics=base.doc_topics.assign(
        topic_4=0.0), topics=[*base.topics, {**base.topics[1], **TOPICS[2]}]))
    html, md = render_html(context), render_markdown(context)
    section = html.split('<h2 id="scored">')[1].split("<h2 ")[0]
    assert "新Aの会" in section and "特区会の会" in section and "Hellinger" in section
    assert "<script>alert" not in html and "&lt;script&gt;" in section
    assert section.count("注意: モデルがほとんど知らない語") == 1
    assert 'href="#scored"' in html
    assert section.count('class="mixbar') == 2 + 2 * 3  # each meeting, its three nearest
    md_section = md.split("## 採点した会議")[1].split("\n## ")[0]
    assert "<script>" not in md_section and "\\<script\\>" in md_section
    assert "| 新Aの会 | 2024-01-01 | 6 | 75% |" in md_section
    assert md_section.count("⚠") == 2  # the meeting, and the sentence that explains the mark
    assert "特区会の会（2024-01-01） 0." in md_section
    # One document: a bootstrap over it says nothing, so no interval is shown.
    evil_row = next(line for line in md_section.splitlines() if "\\<script" in line)
    assert "（" not in evil_row.split("|")[5]


@pytest.mark.parametrize("scored", [None, ScoredInputs(
    meetings=pd.DataFrame(columns=["meeting", "topic", "share"]), summary={"input": None})])
def test_without_scored_meetings_the_section_is_one_line_saying_how_to_score(scored):
    context = build_context(inputs(scored=scored))
    html, md = render_html(context), render_markdown(context)
    section = html.split('<h2 id="scored">')[1].split("<h2 ")[0]
    assert SCORE_COMMAND.replace("'", "&#39;") in section and "mixbar" not in section
    assert 'href="#scored"' not in html
    md_section = md.split("## 採点した会議")[1].split("\n## ")[0]
    assert [line for line in md_section.splitlines() if line] == [
        f"新しい会議を推定済みのトピックに当てはめるには `{SCORE_COMMAND}`"
        "（README「Scoring new meetings on fixed topics」）。"]
