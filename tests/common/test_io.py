"""Tests for pipeline/common/io.py: readers of interim outputs and the topic column rule."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.common.atomic import write_csv
from pipeline.common.errors import PipelineError
from pipeline.common.io import (
    iter_documents_frames,
    read_doc_topics,
    read_documents_frame,
    read_index,
    read_meeting_table,
    read_table,
    read_terms,
    topic_column,
    topic_columns,
    topic_number,
)


@pytest.mark.parametrize("topic", [1, 9, 10, 40])
def test_topic_column_round_trip(topic):
    assert topic_number(topic_column(topic)) == topic


def test_topic_columns_keep_their_order_and_skip_others():
    frame = pd.DataFrame(columns=["doc_id", "topic_1", "topic_2", "topic_10", "source_id"])
    assert topic_columns(frame) == ["topic_1", "topic_2", "topic_10"]


def test_doc_topics_get_their_tokens_by_doc_id_not_by_position(tmp_path):
    write_csv(tmp_path / "doc_topics.csv", pd.DataFrame(
        {"doc_id": ["b", "a"], "speaker": ["=岸", "上久保"], "topic_1": [0.25, 1.0],
         "topic_2": [0.75, 0.0], "source_id": ["007", ""]}))
    (tmp_path / "index.json").write_text(json.dumps(
        [{"doc_id": "a", "n_tokens": 3}, {"doc_id": "b", "n_tokens": 8}]), encoding="utf-8")
    table = read_doc_topics(tmp_path / "doc_topics.csv", read_index(tmp_path / "index.json"))
    assert list(table.columns) == ["doc_id", "speaker", "topic_1", "topic_2", "source_id",
                                   "n_tokens"]
    assert table.set_index("doc_id")["n_tokens"].to_dict() == {"a": 3, "b": 8}
    assert list(table["source_id"]) == ["007", ""]  # text stays text
    assert list(table["speaker"]) == ["=岸", "上久保"]  # the formula guard undone


def _tokens(tmp_path):
    path = tmp_path / "tokens.jsonl"
    records = [{"doc_id": "a", "terms": ["特区", "規制", "特区"]},
               {"doc_id": "b", "terms": ["安全保障"]},
               {"doc_id": "c", "terms": []}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def test_read_terms_follows_the_order_asked_for_and_keeps_only_the_vocabulary(tmp_path):
    path = _tokens(tmp_path)
    assert read_terms(path, ["b", "a"], {"特区", "安全保障"}) == [["安全保障"], ["特区", "特区"]]
    # None: every document in file order, the empty one included (gensim counts it)
    assert read_terms(path, None, {"安全保障"}) == [[], ["安全保障"], []]


def test_read_terms_names_a_document_the_matrix_has_and_the_tokens_lack(tmp_path):
    with pytest.raises(PipelineError, match=r"tokens.jsonl: no terms for document z .*1 missing"):
        read_terms(_tokens(tmp_path), ["a", "z"], {"特区"})


def test_read_documents_frame_is_in_matrix_row_order(tmp_path):
    path = tmp_path / "documents.jsonl"
    docs = [{"doc_id": "a", "speaker": "岸", "meeting": "m1"},
            {"doc_id": "b", "speaker": "後藤", "meeting": "m2"}]
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
                    encoding="utf-8")
    frame = read_documents_frame(path, ["b", "a"], ["speaker", "role"])
    assert frame.values.tolist() == [["b", "後藤", ""], ["a", "岸", ""]]


def test_read_documents_frame_holds_a_repeated_value_once_and_names_a_missing_document(
        tmp_path):
    path = tmp_path / "documents.jsonl"
    docs = [{"doc_id": f"d{i}", "speaker": "".join(["後", "藤"]), "turn": i % 2}
            for i in range(4)]
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
                    encoding="utf-8")
    frame = read_documents_frame(path, [f"d{i}" for i in (3, 0, 2)], ["speaker", "turn"])
    assert frame.values.tolist() == [["d3", "後藤", 1], ["d0", "後藤", 0], ["d2", "後藤", 0]]
    assert frame["turn"].dtype == "int64"
    # One string object for every document's speaker: the frame of a million documents
    # holds each speaker's name once.
    assert len({id(v) for v in frame["speaker"]}) == 1
    with pytest.raises(PipelineError, match=r"documents.jsonl: 1 documents of the matrix"):
        read_documents_frame(path, ["d1", "zz"], ["speaker"])


def test_documents_frames_come_in_blocks_of_the_matrix_rows(tmp_path):
    path = tmp_path / "documents.jsonl"
    docs = [{"doc_id": f"d{i}", "speaker": f"s{i % 2}", "turn": i} for i in range(7)]
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
                    encoding="utf-8")
    rows = ["d0", "d2", "d3", "d6"]  # the matrix leaves some documents out
    blocks = list(iter_documents_frames(path, rows, ["speaker", "turn"], 3))
    assert [len(b) for b in blocks] == [3, 1]
    joined = pd.concat(blocks, ignore_index=True)
    assert joined.equals(read_documents_frame(path, rows, ["speaker", "turn"]))
    # Out of the file's order, a document is not found: one clear line, not a wrong row.
    with pytest.raises(PipelineError, match="d2 of the matrix"):
        list(iter_documents_frames(path, ["d3", "d2"], ["speaker"], 3))


def test_names_in_the_tables_by_meeting_attribute_and_time_stay_text(tmp_path):
    write_csv(tmp_path / "t.csv", pd.DataFrame({
        "attribute": ["001"], "value": ["01"], "time_bin": ["meeting"],
        "bin_start": [""], "bin_label": ["0213"], "topic": [1], "share": [0.5]}))
    table = read_table(tmp_path / "t.csv")
    assert table.iloc[0][["attribute", "value", "bin_label"]].tolist() == ["001", "01", "0213"]
    assert table["share"].dtype == float
    write_csv(tmp_path / "meetings.csv", pd.DataFrame({
        "meeting": ["m1"], "title": ["第1回"], "date": [""], "modelled": [True],
        "会期": ["0213"]}))
    meetings = read_meeting_table(tmp_path / "meetings.csv")
    assert meetings.iloc[0].tolist() == ["m1", "第1回", "", "True", "0213"]
