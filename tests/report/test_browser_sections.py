"""The sections of scored meetings and of a comparison with an earlier run in a real browser
(headless Chromium): each mix is a full bar of coloured segments, Japanese shows from the
embedded font, and the page has no console errors. The report is made by the stages' entry
points on the bundled meeting (tests/data/score scored, the bundled run at K=4 compared with
a fit at K=6)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _browser import check_glyphs, need_chromium, open_report
from _project import ROOT
from _stages import run_stage

pytestmark = pytest.mark.slow

need_chromium()


@pytest.fixture(scope="module")
def report(bundled_run, tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("sections")
    before, work = base / "before", base / "work"
    shutil.copytree(bundled_run.work, before)
    shutil.copytree(bundled_run.work, work)
    config = {**bundled_run.config, "model": {**bundled_run.config["model"], "n_topics": 6},
              "score": {"input": str(ROOT / "tests" / "data" / "score")},
              "report": {**bundled_run.config["report"], "compare_with": str(before)}}
    for stage in ("fit", "label", "score", "speakers", "report"):
        status, errors = run_stage(work, stage, config)
        assert status == 0, (stage, errors)
    return work / "report" / "index.html"


@pytest.fixture(scope="module")
def page(report, tmp_path_factory):
    with open_report(report, tmp_path_factory.getbasetemp() / "sections.png") as page:
        yield page


def test_each_mix_is_a_full_bar_of_coloured_segments(page):
    bars = page.evaluate("""Array.from(document.querySelectorAll('#scored ~ section .mixbar'))
        .map(bar => [bar.getBoundingClientRect().width,
                     Array.from(bar.children).map(s => [s.getBoundingClientRect().width,
                                                        getComputedStyle(s).backgroundColor])])""")
    assert len(bars) == 2 + 2  # two scored meetings, each beside the one fitted meeting
    for width, segments in bars:
        assert width > 100 and len(segments) >= 2
        assert sum(w for w, _ in segments) == pytest.approx(width - 2, abs=2)  # its border
        assert len({color for _, color in segments}) == len(segments)


def test_the_sections_read_in_japanese_without_errors(page, report):
    scored = page.inner_text("#scored ~ section")
    assert "デジタル技術と経済 研究会（続編）" in scored and "モデルが知る語" in scored
    assert page.inner_text("h2#compare") == "実行の比較"
    body = page.inner_text("body")
    assert "K（トピック数）: 4 → 6" in body and "主なトピックが移った話者" in body
    check_glyphs(page, report.read_text(encoding="utf-8"))
    assert page.problems == []
