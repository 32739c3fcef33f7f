"""Tests for pipeline/atomic.py: outputs are whole or untouched, and reproducible."""

from __future__ import annotations

import io
import os

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from pipeline import atomic
from pipeline.atomic import (
    read_jsonl,
    sparse_to_npz_bytes,
    write_bytes,
    write_csv,
    write_json,
    write_jsonl,
    write_text,
)


@pytest.fixture
def frame():
    return pd.DataFrame(
        {"speaker": ["岸", "上久保", "後藤"], "topic": ["科学技術", "地域", "デジタル"],
         "share": [0.5, 0.25, 1 / 3]}
    )


def test_write_csv_has_bom_and_round_trips_japanese(tmp_path, frame):
    path = tmp_path / "out" / "shares.csv"
    write_csv(path, frame)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\xef\xbb\xbf") == 1
    assert b"\r\n" not in raw
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert list(back.columns) == ["speaker", "topic", "share"]
    assert back["speaker"].tolist() == ["岸", "上久保", "後藤"]
    assert back["topic"].tolist() == ["科学技術", "地域", "デジタル"]
    assert back["share"].tolist() == [0.5, 0.25, 0.333333]


def test_write_csv_without_bom_for_plot_data(tmp_path, frame):
    path = tmp_path / "plot.csv"
    write_csv(path, frame, bom=False)
    raw = path.read_bytes()
    assert raw.startswith(b"speaker,topic,share\n")
    assert pd.read_csv(path, encoding="utf-8")["speaker"].tolist() == ["岸", "上久保", "後藤"]


def test_write_csv_is_byte_identical_on_rerun(tmp_path, frame):
    write_csv(tmp_path / "a.csv", frame)
    write_csv(tmp_path / "b.csv", frame)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def _leftovers(folder, keep):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failing_writer_keeps_old_file_and_leaves_no_temp(tmp_path, error):
    path = tmp_path / "report.txt"
    write_text(path, "前の内容\n")

    def half_then_fail(handle):
        handle.write("途中まで")
        raise error

    with pytest.raises(type(error)):
        atomic._write_atomic(path, half_then_fail, "w")
    assert path.read_text(encoding="utf-8") == "前の内容\n"
    assert _leftovers(tmp_path, {"report.txt"}) == []


def test_failing_replace_keeps_old_file_and_leaves_no_temp(tmp_path, frame, monkeypatch):
    path = tmp_path / "shares.csv"
    write_csv(path, frame)
    before = path.read_bytes()

    def refuse(src, dst):
        raise OSError("no")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        write_csv(path, frame.iloc[:1])
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, {"shares.csv"}) == []


def test_failing_writer_on_new_path_creates_nothing(tmp_path):
    path = tmp_path / "new.bin"

    def fail(handle):
        handle.write(b"abc")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        atomic._write_atomic(path, fail, "wb")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_folder_is_a_pipeline_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    from pipeline.errors import PipelineError

    with pytest.raises(PipelineError, match=r"file: is a file, so outputs cannot go in it"):
        write_text(blocker / "sub" / "out.txt", "x")


def test_write_json_is_stable_and_readable(tmp_path):
    write_json(tmp_path / "a.json", {"b": 1, "a": "岸"})
    text = (tmp_path / "a.json").read_text(encoding="utf-8")
    assert text == '{\n  "a": "岸",\n  "b": 1\n}\n'


@pytest.mark.parametrize("records", [[], [{"speaker": "岸", "n": 1}, {"speaker": "後藤", "n": 2}]])
def test_jsonl_round_trip(tmp_path, records):
    path = tmp_path / "docs.jsonl"
    write_jsonl(path, records)
    assert read_jsonl(path) == records
    assert "\\u" not in path.read_text(encoding="utf-8")


def test_write_bytes_replaces_content(tmp_path):
    path = tmp_path / "x.bin"
    write_bytes(path, b"old-and-long")
    write_bytes(path, b"new")
    assert path.read_bytes() == b"new"


def _matrix():
    rng = np.random.default_rng(0)
    dense = rng.integers(0, 3, size=(6, 9)) * (rng.random((6, 9)) < 0.4)
    return sp.csr_matrix(dense.astype(np.int64))


@pytest.mark.parametrize(
    "matrix",
    [
        _matrix(),
        sp.csr_matrix((3, 4), dtype=np.float64),
        sp.csr_matrix(np.array([[0.5, 0.0], [0.0, 1.25]])),
    ],
    ids=["counts", "empty", "floats"],
)
def test_sparse_to_npz_bytes_round_trip_and_identical(matrix):
    first = sparse_to_npz_bytes(matrix)
    second = sparse_to_npz_bytes(matrix.copy())
    assert first == second
    loaded = sp.load_npz(io.BytesIO(first))
    assert loaded.format == "csr"
    assert loaded.shape == matrix.shape
    assert loaded.dtype == matrix.dtype
    assert (loaded != matrix).nnz == 0


def test_sparse_to_npz_bytes_does_not_depend_on_the_clock(monkeypatch):
    """Zip members carry a timestamp; reruns at another time must give the same bytes."""
    import time

    matrix = _matrix()
    monkeypatch.setattr(time, "time", lambda: 1_000_000_000.0)
    early = sparse_to_npz_bytes(matrix)
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.0)
    late = sparse_to_npz_bytes(matrix)
    assert early == late


def test_sparse_to_npz_bytes_accepts_other_sparse_formats():
    csr = _matrix()
    assert sparse_to_npz_bytes(csr.tocoo()) == sparse_to_npz_bytes(csr)


def test_sparse_to_npz_bytes_differs_for_different_input():
    matrix = _matrix()
    other = matrix.copy()
    other.data[0] += 5
    assert sparse_to_npz_bytes(matrix) != sparse_to_npz_bytes(other)


def test_sparse_npz_file_loads(tmp_path):
    matrix = _matrix()
    path = tmp_path / "dtm.npz"
    write_bytes(path, sparse_to_npz_bytes(matrix))
    assert (sp.load_npz(path) != matrix).nnz == 0
