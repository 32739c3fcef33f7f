"""The report shows transcript text as text, and charts draw Japanese from the bundled font."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from _report import context, inputs

from pipeline.report.charts import speaker_heatmap, top_terms_chart
from pipeline.report.inputs import ReportSettings
from pipeline.report.render import build_context, render_html, render_markdown


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
    from pipeline.report.timeline import MAX_COLUMNS, time_chart
    from pipeline.speakers.time_bins import topic_time

    n = 150
    meetings = pd.DataFrame([{"meeting": f"m{i:03d}", "date": "", "topic": topic,
                              "share": share, "n_tokens": 10}
                             for i in range(n) for topic, share in ((1, i / n), (2, 1 - i / n))])
    topics = [{"topic": 1, "terms": ["特区"]}, {"topic": 2, "terms": ["材料"]}]
    fig = time_chart(topic_time(meetings, "auto", {}).table, topics)
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


def _sections(html: str, md: str) -> tuple[list[str], list[str]]:
    import re

    return (re.findall(r"<h2[^>]*>(.*?)</h2>", html),
            [line[3:] for line in md.splitlines() if line.startswith("## ")])


def test_markdown_has_every_section_of_the_html():
    made = build_context(inputs(speaker_themes=pd.DataFrame({
        "speaker": ["岸"], "theme": ["特区"], "n_docs": [1], "n_docs_mentioning": [1],
        "share_docs": [1.0], "n_hits": [1]})))
    html_sections, md_sections = _sections(render_html(made), render_markdown(made))
    assert {"概要", "トピックマップ", "トピック", "話者", "テーマ", "会議の流れ",
            "方法と再現"} <= set(html_sections)
    assert html_sections == md_sections
    md = render_markdown(made)
    assert "### トピック数の選び方" in md and "### 話者 × トピック" in md


def test_the_page_menu_links_every_section_it_shows():
    import re

    made = build_context(inputs(speaker_themes=pd.DataFrame({
        "speaker": ["岸"], "theme": ["特区"], "n_docs": [1], "n_docs_mentioning": [1],
        "share_docs": [1.0], "n_hits": [1]})))
    html = render_html(made)
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S)
    assert nav is not None
    linked = set(re.findall(r'href="#([^"]+)"', nav.group(1)))
    # A section that only says there is nothing to show (no scored meeting yet) needs no entry.
    shown = set(re.findall(r'<h2 id="([^"]+)"', html)) - {"scored"}
    assert shown <= linked, shown - linked


def test_a_passage_under_the_threshold_is_never_representative():
    doc_topics = pd.DataFrame({"doc_id": ["m#1.1", "m#2.1"], "meeting": ["m", "m"],
                               "speaker": ["岸", "岸"], "turn": [1, 2],
                               "topic_1": [0.94, 0.55], "topic_2": [0.06, 0.45],
                               "n_tokens": [9, 9]})
    made = build_context(inputs(doc_topics=doc_topics, settings=ReportSettings(
        n_quotes=3, quote_min_share=0.5)))
    quotes = {t["topic"]: [q["share"] for q in t["quotes"]] for t in made["topics"]}
    assert quotes == {1: [0.94, 0.55], 2: []}
    html = render_html(made)
    assert "このトピックが 50% 以上を占める文書はありません" in html
    assert "6%）" not in html


def test_the_font_covers_every_character_the_page_can_show():
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from pipeline.report.fonts import TYPED, missing_glyphs, page_characters

    made = build_context(inputs())
    html = render_html(made)
    data = re.search(r"url\(data:font/woff;base64,([A-Za-z0-9+/=]+)\)", html).group(1)
    cmap = {chr(c) for c in TTFont(io.BytesIO(base64.b64decode(data))).getBestCmap()}
    # 猫舌 and 鰻 are terms only the λ slider can reveal: never shown at load.
    assert "猫舌" not in html.split('id="relevance-data"')[0]
    shown = {c for c in page_characters(made) if not c.isspace() and c.isprintable()}
    assert set("猫舌鰻特区材料") <= shown & cmap
    assert shown - set(TYPED) - cmap == set()  # everything from the data and the templates
    assert shown - cmap == set(missing_glyphs("".join(shown)))  # IPAexGothic has no 〚


def test_every_quality_number_comes_with_a_reading_and_its_thresholds():
    from pipeline.report.trust import grade, quality_readings

    assert grade(0.12, 0.10, 0.0, True) == "good"
    assert grade(0.05, 0.10, 0.0, True) == "usable"
    assert grade(-0.027, 0.10, 0.0, True) == "weak"
    assert grade(0.5, 0.25, 1 / 3, False) == "weak"
    readings = {r["key"]: r for r in quality_readings(
        {"coherence_npmi": -0.027, "stability": 0.55, "diversity": 0.9,
         "coherence_c_v": float("nan"), "largest_topic_share": 0.2,
         "smallest_topic_share": 0.004})}
    assert set(readings) == {"coherence_npmi", "stability", "diversity", "largest_topic_share",
                             "smallest_topic_share"}
    # A dead topic (指名 alone, 0.4% of the tokens) is not read as good.
    assert readings["smallest_topic_share"]["grade_ja"] == "弱い"
    assert readings["coherence_npmi"]["grade_ja"] == "弱い"
    assert "0.10 以上" in readings["coherence_npmi"]["thresholds"]
    # Against the fit's own floor: 0.7% is a live topic of a 71-topic model.
    large = {r["key"]: r for r in quality_readings(
        {"smallest_topic_share": 0.007, "min_topic_share": 0.5 / 71, "n_topics": 71})}
    assert large["smallest_topic_share"]["grade_ja"] == "使える"
    assert "0.70%" in large["smallest_topic_share"]["meaning"]
    assert "良好 0.007 以上、使える 0.004 以上" in large["smallest_topic_share"]["thresholds"]
    assert "使える 0.005 以上" in readings["smallest_topic_share"]["thresholds"]
    small = {r["key"]: r for r in quality_readings(
        {"smallest_topic_share": 0.007, "min_topic_share": 0.01, "n_topics": 30})}
    assert small["smallest_topic_share"]["grade_ja"] == "使える"
    assert small["smallest_topic_share"]["meaning"] == readings["smallest_topic_share"]["meaning"]
    html = render_html(build_context(inputs()))
    assert "一貫性 NPMI 0.100</b> — <span class=\"grade-good\">良好" in html


def test_empty_charts_become_a_sentence_and_flagged_speakers_are_faded():
    made = build_context(inputs())  # both speakers are low_data
    assert "speaker_mix" not in made["charts"]
    html = render_html(made)
    assert "発言量が十分な話者" in html and html.count('class="faded"') == 2
    assert "k_selection" in made["chart_notes"]  # a fixed K: no curve to draw
    md = render_markdown(made)
    assert "発言量が十分な話者" in md and "speaker_mix.png" not in md


def test_the_group_heatmap_is_shown_only_when_the_topics_have_groups():
    charts = {"heatmap": b"png", "group_heatmap": b"grp", "top_terms": b"png"}
    plain = build_context(inputs(charts=charts))  # the test topics have no parents
    assert "group_heatmap" not in plain["charts"]
    assert "まとまりのヒートマップ" not in render_html(plain)
    grouped = [{**t, "parent": 1, "parent_label": "特区"} for t in inputs().topics]
    made = build_context(inputs(charts=charts, topics=grouped))
    html, md = render_html(made), render_markdown(made)
    assert "まとまりのヒートマップ" in html and made["charts"]["group_heatmap"] in html
    assert html.index("まとまりのヒートマップ") < html.index("話者とトピックのヒートマップ")
    assert "speaker_group_heatmap.png" in md and "speaker_group_heatmap.png" not in \
        render_markdown(plain)


def test_method_lists_seeds_stopwords_and_command_but_no_commit():
    """The commit stays out of the report: embedded, it changed the report's hash at every
    commit, so the committed dvc.lock never matched a fresh clone's run (issue 26.8)."""
    made = build_context(inputs())
    for text in (render_html(made), render_markdown(made)):
        assert "規制緩和" in text and "研究会" in text and "dvc repro" in text
        assert "git log -1 -- dvc.lock" in text


def test_search_text_is_capped_and_the_page_says_so(tmp_path):
    from pipeline.report.inputs import read_search_turns

    path = tmp_path / "turns.csv"
    rows = ["meeting,turn,speaker_label,speaker,role,text,n_chars,start,end,directions,"
            "source_id,date,modelled,group"]
    rows += [f"m,{i},岸,岸,,{'特区' * 10},20,0,20,,,2024-01-0{i},{i % 2 == 0},自民"
             for i in range(1, 6)]
    path.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    turns, kept = read_search_turns(path, 45)
    # Turns 1 and 3 are not modelled: their text is the search's; 2 has documents.
    assert [len(t["text"]) for t in turns] == [20, 0, 0, 0, 0]
    assert [t["cut"] for t in turns] == [False, False, True, True, True]
    assert kept == {("m", 2)} and turns[0]["group"] == "自民"
    documents = [{**d, "meeting": "m", "speaker": "岸", "turn": 1, "start": 0, "end": 1,
                  "text": d["text"] if i < 1 else ""} for i, d in
                 enumerate(inputs().documents)]
    made = build_context(inputs(documents=documents))
    assert made["search"]["n_cut"] == 1
    assert "1 行は検索できません" in render_html(made)


def test_same_inputs_give_byte_identical_reports():
    first, second = build_context(inputs()), build_context(inputs())
    assert render_html(first) == render_html(second)
    assert render_markdown(first) == render_markdown(second)


def test_a_quote_shows_its_meetings_date():
    documents = [{**d, "date": ""} for d in inputs().documents]  # an input without dates
    made = build_context(inputs(documents=documents, meeting_dates={"m": "2024-07-30"}))
    assert [q["date"] for t in made["topics"] for q in t["quotes"]] == ["2024-07-30"] * 2
    assert "、2024-07-30、第1発言" in render_markdown(made)


def test_a_meeting_whose_documents_all_left_the_model_is_named():
    """A meeting with documents after ingest but none in doc_topics (all procedure, say)
    is said, in both renderings, not lost silently (found by a new-user review)."""
    base = inputs()
    documents = [*base.documents, {"doc_id": "p#1.1", "meeting": "p", "speaker": "岸",
                                   "turn": 1, "start": 0, "end": 5, "text": "異議なし"}]
    made = build_context(inputs(documents=documents))
    assert made["overview"]["meetings_emptied"] == ["p"]
    assert "1 回の会議は、文書がすべて手続き" in render_html(made)
    assert "1 回の会議は、文書がすべて手続き" in render_markdown(made)
    assert build_context(base)["overview"]["meetings_emptied"] == []


def test_grouped_topics_show_under_their_parents():
    """Two levels of topics: each parent with its topics, in the HTML and the Markdown; each
    topic's heading names its parent."""
    topics = [{**t, "parent": 1, "parent_label": "規制・特区・材料"} for t in inputs().topics]
    made = build_context(inputs(topics=topics))
    assert [(p["parent"], [m["topic"] for m in p["topics"]]) for p in made["parents"]] == \
        [(1, [1, 2])]
    assert made["parents"][0]["prevalence"] == pytest.approx(1.0)
    html, md = render_html(made), render_markdown(made)
    assert '<h3 id="parents">トピックのまとまり</h3>' in html
    assert '<li id="parent-1"><b>まとまり 1: 規制・特区・材料</b>' in html
    assert '<a href="#topic-2">T2: 材料</a>' in html
    assert html.count('href="#parent-1">まとまり 1: 規制・特区・材料</a>') == 2
    assert "- **まとまり 1: 規制・特区・材料**（全体の 100%、2 トピック）" in md
    assert "  - T2: 材料（40%）" in md


def test_ungrouped_topics_show_one_level():
    topics = [{**t, "parent": None, "parent_label": None} for t in inputs().topics]
    for made in (build_context(inputs(topics=topics)), build_context(inputs())):
        assert made["parents"] == []
        html, md = render_html(made), render_markdown(made)
        assert "トピックのまとまり" not in html and 'class="parent-tag"' not in html
        assert "トピックのまとまり" not in md and "\nまとまり " not in md
