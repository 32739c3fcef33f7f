"""The score stage's meeting table and the report's section of scored meetings, through the
stages' entry points on the bundled meeting (tests/data/score: a follow-up meeting on the
same subjects, one the model hardly knows, one it does not know at all)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from _project import ROOT
from _stages import run_stage

SCORED = ROOT / "tests" / "data" / "score"


@pytest.fixture(scope="module")
def scored(bundled_run, tmp_path_factory) -> Path:
    """A copy of the bundled run, with tests/data/score scored and the report made again."""
    work = tmp_path_factory.mktemp("scored") / "work"
    shutil.copytree(bundled_run.work, work)
    config = {**bundled_run.config, "score": {"input": str(SCORED)}}
    for stage in ("score", "report"):
        status, errors = run_stage(work, stage, config)
        assert status == 0, (stage, errors)
    return work


def test_the_score_stage_writes_each_meetings_mix_and_the_share_of_its_terms_it_knows(scored):
    table = pd.read_csv(scored / "score_meeting_topics.csv", encoding="utf-8-sig",
                        keep_default_na=False)
    assert list(table.columns[:4]) == ["meeting", "title", "date", "topic"]
    known = table.drop_duplicates("meeting").set_index("meeting")["share_known"]
    assert list(known.index) == ["followup_2021-03-02", "kitchen_2021-04-01"]  # by date
    assert known["followup_2021-03-02"] > 0.6 > 0.3 > known["kitchen_2021-04-01"] > 0
    first = table[table["meeting"] == "followup_2021-03-02"]
    assert first["title"].iloc[0] == "デジタル技術と経済 研究会（続編）"
    assert first["share"].sum() == pytest.approx(1, abs=1e-4)
    summary = json.loads((scored / "score.json").read_text("utf-8"))
    assert summary["meetings_unscored"] == ["garden_2021-05-10"]


def test_the_report_shows_scored_meetings_beside_the_fitted_one(scored):
    md = (scored / "report" / "report.md").read_text("utf-8")
    section = md.split("## 採点した会議")[1].split("\n## ")[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")][1:]
    assert [r.split(" | ")[0] for r in rows] == ["| デジタル技術と経済 研究会（続編）",
                                                  "| 地域の食卓を考える会 ⚠"]
    assert all("中曽根平和研究所" in r for r in rows)  # the one fitted meeting is the nearest
    assert "garden\\_2021-05-10" in section
    html = (scored / "report" / "index.html").read_text("utf-8")
    assert html.count('class="scored-meeting unknown"') == 1
    assert str(SCORED) not in html and str(SCORED) not in md  # no absolute path


def test_with_nothing_scored_the_report_says_how_to_score(bundled_run):
    md = (bundled_run.work / "report" / "report.md").read_text("utf-8")
    section = md.split("## 採点した会議")[1].split("\n## ")[0]
    assert "score.input=" in section and "|" not in section
