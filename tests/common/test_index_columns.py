"""read_index_columns: the document index as columns, equal to read_index's dicts."""

from pathlib import Path

import numpy as np

from pipeline.common.atomic import write_json_list
from pipeline.common.io import read_index, read_index_columns


def test_columns_equal_the_dicts(tmp_path: Path) -> None:
    docs = [{"doc_id": "会議#1.1", "n_tokens": 28, "weight": 1.0},
            {"doc_id": "b", "n_tokens": 0, "weight": 0.25},
            {"doc_id": "c", "n_tokens": 7}]
    path = tmp_path / "dtm_documents.json"
    write_json_list(path, iter(docs))
    columns = read_index_columns(path)
    assert columns.doc_id.tolist() == [d["doc_id"] for d in read_index(path)]
    assert columns.n_tokens.dtype == np.int64
    assert columns.n_tokens.tolist() == [28, 0, 7]
    assert columns.weight.tolist() == [1.0, 0.25, 1.0]  # a missing weight is 1
    assert columns.n_tokens_of() == {"会議#1.1": 28, "b": 0, "c": 7}


def test_empty_index(tmp_path: Path) -> None:
    path = tmp_path / "dtm_documents.json"
    write_json_list(path, iter([]))
    columns = read_index_columns(path)
    assert len(columns.doc_id) == 0 and columns.n_tokens.dtype == np.int64
