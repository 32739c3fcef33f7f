"""The report shows transcript text as text, and charts draw Japanese from the bundled font."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from pipeline.report.charts import speaker_heatmap, top_terms_chart
from pipeline.report.inputs import ReportInputs, ReportSettings
from pipeline.report.render import build_context, render_html, render_markdown

EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def inputs(**changes) -> ReportInputs:
    """A two-topic, two-speaker report's inputs, with markup planted in a speaker's name."""
    topics = [{"topic": 1, "label": "特区・規制", "theme": None, "prevalence": 0.6,
               "terms": ["特区", "規制"], "npmi": 0.1},
              {"topic": 2, "label": "材料", "theme": None, "prevalence": 0.4,
               "terms": ["材料", "開発"], "npmi": 0.1}]
    doc_topics = pd.DataFrame({"doc_id": ["m#1.1", "m#2.1"], "meeting": ["m", "m"],
                               "speaker": [EVIL, "岸"], "turn": [1, 2],
                               "topic_1": [0.9, 0.2], "topic_2": [0.1, 0.8], "n_tokens": [9, 9]})
    documents = [
        {"doc_id": "m#1.1", "meeting": "m", "speaker": EVIL, "turn": 1, "start": 0, "end": 10,
         "text": f"特区の話 {EVIL}"},
        {"doc_id": "m#2.1", "meeting": "m", "speaker": "岸", "turn": 2, "start": 11, "end": 20,
         "text": "材料の話"}]
    shares = pd.DataFrame([
        {"speaker": s, "topic": k, "share": v, "ci_low": v, "ci_high": v, "n_docs": 1,
         "n_tokens": 9, "low_data": True}
        for s, row in ((EVIL, (0.9, 0.1)), ("岸", (0.2, 0.8)))
        for k, v in zip((1, 2), row, strict=True)])
    relevance = {"lambda": 0.6, "topics": [
        {"topic": 1, "terms": ["特区", "規制", "猫舌"], "phi": [0.5, 0.5, 0.0],
         "p": [0.3, 0.2, 0.1]},
        {"topic": 2, "terms": ["材料", "開発", "鰻"], "phi": [0.6, 0.3, 0.1],
         "p": [0.3, 0.2, 0.1]}]}
    base = {
        "ingest": {"n_files": 1, "n_meetings": 1, "n_turns": 2, "n_speakers": 2,
                   "turns_not_modelled": {}, "files": []},
        "tokens": {"n_tokens": 18, "documents_without_terms": 0},
        "model": {"n_documents": 2, "n_terms": 4, "engine": "nmf", "n_topics": 2,
                  "n_topics_reason": "test", "coherence_npmi": 0.1, "stability": 1.0,
                  "diversity": 1.0},
        "topics": topics, "doc_topics": doc_topics, "documents": documents, "shares": shares,
        "charts": {"heatmap": b"png", "top_terms": b"png", "speaker_mix": b"png"},
        "relevance": relevance,
        "dtm": sp.csr_matrix(np.array([[3, 2, 0, 0], [0, 0, 4, 1]])),
        "themes": [{"name": "特区", "seeds": ["特区", "規制緩和"], "guides": True}],
        "stopwords": ["研究会"],
        "settings": ReportSettings(title="会議", n_quotes=1, config_text=EVIL, commit="abc123"),
    }
    return ReportInputs(**{**base, **changes})


def context():
    made = inputs()
    return build_context(made), made.shares, made.topics


def test_transcript_markup_is_escaped_in_html():
    html = render_html(context()[0])
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "特区" in html and "@font-face" in html


def test_markdown_neutralises_markup():
    md = render_markdown(context()[0])
    assert "<script>" not in md and "特区" in md


def test_charts_have_no_missing_glyphs():
    _, shares, topics = context()
    terms = pd.DataFrame({"topic": [1, 1, 2, 2], "rank": [1, 2, 1, 2],
                          "term": ["特区", "規制", "材料", "開発"], "weight": [1, .5, 1, .5]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font"
        for fig in (speaker_heatmap(shares, topics), top_terms_chart(terms, topics)):
            fig.canvas.draw()
            texts = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
            assert any("特区" in t or "材料" in t or "岸" in t for t in texts)


def test_timeline_of_many_meetings_is_one_readable_panel():
    from pipeline.report.charts import MAX_COLUMNS, timeline_chart

    n = 150
    meetings = [f"m{i:03d}" for i in range(n)]
    doc_topics = pd.DataFrame({
        "doc_id": [f"{m}#1.1" for m in meetings], "meeting": meetings, "speaker": "岸",
        "turn": 1, "topic_1": [i / n for i in range(n)],
        "topic_2": [1 - i / n for i in range(n)], "n_tokens": 10})
    topics = [{"topic": 1, "terms": ["特区"]}, {"topic": 2, "terms": ["材料"]}]
    fig = timeline_chart(doc_topics, topics)
    (ax,) = fig.axes
    assert f"全 {n} 回を {MAX_COLUMNS} 区間" in ax.get_xlabel()
    assert ax.get_xlim() == (-0.5, MAX_COLUMNS - 0.5)
    assert ax.get_xticklabels()[0].get_text() == "m000"


def test_procedural_topics_come_last_in_a_speakers_mix():
    import pandas as pd

    from pipeline.report.render import speaker_sections

    shares = pd.DataFrame({"speaker": ["a"] * 3, "topic": [1, 2, 3], "share": [0.5, 0.3, 0.2],
                           "ci_low": [0.4, 0.2, 0.1], "ci_high": [0.6, 0.4, 0.3],
                           "n_docs": [5] * 3, "n_tokens": [90] * 3, "low_data": [False] * 3})
    [plain] = speaker_sections(shares, [])
    assert plain["top"] == [1, 2, 3]
    [section] = speaker_sections(shares, [], procedural=frozenset({1}))
    assert section["top"] == [2, 3, 1]
    assert [m["topic"] for m in section["mix"]] == [2, 3, 1]


@pytest.mark.parametrize(("text", "markdown"), [
    ("![x](http://evil.example/x.png)", "\\!\\[x\\](http\\://evil.example/x.png)"),
    ("[click](javascript:alert(1))", "\\[click\\](javascript:alert(1))"),
    ("# 見出し **強調** _e_", "\\# 見出し \\*\\*強調\\*\\* \\_e\\_"),
    ("- 項目", "\\- 項目"), ("1. 一つ", "1\\. 一つ"), ("> 引用", "\\> 引用"),
    ("<b>太字</b> &amp;", "\\<b\\>太字\\</b\\> \\&amp;"),
    ("www.evil.example と $x$ と a|b", "www\\.evil.example と \\$x\\$ と a\\|b"),
    ("一行目\n二行目\u2028三行目", "一行目 二行目 三行目"),
    ("特区の話です。", "特区の話です。"),
])
def test_markdown_escapes_transcript_text(text, markdown):
    from pipeline.report.render import escape_markdown

    assert escape_markdown(text) == markdown


def test_escaped_markdown_renders_as_the_text():
    from markdown_it import MarkdownIt

    from pipeline.report.render import escape_markdown

    evil = "# h **b** [l](javascript:x) ![i](y) <i>x</i> `c` ~~s~~ 1. - > &lt;"
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(
        "> " + escape_markdown(evil) + "\n")
    assert html == "<blockquote>\n<p>" + evil.replace("&", "&amp;").replace(
        "<", "&lt;").replace(">", "&gt;") + "</p>\n</blockquote>\n"
