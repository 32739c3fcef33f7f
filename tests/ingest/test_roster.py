"""Tests for pipeline/ingest/roster.py (ingest.roster, configs/speakers.csv) and its check in
the user_files stage."""

from __future__ import annotations

import pytest
from _stages import CONFIG, run_stage

from pipeline.common.errors import PipelineError
from pipeline.ingest.roster import parse_roster


def test_roster_rows_become_attributes():
    text = "\ufeffspeaker,group,position\n岸,無所属,教授\n\n田中太郎,自民,\n"
    assert parse_roster(text, "r.csv") == (
        ("岸", (("group", "無所属"), ("position", "教授"))), ("田中太郎", (("group", "自民"),)))
    assert parse_roster("", "r.csv") == ()


@pytest.mark.parametrize(("text", "message"), [
    ("name,group\n岸,無所属\n", r"r\.csv:1: no 'speaker' column"),
    ("speaker,group\n岸,無所属\n岸,自民\n", r"r\.csv:3: speaker '岸' is already on line 2"),
    ("speaker,group\n,無所属\n", r"r\.csv:2: no speaker"),
    ("speaker,group\n岸,無所属,余分\n", r"r\.csv:2: 3 fields but the header has 2"),
    ('speaker,group\n岸,自民\n後藤,"維新"x\n', r"r\.csv:3: malformed CSV \(',' expected "
     r"after '\"'\); put a field that holds a comma or a quote in double quotes"),
])
def test_a_broken_roster_names_its_line(text, message):
    with pytest.raises(PipelineError, match=message):
        parse_roster(text, "r.csv")


def test_user_files_stops_on_a_broken_roster_and_copies_a_good_one(tmp_path):
    (tmp_path / "in").mkdir()
    roster = tmp_path / "in" / "roster.csv"
    roster.write_text("speaker,group\n岸,無所属\n岸,自民\n", encoding="utf-8")
    config = {**CONFIG, "ingest": {**CONFIG["ingest"], "roster": str(roster)}}
    status, errors = run_stage(tmp_path, "user_files", config)
    assert status == 2 and len(errors) == 1 and "is already on line 2" in errors[0]
    assert not (tmp_path / "speakers.csv").exists()  # nothing copied, nothing half-written
    roster.write_text("speaker,group\n岸,無所属\n", encoding="utf-8")
    status, _ = run_stage(tmp_path, "user_files", config, speakers="copy.csv")
    assert status == 0
    assert (tmp_path / "copy.csv").read_text(encoding="utf-8") == "speaker,group\n岸,無所属\n"
