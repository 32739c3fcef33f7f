"""The report stage's entry point: same inputs, same bytes; inputs of two runs, one line."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from _stages import ARGS, run_stage, snapshot

from pipeline.common.config import load_config
from pipeline.common.io import read_doc_topics, read_index, read_matrix
from pipeline.report import doc_topic_blocks
from pipeline.report.inputs import read_report_inputs
from pipeline.report.render import build_context, render_html


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


def test_blocks_of_a_few_rows_give_the_same_report(work, config, monkeypatch):
    # The bundled meeting's doc_topics.csv is one block of doc_topic_blocks.BLOCK_ROWS;
    # read three rows at a time (the index and the matrix alongside), the pages are the same.
    before = {name: (work / "report" / name).read_bytes() for name in ("index.html",
                                                                        "report.md")}
    monkeypatch.setattr(doc_topic_blocks, "BLOCK_ROWS", 3)
    assert run_stage(work, "report", config)[0] == 0
    assert before == {name: (work / "report" / name).read_bytes() for name in before}


def test_the_streamed_inputs_render_as_the_whole_tables(work, config):
    # What read_report_inputs keeps of doc_topics.csv and the matrix (the searched and
    # quoted rows, the sums) renders as the whole table and matrix do.
    pairs = dict(zip(ARGS["report"][::2], ARGS["report"][1::2], strict=True))
    (work / "pipeline.yaml").write_text(yaml.safe_dump(config, allow_unicode=True),
                                        encoding="utf-8")
    args = argparse.Namespace(config=str(work / "pipeline.yaml"), **{
        key[2:].replace("-", "_"): str(work / value) for key, value in pairs.items()})
    streamed = read_report_inputs(args, load_config(work / "pipeline.yaml"))
    assert streamed.dtm is None and streamed.doc_topics_summary is not None
    whole = replace(streamed, doc_topics_summary=None, dtm=read_matrix(work / "dtm.npz"),
                    doc_topics=read_doc_topics(work / "doc_topics.csv",
                                               read_index(work / "dtm_documents.json")))
    assert render_html(build_context(streamed)) == render_html(build_context(whole))
