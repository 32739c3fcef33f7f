"""The report in a real browser (headless Chromium): Japanese shows, every image loads, no
console errors, the controls work, and markup planted in a transcript stays text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from _browser import (
    check_glyphs,
    check_images,
    check_lambda,
    check_topic_map,
    need_chromium,
    open_report,
    search,
)
from _project import copy_project, dvc

pytestmark = pytest.mark.slow

need_chromium()

PLANTED = """
<岸>
特区の計画と経済特区の試行、<script>window.__pwned = 1</script>特区の効果と自由な特区の計画。
<img src=x onerror="window.__pwned = 2">
材料の研究開発と安全保障の話も大事だ。<b>太字</b>のつもりで書いた。
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The report of the bundled transcript with planted markup, made by `dvc repro`."""
    project = copy_project(tmp_path_factory.mktemp("browser") / "project")
    source = next((project / "data").glob("*.txt"))
    source.write_text(source.read_text(encoding="utf-8") + PLANTED, encoding="utf-8")
    config = project / "configs" / "pipeline.yaml"
    params = yaml.safe_load(config.read_text(encoding="utf-8"))
    params["model"]["n_topics"] = 7  # a fixed K keeps this test quick
    params["report"]["n_quotes"] = 20  # enough quotes that the planted passage is among them
    params["report"]["title"] = "<i>会議</i>の分析<script>window.__pwned = 3</script>"
    config.write_text(yaml.safe_dump(params, allow_unicode=True), encoding="utf-8")
    result = dvc(project, "repro")
    assert result.returncode == 0, result.stderr[-3000:]
    return project / "outputs" / "report" / "index.html"


@pytest.fixture(scope="module")
def page(report, tmp_path_factory):
    with open_report(report, tmp_path_factory.getbasetemp() / "report.png") as page:
        yield page


def test_japanese_text_and_font(page):
    body = page.inner_text("body")
    assert "トピック" in body and "特区" in body
    assert page.evaluate("document.fonts.check('16px ReportJP', '特区')")


def test_every_image_loads(page):
    sizes = page.evaluate(
        "Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
    assert len(sizes) >= 5
    assert all(done and width > 0 for done, width in sizes)


def test_no_console_errors_or_network(page):
    assert page.problems == []


def test_planted_markup_is_text_and_never_runs(page):
    assert page.evaluate("window.__pwned") is None
    body = page.inner_text("body")
    assert "<script>window.__pwned = 1</script>" in body
    assert page.locator("b", has_text="太字").count() == 0
    assert "<i>会議</i>の分析<script>window.__pwned = 3</script>" in page.title()
    assert page.locator("h1 i").count() == 0
    # The <img onerror> line is a speaker tag in this style: its label shows as text too.
    assert 'img src=x onerror="window.__pwned = 2"' in body


def test_lambda_slider_reranks_terms(page):
    first = page.locator(".terms").first
    at_default = first.inner_text()
    page.locator("#lambda").fill("0")
    at_zero = first.inner_text()
    page.locator("#lambda").fill("1")
    at_one = first.inner_text()
    assert at_zero != at_one
    assert page.inner_text("#lambda-value") == "1.0"
    assert at_default


def test_tables_sort_on_click(page):
    table = page.locator("table.sortable").first
    column = "文書"
    header = table.locator("th", has_text=column)
    index = [h.inner_text() for h in table.locator("th").all()].index(header.inner_text())

    def values():
        cells = table.locator(f"tbody tr td:nth-child({index + 1})").all_inner_texts()
        return [int(c) for c in cells]

    header.click()
    assert values() == sorted(values())
    header.click()
    assert values() == sorted(values(), reverse=True)


@pytest.mark.parametrize("term", ["特区", "安全保障"])
def test_search_lists_kwic_lines(page, term):
    lines = search(page, term)
    assert lines and all(line["hit"] == term for line in lines)
    assert any(line["left"] and line["right"] for line in lines)
    assert all(line["speaker"] and line["meeting"] and line["turn"].isdigit() for line in lines)
    status = page.inner_text("#search-status")
    assert f"「{term}」: {len(lines)} 件" in status or len(lines) == 50


def test_search_filters_by_topic_and_speaker(page):
    every = search(page, "特区")
    topic = every[0]["topic"].removeprefix("T")
    by_topic = search(page, "特区", topic=topic)
    assert by_topic and all(line["topic"] == f"T{topic}" for line in by_topic)
    assert len(by_topic) <= len(every)
    by_speaker = search(page, "特区", speaker="上久保")
    assert by_speaker and all(line["speaker"] == "上久保" for line in by_speaker)


def test_topic_map_draws_and_a_click_shows_the_topic(page, report):
    import json

    n_topics = len(json.loads((report.parents[1] / "interim" / "topics.json").read_text(
        encoding="utf-8")))
    check_topic_map(page, n_topics)


def test_lambda_ends_give_finite_ordered_terms(page):
    check_lambda(page)


def test_no_missing_glyphs_after_every_control(page, report):
    search(page, "安全保障")
    check_glyphs(page, report.read_text(encoding="utf-8"))
    assert "にない文字" not in page.inner_text("body")  # IPAexGothic has every one


def test_representative_passages_meet_the_threshold(page):
    shares = page.locator("section.topic blockquote cite").all_inner_texts()
    values = [int(c.rsplit("このトピック ", 1)[1].split("%")[0]) for c in shares]
    assert values and min(values) >= 50


def test_workbench_leaves_images_and_console_clean(page):
    check_images(page)
    assert page.problems == []
