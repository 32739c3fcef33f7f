"""Atomic output writers: a crash or Ctrl-C never leaves a half-written file behind (the
readers are in pipeline/common/io.py)."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from contextvars import ContextVar
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pipeline.common.errors import PipelineError, os_error_advice
from pipeline.common.spreadsheet import csv_frame, csv_row

# pandas costs 0.3 s to import: it is imported where a table is read, so the stages that
# write only JSON or text (user_files, ingest, tokenize) never load it.
if TYPE_CHECKING:
    import pandas as pd

# output.csv_formula_guard for this run; the stage wrapper sets it from the config, so every
# table a stage writes or reads back follows the one setting.
_FORMULA_GUARD: ContextVar[bool] = ContextVar("csv_formula_guard", default=True)


@contextmanager
def formula_guard(on: bool) -> Iterator[None]:
    """Within the block, tables are written (and read back) with the formula guard on or off."""
    token = _FORMULA_GUARD.set(on)
    try:
        yield
    finally:
        _FORMULA_GUARD.reset(token)


def formula_guard_on() -> bool:
    """Whether this run guards formula-like CSV cells (output.csv_formula_guard)."""
    return _FORMULA_GUARD.get()


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


# mkstemp's name for a temporary copy of `name`: .name.XXXXXXXX.tmp
_TEMP = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")
# Per folder, the temporary files that runs killed mid-write (SIGKILL, power loss) left
# behind, by the name they were to replace: the folder is read once per process, not once per
# file written (the token cache writes thousands of files into one folder).
_STALE: dict[Path, dict[str, list[Path]]] = {}


def _sweep_stale(path: Path) -> None:
    """Remove what an earlier, killed run left while writing `path`."""
    folder = path.parent.resolve()
    stale = _STALE.get(folder)
    if stale is None:
        stale = {}
        with os.scandir(folder) as entries:
            for entry in entries:
                if (match := _TEMP.fullmatch(entry.name)) is not None:
                    stale.setdefault(match["name"], []).append(folder / entry.name)
        _STALE[folder] = stale
    for temp in stale.pop(path.name, ()):
        temp.unlink(missing_ok=True)


@contextmanager
def atomic_open(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A file handle whose content replaces `path` only when the block ends without error;
    on any error (or Ctrl-C) the partial file is removed and `path` keeps its old content."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_stale(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        blocked = next((p for p in (path.parent, *path.parent.parents)
                        if p.exists() and not p.is_dir()), None)
        if blocked is not None:
            raise PipelineError(
                f"{blocked}: is a file, so outputs cannot go in it; move it or change the "
                "output path") from exc
        advice = ("check the folder's permissions" if exc.errno in (errno.EACCES, errno.EPERM)
                  else os_error_advice(exc))
        raise PipelineError(
            f"{path.parent}: cannot write outputs here ({exc.strerror}); {advice}") from exc
    encoding = None if "b" in mode else "utf-8"
    newline = None if "b" in mode else ""
    handle = os.fdopen(fd, mode, encoding=encoding, newline=newline)
    try:
        yield handle
    except BaseException as exc:
        # The partial file goes; closing it must not raise over the error that got us here.
        with suppress(OSError):
            handle.close()
        Path(tmp).unlink(missing_ok=True)
        # A write that found the disk full names no file: this one is the file being written.
        if isinstance(exc, OSError) and exc.filename is None and exc.errno in _DISK_FULL:
            raise _cannot_write(path, exc) from exc
        raise
    try:
        handle.close()  # flushes the last of it: a full disk may show only here
        # mkstemp makes 0600 files; give outputs the permissions of any new file here.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot_write(path, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _cannot_write(path: Path, exc: OSError) -> PipelineError:
    return PipelineError(f"{path}: cannot write ({exc.strerror or exc}); {os_error_advice(exc)}")


def _write_atomic(path: Path, write: Callable[[IO[Any]], object], mode: str) -> None:
    with atomic_open(path, mode) as handle:
        write(handle)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    _write_atomic(path, lambda h: h.write(text), "w")


def write_bytes(path: Path, data: bytes) -> None:
    """Write bytes atomically."""
    _write_atomic(path, lambda h: h.write(data), "wb")


def write_files(files: dict[Path, bytes]) -> None:
    """Write several files that change together: all are written to temporary files first,
    and only when every one is written are they renamed into place (a failure in between
    leaves every file as it was)."""
    with ExitStack() as stack:
        handles = {path: stack.enter_context(atomic_open(path, "wb")) for path in files}
        for path, handle in handles.items():
            handle.write(files[path])
            handle.flush()  # a full disk shows here, before any file is replaced


def write_json(path: Path, data: Any, ascii_only: bool = False) -> None:
    """Write JSON atomically, keys in a stable order, Japanese left readable unless ascii_only.

    DVC takes a metrics file whose first bytes are mostly non-ASCII for binary and refuses
    it, so metrics are written with \\u escapes (any JSON reader decodes them).
    """
    text = json.dumps(data, ensure_ascii=ascii_only, indent=2, sort_keys=True) + "\n"
    write_text(path, text)


def write_json_list(path: Path, items: Iterable[Any]) -> None:
    """write_json of a list, its items streamed (a document index of millions of rows is
    never held as one list, nor as one string): the same bytes."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2, sort_keys=True)

    def write(handle: IO[str]) -> None:
        opened = False
        for item in items:
            # An item's own lines, indented one level; JSON strings hold no raw newline.
            handle.write((",\n  " if opened else "[\n  ")
                         + encoder.encode(item).replace("\n", "\n  "))
            opened = True
        handle.write("\n]\n" if opened else "[]\n")

    _write_atomic(path, write, "w")


def write_metrics(path: Path, data: Any) -> None:
    """A DVC metrics file: JSON with non-ASCII escaped (see write_json)."""
    write_json(path, data, ascii_only=True)


CSV_BLOCK_ROWS = 20_000  # rows of a table formatted at once (write_csv)


def write_csv(path: Path, frame: pd.DataFrame, float_format: str = "%.6f",
              bom: bool = True) -> None:
    """Write a table atomically; with a BOM (so Excel in Japan opens it) unless bom=False;
    text cells that a spreadsheet would run as a formula get a `'`
    (see pipeline.common.spreadsheet).

    DVC's plot reader takes a BOM for part of the first column name, so plot data go bare.
    """
    # Formatted a block of rows at a time: as text, a table of a million documents' shares
    # is tens of millions of small strings (more than the rest of the stage). Every cell is
    # formatted on its own, so the bytes do not depend on the blocks.
    blocks = (frame.iloc[start:start + CSV_BLOCK_ROWS]
              for start in range(0, max(len(frame), 1), CSV_BLOCK_ROWS))
    write_csv_blocks(path, blocks, list(frame.columns), float_format, bom)


def write_csv_blocks(path: Path, frames: Iterable[pd.DataFrame], columns: Sequence[str],
                     float_format: str = "%.6f", bom: bool = True) -> None:
    """write_csv of one table that comes a block of rows at a time (a stream: never held
    whole), the same bytes as write_csv of the blocks concatenated; `columns`, the header of
    a table of no block."""
    guard = formula_guard_on()

    def write(handle: IO[str]) -> None:
        handle.write("\ufeff" if bom else "")
        first = True
        for frame in frames:
            handle.write(floats_as_text(csv_frame(frame, guard), float_format).to_csv(
                index=False, header=first, lineterminator="\n"))
            first = False
        if first:
            csv.writer(handle, lineterminator="\n").writerow(columns)

    _write_atomic(path, write, "w")


def floats_as_text(frame: pd.DataFrame, float_format: str) -> pd.DataFrame:
    """frame with each float column as to_csv(float_format=...) writes it: `float_format %
    value`, "" for a NaN. pandas formats each cell through two Python calls and a NaN test
    (1M cells of doc_topics.csv: most of the label stage's time); one %-format a cell here."""
    import numpy as np

    out = frame.copy(deep=False)
    for i, dtype in enumerate(frame.dtypes):
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            values = frame.iloc[:, i].to_numpy()
            text = np.array([float_format % v for v in values.tolist()], dtype=object)
            text[np.isnan(values)] = ""
            out.isetitem(i, text)
    return out


def write_csv_header(path: Path, columns: Sequence[str], bom: bool = True) -> None:
    """A table of no rows as write_csv writes one, its header line alone, without importing
    pandas (csv.writer quotes as pandas does): for a stage with nothing to do."""
    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(columns)
    write_bytes(path, ("\ufeff" if bom else "").encode() + line.getvalue().encode("utf-8"))


def write_rows(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]],
               bom: bool = True) -> None:
    """A small table from rows, as write_csv writes one (BOM, formula guard), without pandas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    guard = formula_guard_on()
    for row in rows:
        writer.writerow(csv_row(tuple(row), guard))
    write_bytes(path, ("\ufeff" if bom else "").encode() + out.getvalue().encode("utf-8"))


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Write one JSON object per line, atomically; records may be a stream."""
    write_lines(path, (json.dumps(r, ensure_ascii=False, sort_keys=True) for r in records))


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """Write lines as they come (a stream never held whole), atomically."""

    def write(handle: IO[str]) -> None:
        for line in lines:
            handle.write(line)
            handle.write("\n")

    _write_atomic(path, write, "w")


def arrays_to_npz_bytes(arrays: dict[str, Any]) -> bytes:
    """Named arrays as .npz bytes that `numpy.load` reads, byte-identical per input.

    numpy stamps zip members with the current time; a fixed stamp keeps reruns identical.
    """
    buffer = io.BytesIO()
    _npz_into(buffer, arrays)
    return buffer.getvalue()


def write_npz(path: Path, arrays: dict[str, Any]) -> None:
    """arrays_to_npz_bytes's bytes, compressed straight into the file, atomically: a large
    matrix is never held a second time as its compressed bytes."""
    _write_atomic(path, lambda handle: _npz_into(handle, arrays), "wb")


def _npz_into(handle: IO[bytes], arrays: dict[str, Any]) -> None:
    import zipfile

    import numpy as np

    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def sparse_npz_arrays(matrix) -> dict[str, Any]:
    """The arrays of a CSR matrix's .npz, as `scipy.sparse.load_npz` reads them."""
    import numpy as np
    import scipy.sparse as sp

    matrix = sp.csr_matrix(matrix)
    return {"indices": matrix.indices, "indptr": matrix.indptr, "format": np.array(b"csr"),
            "shape": np.array(matrix.shape), "data": matrix.data}


def sparse_to_npz_bytes(matrix) -> bytes:
    """A CSR matrix as .npz bytes that `scipy.sparse.load_npz` reads, byte-identical per input."""
    return arrays_to_npz_bytes(sparse_npz_arrays(matrix))
