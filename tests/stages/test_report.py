"""The report stage's entry point: same inputs, same bytes; inputs of two runs, one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _stages import run_stage, snapshot


@pytest.fixture(scope="module")
def work(bundled_run) -> Path:
    return bundled_run.work


@pytest.fixture(scope="module")
def config(bundled_run) -> dict:
    return bundled_run.config


def test_a_rerun_gives_the_same_report(work, config):
    before = {name: (work / "report" / name).read_bytes() for name in ("index.html",
                                                                        "report.md")}
    assert run_stage(work, "report", config)[0] == 0
    assert before == {name: (work / "report" / name).read_bytes() for name in before}
    assert b'id="corpus-data"' in before["index.html"]


def test_inputs_of_two_runs_are_one_line_and_keep_the_last_report(work, config):
    index = work / "dtm_documents.json"
    good = index.read_text(encoding="utf-8")
    index.write_text(json.dumps(json.loads(good)[1:]), encoding="utf-8")
    before = snapshot(work / "report")
    try:
        status, errors = run_stage(work, "report", config)
    finally:
        index.write_text(good, encoding="utf-8")
    assert status == 2 and len(errors) == 1
    assert "doc_topics.csv: document" in errors[0] and "rerun `dvc repro`" in errors[0]
    assert snapshot(work / "report") == before


def test_a_hand_damaged_table_is_one_line_in_charts(work, config):
    # A column renamed by hand in speaker_topics.csv was a KeyError traceback (issue 29.9).
    table = work / "speaker_topics.csv"
    good = table.read_bytes()
    header, rest = good.decode("utf-8").split("\n", 1)
    table.write_text(header.replace(",share,", ",shares,") + "\n" + rest, encoding="utf-8")
    before = snapshot(work / "charts")
    try:
        status, errors = run_stage(work, "charts", config)
    finally:
        table.write_bytes(good)
    assert status == 2 and len(errors) == 1, errors
    assert errors[0].startswith("error: speaker_topics.csv: no column 'share' (columns: [")
    assert errors[0].endswith("the pipeline writes this table: restore it (git/dvc checkout) "
                              "or rerun `dvc repro --force` to make it again")
    assert snapshot(work / "charts") == before
