"""The documents' topic shares of a large corpus held on disk for the speakers stage, read
back in blocks or a partition of groups at a time, so the stage's memory is a working set of
fixed size and not the documents × topics matrix.

Every table of the stage needs some group's documents together (a speaker's, a meeting's, a
role's) in doc_id order, and the figures of a group depend on its documents alone. So the
rows are written once, in the order they come (`RowStore`), then, per way of grouping, cut
into partitions of consecutive groups (`cut_units`) and sent to one temporary file per
partition in one pass; each partition is then loaded alone, sorted by (group, doc_id), and
handed to the same code the in-memory path runs.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

BLOCK_ROWS = 20_000  # rows read from the store at a time
# Rows × topics of one partition loaded at once (16 MB of shares; 33,000 documents at K 60,
# so a 30M-character corpus is already several: its working set is that of any larger one).
# A group with more rows (one speaker with 200,000 documents) is a partition alone: its
# figures need all its rows.
PARTITION_CELLS = 2_000_000


class RowStore:
    """Documents × topics shares (float64) in a file of a temporary folder, rows in the order
    they were appended."""

    def __init__(self, folder: Path, n_topics: int):
        self.folder = folder
        self.path = folder / "rows.f64"
        self.n_topics = n_topics
        self.n_rows = 0
        self.path.write_bytes(b"")

    def append(self, block: np.ndarray) -> None:
        """Add rows (rows × n_topics) at the end."""
        with open(self.path, "ab") as handle:
            np.ascontiguousarray(block, dtype=np.float64).tofile(handle)
        self.n_rows += len(block)

    def blocks(self, rows: int = BLOCK_ROWS) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, block of rows) from the start, `rows` at a time."""
        with open(self.path, "rb") as handle:
            for start in range(0, self.n_rows, rows):
                size = min(rows, self.n_rows - start)
                block = np.fromfile(handle, dtype=np.float64, count=size * self.n_topics)
                yield start, block.reshape(size, self.n_topics)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Rows start..stop-1."""
        with open(self.path, "rb") as handle:
            handle.seek(start * self.n_topics * 8)
            block = np.fromfile(handle, dtype=np.float64, count=(stop - start) * self.n_topics)
        return block.reshape(stop - start, self.n_topics)

    def budget_rows(self) -> int:
        """Rows of one partition (PARTITION_CELLS shares)."""
        return max(1, PARTITION_CELLS // max(self.n_topics, 1))


@contextmanager
def row_store(n_topics: int, folder: str | Path | None = None) -> Iterator[RowStore]:
    """A RowStore in a new temporary folder (under `folder`, else TMPDIR), removed with
    everything in it when the block ends, also on an error."""
    with tempfile.TemporaryDirectory(prefix="speakers-rows-", dir=folder) as name:
        yield RowStore(Path(name), n_topics)


def cut_units(counts: np.ndarray, budget: int, starts: np.ndarray | None = None) -> np.ndarray:
    """Cuts [0, ..., n_units] of consecutive units (`counts` rows each) into partitions of at
    most `budget` rows; a unit larger than the budget is a partition alone. With `starts`
    (sorted unit numbers, 0 first), cuts fall only there: a chunk of speakers whose
    bootstrap is one draw stays whole."""
    n_units = len(counts)
    allowed = np.arange(n_units + 1) if starts is None else np.append(starts, n_units)
    before = np.concatenate(([0], np.cumsum(counts)))[allowed]
    cuts, at = [0], 0
    while allowed[at] < n_units:
        # The furthest allowed cut within the budget, at least one step on.
        last = int(np.searchsorted(before, before[at] + budget, side="right")) - 1
        at = max(last, at + 1)
        cuts.append(int(allowed[at]))
    return np.asarray(cuts, dtype=np.int64)


@dataclass(frozen=True)
class Partition:
    """Units first..last-1 of a partitioning: their rows sorted by (unit, rank)."""

    first: int
    last: int
    rows: np.ndarray  # the store's row numbers
    units: np.ndarray  # each row's unit
    theta: np.ndarray  # rows × topics

    def bounds(self) -> np.ndarray:
        """Unit first + i's rows: bounds[i]:bounds[i + 1]."""
        return np.searchsorted(self.units, np.arange(self.first, self.last + 1))


@dataclass(frozen=True)
class Units:
    """How a store's rows are grouped: each row's unit (-1: left out) and rank (doc_id order
    among all rows), and the cuts of the partitions (cut_units)."""

    unit: np.ndarray
    rank: np.ndarray
    cuts: np.ndarray


def partitions(store: RowStore, units: Units) -> Iterator[Partition]:
    """The partitions of `units`, in order, one loaded at a time: one pass over the store
    sends each row to its partition's temporary file (a single partition is gathered in
    memory); the files are removed as they are read, and all of them if this stops early."""
    n_parts = len(units.cuts) - 1
    part_of_unit = np.repeat(np.arange(n_parts), np.diff(units.cuts))
    with tempfile.TemporaryDirectory(prefix="part-", dir=store.folder) as name:
        paths = [Path(name) / f"{p}" for p in range(n_parts)]
        with ExitStack() as files:
            handles = [files.enter_context(open(p, "wb")) for p in paths]
            for start, block in store.blocks():
                unit = units.unit[start:start + len(block)]
                kept = np.flatnonzero(unit >= 0)
                part = part_of_unit[unit[kept]]
                for p in np.unique(part):
                    at = kept[part == p]
                    np.column_stack([block[at], (at + start).astype(np.float64)]).tofile(
                        handles[p])
        for p, path in enumerate(paths):
            yield _load(path, store.n_topics, units, (int(units.cuts[p]),
                                                       int(units.cuts[p + 1])))
            os.remove(path)


def _load(path: Path, n_topics: int, units: Units, span: tuple[int, int]) -> Partition:
    """One partition's file, its rows sorted by (unit, rank)."""
    # Row numbers travel as float64 beside the shares: exact below 2**53.
    data = np.fromfile(path, dtype=np.float64).reshape(-1, n_topics + 1)
    rows = data[:, n_topics].astype(np.int64)
    order = np.lexsort((units.rank[rows], units.unit[rows]))
    return Partition(span[0], span[1], rows[order], units.unit[rows][order],
                     np.ascontiguousarray(data[order, :n_topics]))


@dataclass(frozen=True)
class StoredRows:
    """The store, and for a frame of documents each one's row there (`row_of`); `rank`:
    each store row's place in doc_id order."""

    store: RowStore
    rank: np.ndarray
    row_of: np.ndarray
    # stored.stored_samples, given here: groups.py, which calls it, is imported by stored.py
    sampler: Callable[[StoredRows, Any, int, int], Any]

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.row_of), self.store.n_topics

    def for_frame(self, frame: pd.DataFrame) -> StoredRows:
        """The same store, for the documents of `frame` (its `row` column)."""
        return StoredRows(self.store, self.rank, frame["row"].to_numpy(np.int64), self.sampler)

    def units(self, positions: np.ndarray, unit: np.ndarray, cuts: np.ndarray) -> Units:
        """Units of the frame's documents at `positions` (the others left out)."""
        per_row = np.full(self.store.n_rows, -1, dtype=np.int64)
        per_row[self.row_of[positions]] = unit
        return Units(per_row, self.rank, cuts)

    def samples(self, docs: Any, n_boot: int, seed: int) -> Any:
        """groups.group_samples of SharedDocs `docs`, the shares read from the store."""
        return self.sampler(self, docs, n_boot, seed)
