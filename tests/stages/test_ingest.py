"""The ingest stage's streaming path: workers or not, the same files come out."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.make_corpus import build
from pipeline.common.config import parse_config
from pipeline.common.errors import PipelineError
from pipeline.stages import ingest


def run_ingest(corpus: Path, out: Path) -> dict[str, bytes]:
    args = argparse.Namespace(input=str(corpus), turns=str(out / "turns.csv"),
                              documents=str(out / "documents.jsonl"),
                              roster=str(out / "roster.json"), metrics=str(out / "ingest.json"),
                              speakers_file=None, meetings_file=None,
                              meetings=str(out / "meetings.csv"))
    ingest.main(args, parse_config({"ingest": {"input": str(corpus)}}))
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def test_workers_write_what_one_process_writes(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    build(corpus, 60_000, 6, seed=3)
    serial = run_ingest(corpus, tmp_path / "serial")
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    parallel = run_ingest(corpus, tmp_path / "parallel")
    assert serial.keys() == {"turns.csv", "documents.jsonl", "roster.json", "ingest.json",
                             "meetings.csv"}
    assert serial == parallel
    assert serial["turns.csv"].startswith(b"\xef\xbb\xbfmeeting,turn,")


def test_a_bad_file_midway_leaves_previous_outputs(tmp_path):
    corpus = tmp_path / "corpus"
    build(corpus, 30_000, 3, seed=3)
    out = tmp_path / "out"
    before = run_ingest(corpus, out)
    untagged = "誰のタグもない本文だけのファイル。\n"
    (corpus / "meeting_0002.txt").write_text(untagged, encoding="utf-8")
    with pytest.raises(PipelineError, match="meeting_0002.txt: no speaker tag style matched"):
        run_ingest(corpus, out)
    assert {p.name: p.read_bytes() for p in sorted(out.iterdir())} == before


def test_turns_carry_each_speaker_attribute_in_a_column_of_its_own(tmp_path):
    table = tmp_path / "corpus" / "talk.jsonl"
    table.parent.mkdir()
    rows = [{"meeting": "m", "speaker": "岸", "text": "特区の話です。", "group": "自民"},
            {"meeting": "m", "speaker": "玉木", "text": "材料の話です。", "position": "委員"},
            {"meeting": "m", "speaker": "議長", "text": "散会します。"}]
    table.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                     encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    run_ingest(table.parent, out)
    turns = pd.read_csv(out / "turns.csv", encoding="utf-8-sig", keep_default_na=False,
                        dtype=str)
    assert list(turns.columns[-3:]) == ["modelled", "group", "position"]
    assert turns["group"].tolist() == ["自民", "", ""]
    assert turns["position"].tolist() == ["", "委員", ""]
    assert turns["modelled"].tolist() == ["True", "True", "False"]  # the chair's turn
