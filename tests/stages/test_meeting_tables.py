"""The stages end to end on Diet records with meeting attributes from their rows
(ingest.columns.meeting_attributes) and a calendar bin (report.time_bin): meetings.csv,
meeting_attribute_topics.csv, topic_time.csv, their charts and the report's sections."""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from _project import DATA
from _stages import ARGS, CONFIG, STAGES, run_stage

from pipeline.common.io import read_json, read_table
from pipeline.speakers import stored


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("meeting_tables")
    shutil.copy(DATA / "kokkai" / "speeches.jsonl", work / "speeches.jsonl")
    config = copy.deepcopy(CONFIG)
    config["ingest"].update(
        columns={"speaker": "speaker", "text": "speech", "meeting": "issueID",
                 "id": "speechID", "date": "date", "title": ["nameOfHouse", "nameOfMeeting",
                                                             "issue"],
                 "meeting_attributes": {"院": "nameOfHouse", "委員会": "nameOfMeeting"}},
        exclude_rows={"kind": ["header"]})
    config["model"].update(n_topics=4, n_seeds=1)
    config["speakers"].update(n_bootstrap=50)
    config["report"]["time_bin"] = "year"
    for stage in STAGES:
        paths = {"input": "speeches.jsonl"} if stage == "ingest" else {}
        status, errors = run_stage(work, stage, config, **paths)
        assert status == 0, (stage, errors)
    return work


def test_meeting_attributes_reach_every_output(run):
    meetings = read_table(run / "meetings.csv", text=True)
    assert list(meetings.columns) == ["meeting", "title", "date", "modelled", "委員会", "院"]
    assert set(meetings["院"]) == {"衆議院", "参議院"}
    table = read_table(run / "meeting_attribute_topics.csv")
    assert list(table.columns[:12]) == [
        "attribute", "value", "topic", "share", "ci_low", "ci_high", "n_meetings", "n_docs",
        "n_tokens", "low_data", "small_group", "distinguishing"]
    assert {"topic_label", "parent", "parent_label"} <= set(table.columns)
    houses = table[table["attribute"] == "院"]
    assert set(houses["value"]) == {"衆議院", "参議院"}
    assert houses.groupby("value")["share"].sum().round(6).tolist() == [1.0, 1.0]
    modelled = read_table(run / "doc_topics.csv")["meeting"].nunique()
    assert houses.drop_duplicates("value")["n_meetings"].sum() == modelled
    assert (run / "charts" / "meeting_attributes" / "index.txt").read_text(
        encoding="utf-8").split() == ["委員会_topics.png", "院_topics.png"]
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    assert "## 会議の属性ごとのトピック" in md and "### 委員会" in md and "| 参議院 |" in md
    html = (run / "report" / "index.html").read_text(encoding="utf-8")
    assert 'alt="院 × トピック"' in html


def test_topics_over_time_are_pooled_by_year(run):
    time = read_table(run / "topic_time.csv")
    assert set(time["time_bin"]) == {"year"}
    assert time.drop_duplicates("bin_start")["bin_label"].tolist() == ["1947年", "2023年"]
    metrics = read_json(run / "speakers.json")
    assert (metrics["time_bin"], metrics["n_time_bins"]) == ("year", 2)
    assert metrics["meeting_attributes"]["院"] == 2
    md = (run / "report" / "report.md").read_text(encoding="utf-8")
    assert "年ごとに、会議の発言を語数で重み付けしたトピック割合" in md
    assert "（report.time_bin: year、2 区間）" in md
    assert "| 1947年 |" in md and "| 2023年 |" in md


def test_the_speakers_stage_with_its_shares_on_disk_writes_the_same_files(run, tmp_path,
                                                                           monkeypatch):
    # The path of a corpus of STREAM_MIN_DOCS documents or more, on these meetings.
    monkeypatch.setattr(stored, "STREAM_MIN_DOCS", 0)
    stores = []
    real = stored.row_store
    monkeypatch.setattr(stored, "row_store",
                        lambda *a, **k: stores.append(a) or real(*a, **k))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    work = tmp_path / "work"
    shutil.copytree(run, work)
    config = yaml.safe_load((run / "pipeline.yaml").read_text(encoding="utf-8"))
    status, errors = run_stage(work, "speakers", config)
    assert status == 0, errors
    args = ARGS["speakers"]
    written = [args[i + 1] for i, a in enumerate(args[:-1]) if a not in (
        "--doc-topics", "--topics", "--index", "--documents", "--tokens", "--meetings")
        and a.startswith("--")]
    assert "meeting_topics.csv" in written and "speakers.json" in written
    for name in written:
        assert (work / name).read_bytes() == (run / name).read_bytes(), name
    assert stores  # the shares went to disk
    assert list(scratch.iterdir()) == []  # and their temporary files are gone
