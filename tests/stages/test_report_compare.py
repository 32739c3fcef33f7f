"""The report stage's comparisons with earlier runs, through the stages' entry points on the
bundled meeting: run.json is written every run and is the same for the same run; a folder
named by report.compare_with and, when asked for, the previous run's run.json give a
section; without either the report does not depend on what ran before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from _stages import run_stage, snapshot

REPORT = ("index.html", "report.md", "run.json")


def _report(work: Path) -> dict[str, bytes]:
    return {name: (work / "report" / name).read_bytes() for name in REPORT}


@pytest.fixture(scope="module")
def runs(bundled_run, tmp_path_factory) -> tuple[Path, Path, dict]:
    """The bundled run at K=4 copied as `before`, and a work folder fitted again at K=6."""
    base = tmp_path_factory.mktemp("compare")
    before, work = base / "before", base / "work"
    shutil.copytree(bundled_run.work, before)
    shutil.copytree(bundled_run.work, work)
    config = {**bundled_run.config,
              "model": {**bundled_run.config["model"], "n_topics": 6}}
    for stage in ("fit", "label", "speakers"):
        status, errors = run_stage(work, stage, config)
        assert status == 0, (stage, errors)
    return before, work, config


def test_run_json_records_the_run_and_a_rerun_gives_the_same_bytes(bundled_run):
    recorded = json.loads((bundled_run.work / "report" / "run.json").read_text("utf-8"))
    assert recorded["params"]["model"]["n_topics"] == 4
    assert recorded["metrics"]["model"]["n_topics"] == 4
    assert {row[1] for row in recorded["topic_terms"]} >= {1, 2}
    assert str(bundled_run.base) not in json.dumps(recorded, ensure_ascii=False)


def test_without_comparisons_the_report_does_not_depend_on_the_previous_run(runs):
    before, work, config = runs
    # Another run's record in place: the report must not change for it.
    shutil.copy(before / "report" / "run.json", work / "report" / "run.json")
    assert run_stage(work, "report", config)[0] == 0
    first = _report(work)
    assert run_stage(work, "report", config)[0] == 0
    assert _report(work) == first
    assert b"\xe5\xae\x9f\xe8\xa1\x8c\xe3\x81\xae\xe6\xaf\x94\xe8\xbc\x83" not in first[
        "report.md"]  # 実行の比較


def test_compare_with_and_since_last_run_show_what_changed(runs):
    before, work, config = runs
    shutil.copy(before / "report" / "run.json", work / "report" / "run.json")
    asked = {**config, "report": {**config["report"], "compare_with": str(before),
                                  "since_last_run": True}}
    assert run_stage(work, "report", asked)[0] == 0
    md = (work / "report" / "report.md").read_text("utf-8")
    part = md.split("## 実行の比較")[1].split("\n## 方法")[0]
    assert "### 前回の実行との比較" in part and "との比較" in part.split("### 前回")[1]
    assert part.count("K（トピック数）: 4 → 6") == 2
    assert "| model.n\\_topics | 4 | 6 |" in part
    assert str(before) not in md  # the folder is named without its absolute path
    # The next run compares with this one: the same K on both sides.
    assert run_stage(work, "report", asked)[0] == 0
    md = (work / "report" / "report.md").read_text("utf-8")
    last = md.split("### 前回の実行との比較")[1].split("###")[0]
    assert "K（トピック数）: 6 → 6" in last and "変わりはありません" in last


def test_a_missing_compare_with_folder_is_one_line_and_keeps_the_last_report(runs, tmp_path):
    _, work, config = runs
    kept = snapshot(work / "report")
    wrong = {**config, "report": {**config["report"], "compare_with": str(tmp_path / "x")}}
    status, errors = run_stage(work, "report", wrong)
    assert status == 2 and len(errors) == 1, errors
    assert errors[0].startswith("error: report.compare_with: ") and "no such folder" in errors[0]
    assert snapshot(work / "report") == kept
