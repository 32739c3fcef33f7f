"""Tables read and written a block of rows at a time (common.io.iter_table_blocks,
common.atomic.write_csv_blocks): the same bytes and frames as the whole table at once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.common.atomic import write_csv, write_csv_blocks
from pipeline.common.io import iter_table_blocks, read_header, read_table
from pipeline.model.topic_labels import merged_doc_topics


def _doc_topics(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    shares = rng.dirichlet(np.ones(4), size=n)
    return pd.DataFrame({
        "doc_id": [f"0{i}" for i in range(n)], "meeting": ["=会議", "m,2", "m"] * (n // 3),
        "speaker": ["甲", "+乙", "丙"] * (n // 3), "turn": np.arange(n),
        **{f"topic_{k + 1}": shares[:, k] for k in range(4)}, "source_id": ""})


def test_blocks_read_and_written_give_the_whole_tables_bytes(tmp_path):
    whole = tmp_path / "whole.csv"
    write_csv(whole, _doc_topics(30))
    blocks = list(iter_table_blocks(whole, 7))
    assert [len(b) for b in blocks] == [7, 7, 7, 7, 2]
    pd.testing.assert_frame_equal(pd.concat(blocks, ignore_index=True), read_table(whole))
    again = tmp_path / "again.csv"
    write_csv_blocks(again, iter_table_blocks(whole, 7), read_header(whole))
    assert again.read_bytes() == whole.read_bytes()
    assert read_table(again)["meeting"][0] == "=会議"  # the formula guard undone, as whole


def test_a_table_of_no_rows_is_its_header(tmp_path):
    whole = tmp_path / "whole.csv"
    write_csv(whole, _doc_topics(0))
    again = tmp_path / "again.csv"
    write_csv_blocks(again, iter(()), read_header(whole))
    assert again.read_bytes() == whole.read_bytes()


def test_merged_topics_in_blocks_are_the_whole_tables(tmp_path):
    whole = tmp_path / "fit.csv"
    write_csv(whole, _doc_topics(30))
    merges = [[1, 3], [2, 4]]
    at_once = tmp_path / "at_once.csv"
    write_csv(at_once, merged_doc_topics(read_table(whole), merges))
    blocked = tmp_path / "blocked.csv"
    write_csv_blocks(blocked, (merged_doc_topics(b, merges) for b in iter_table_blocks(whole, 4)),
                     ["unused"])
    assert blocked.read_bytes() == at_once.read_bytes()
    assert read_header(blocked) == ["doc_id", "meeting", "speaker", "turn", "topic_1",
                                    "topic_2", "source_id"]
