"""Tests for pipeline/ingest/core.py: the ingest stage's sum of its files, called directly."""

from __future__ import annotations

from collections import Counter

import pytest

from pipeline.common.config import IngestConfig
from pipeline.common.errors import PipelineError
from pipeline.ingest.core import IngestTally, doc_options, read_options
from pipeline.ingest.corpus import FileReport, FileResult


def result(path, meetings, speakers=("岸",), n_docs=1, style="angle", skipped=None):
    return FileResult(
        path=path, report=FileReport(path, meetings[0], "utf-8", style, 2),
        skipped=Counter(skipped or {}), turn_rows=[],
        documents=[{"meeting": meetings[0]}] * n_docs,
        meetings=set(meetings), roster={(s, f"{s}委員", "委員") for s in speakers}, n_turns=2,
        n_chars=10, unattributed_chars=1, not_modelled=Counter(), speakers=set(speakers))


def test_files_add_up_to_the_metrics_and_roster():
    tally = IngestTally()
    tally.add(result("a.txt", ["m1"], ("岸", "上久保"), n_docs=3, skipped={"header": 1}))
    tally.add(result("b.txt", ["m2"], ("岸",), n_docs=2, skipped={"header": 2}))
    metrics = tally.metrics()
    assert {k: metrics[k] for k in ("n_files", "n_meetings", "n_turns", "n_speakers",
                                    "n_documents", "n_chars", "unattributed_chars",
                                    "rows_skipped")} == {
        "n_files": 2, "n_meetings": 2, "n_turns": 4, "n_speakers": 2, "n_documents": 5,
        "n_chars": 20, "unattributed_chars": 2, "rows_skipped": {"header": 3}}
    assert [f["path"] for f in metrics["files"]] == ["a.txt", "b.txt"]
    assert [r["speaker"] for r in tally.roster_rows()] == sorted(["岸", "上久保"])
    assert tally.log_lines("paragraph", "m.json")[-1].startswith(
        "ingest: 4 turns by 2 speakers -> 5 documents (paragraph)")


def test_a_meeting_from_two_files_is_one_error():
    tally = IngestTally()
    tally.add(result("a.txt", ["m1"]))
    with pytest.raises(PipelineError, match=r"^b.txt: meeting 'm1' also comes from a.txt; "):
        tally.add(result("b.txt", ["m1"]))


@pytest.mark.parametrize(("excluded", "reason"), [
    (["岸"], "every speaker is in ingest.exclude_speakers"),
    ([], "the turns hold no speech"),
])
def test_nothing_to_model_says_why(excluded, reason):
    tally = IngestTally()
    tally.add(result("a.txt", ["m1"], n_docs=0))
    with pytest.raises(PipelineError, match=f"^in: 2 speaker tags found but nothing to model: "
                                            f"{reason}$"):
        tally.check_something_to_model("in", excluded)


def test_the_log_names_20_files_then_counts_styles():
    tally = IngestTally()
    for i in range(23):
        tally.add(result(f"f{i:02}.txt", [f"m{i}"], style="diet" if i % 2 else "angle"))
    lines = tally.log_lines("turn", "m.json")
    assert len(lines) == 23
    assert lines[20] == ("ingest: ... and 3 more files (styles: angle 12, diet 11; each file "
                         "in m.json)")
    assert lines[21].startswith("ingest: 23 of 23 meetings have no date (no date column, "
                                "ingest.meetings row, header date or dated file name), e.g. m0")


def test_options_follow_the_config():
    cfg = IngestConfig(input="x", unit="sentences", aliases={"b": "B", "a": "A"},
                       exclude_rows={"kind": ["header"]})
    options = read_options(cfg)
    assert options.aliases == (("a", "A"), ("b", "B"))
    assert options.exclude_rows == (("kind", ("header",)),)
    assert doc_options(cfg).unit == "sentences"
    assert doc_options(cfg).min_chars == 0  # merging paragraphs is for unit paragraph
    assert doc_options(IngestConfig(input="x")).min_chars == 100


def test_meetings_with_nothing_to_model_are_counted_and_named():
    tally = IngestTally()
    tally.add(result("a.txt", ["m1"], n_docs=2))
    tally.add(result("b.txt", ["m2"], n_docs=0))  # a sitting that only elected its chair
    tally.add(result("c.txt", ["m3"], n_docs=0))
    metrics = tally.metrics()
    assert metrics["n_meetings_not_modelled"] == 2
    assert metrics["meetings_not_modelled"] == ["m2", "m3"]


def test_unit_auto_is_a_turn_in_a_table_and_a_paragraph_in_a_text(tmp_path):
    from pipeline.common.config import IngestConfig
    from pipeline.ingest.core import doc_options
    from pipeline.ingest.corpus import ReadOptions, ingest_file

    speech = "予算の話をします。" * 15 + "\n" + "教育の話をします。" * 15
    table = tmp_path / "m.csv"
    table.write_text('speaker,text\n鈴木,"' + speech + '"\n', encoding="utf-8")
    text = tmp_path / "t.txt"
    text.write_text("<鈴木>\n" + speech + "\n", encoding="utf-8")
    options = doc_options(IngestConfig(input=str(tmp_path)))
    assert options.unit == "auto"
    from_table = ingest_file(table, "m", ReadOptions(), options).documents
    from_text = ingest_file(text, "t", ReadOptions(), options).documents
    assert len(from_table) == 1 and "予算" in from_table[0]["text"] \
        and "教育" in from_table[0]["text"]
    assert len(from_text) == 2  # two paragraphs of 135 characters, each at least min_doc_chars
