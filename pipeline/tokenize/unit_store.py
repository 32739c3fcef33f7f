"""The corpus's distinct units and their spans' counts on disk, not in memory, past a size.

A corpus of the whole Diet record has millions of distinct candidate terms (noun runs,
mostly): held as Python tuples they were the tokenize stage's largest growing part (about
300 bytes a unit, and as much again to decide compounds over them). Past IN_MEMORY_UNITS
they live in a private temporary SQLite database (deleted when closed, also on a crash),
which keeps a fixed page cache in memory (CACHE_KIB) and the rest in a file under the
temporary folder. Below it they stay in memory: spelling, storing and reading back each
unit cost a sixth of the stage's CPU on 9M characters of news-like text (146k units), for
memory that a fixed cap bounds anyway.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import overload

import numpy as np

from pipeline.tokenize.compounds import Unit, UnitTable

# Distinct units held in memory before the store moves them to its database (with the
# compound decision's spans and pieces: corpus_compounds.decide_units): a few hundred bytes
# each, parts shared. 30M characters of minutes have 200k units, 9M of news-like text 146k.
IN_MEMORY_UNITS = 1 << 18
CACHE_KIB = 16 * 1024  # each database's page cache: the memory it keeps, whatever its size
BLOCK = 1 << 15  # units read back per query
# Units kept in memory as last used, per generation (two): a meeting's cache entry and a
# meeting read from the cache are mostly common words, found here without a query.
RECENT = 1 << 14
_PICKLE = pickle.HIGHEST_PROTOCOL


def _connect(schema: str) -> sqlite3.Connection:
    # "": a private temporary file. No journal and no syncing: nothing here outlives the run.
    db = sqlite3.connect("", isolation_level=None)
    db.executescript(f"PRAGMA cache_size=-{CACHE_KIB}; PRAGMA journal_mode=OFF; "
                     f"PRAGMA synchronous=OFF; PRAGMA temp_store=FILE; {schema}")
    return db


def encoded(unit: Unit) -> str:
    """A unit's one spelling as text, what finds it again: equal units (tuples of strings
    and booleans), equal text, however their strings are shared (a pickle's are not)."""
    return repr(unit)


def decoded(data: bytes) -> Unit:
    """The unit a stored pickle holds (this run's own file: nothing else writes it)."""
    unit: Unit = pickle.loads(data)
    return unit


class _Recent:
    """A map of what was used last: at most 2 x RECENT entries, in two generations (a
    lookup in the old one moves the entry to the new one; a full new one becomes the old)."""

    def __init__(self) -> None:
        self._new: dict = {}
        self._old: dict = {}

    def get(self, key):
        value = self._new.get(key)
        if value is None:
            value = self._old.get(key)
            if value is not None:
                self.put(key, value)
        return value

    def put(self, key, value) -> None:
        if len(self._new) >= RECENT:
            self._old, self._new = self._new, {}
        self._new[key] = value


class UnitStore(Sequence[Unit]):
    """Distinct units numbered from 0 in the order first met, as UnitTable numbers them;
    read back by number or in slices (`store[a:b]`). In memory (a shared UnitTable) up to
    `in_memory` units, then in the database: the same numbers and units either way."""

    def __init__(self, in_memory: int | None = None) -> None:
        self._limit = IN_MEMORY_UNITS if in_memory is None else in_memory
        self._memory: UnitTable | None = UnitTable(shared=True)
        self._db: sqlite3.Connection | None = None
        self._n = 0
        self._ids = _Recent()  # unit -> number
        self._units = _Recent()  # number -> unit

    @property
    def on_disk(self) -> bool:
        """Whether the units have moved to the database (past `in_memory`)."""
        return self._memory is None

    def intern(self, units: Sequence[Unit]) -> np.ndarray:
        """Each unit's number (int32), new ones added in order."""
        if self._memory is not None:
            table = self._memory
            ids = np.fromiter(map(table.intern, units), np.int32, count=len(units))
            self._n = len(table.units)
            if self._n > self._limit:
                self._spill(table.units)
            return ids
        ids = np.fromiter((-1 if (n := self._ids.get(u)) is None else n for u in units),
                          np.int32, count=len(units))
        missing = np.flatnonzero(ids < 0)
        if len(missing):
            asked = [units[i] for i in missing.tolist()]
            ids[missing] = found = self._added(asked)
            for unit, number in zip(asked, found.tolist(), strict=True):
                self._ids.put(unit, number)
                self._units.put(number, unit)
        return ids

    def _spill(self, units: list[Unit]) -> None:
        """Move every unit to the database, numbered as they are, and let go of the table."""
        # code: what finds a unit (`encoded`); unit: its pickle, several times faster to
        # read back than any text.
        db = self._db = _connect(
            "CREATE TABLE units(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, unit BLOB "
            "NOT NULL); CREATE TEMP TABLE batch(seq INTEGER PRIMARY KEY, code TEXT NOT NULL, "
            "unit BLOB NOT NULL);")
        db.execute("BEGIN")
        db.executemany("INSERT INTO units(id, code, unit) VALUES (?, ?, ?)",
                       ((i + 1, encoded(u), pickle.dumps(u, _PICKLE))
                        for i, u in enumerate(units)))
        db.execute("COMMIT")
        self._memory = None

    def _database(self) -> sqlite3.Connection:
        assert self._db is not None  # only asked once the units have moved there
        return self._db

    def _added(self, units: list[Unit]) -> np.ndarray:
        """The units' numbers, from the database, new ones added in order."""
        db = self._database()
        db.execute("BEGIN")
        db.execute("DELETE FROM batch")
        db.executemany("INSERT INTO batch(code, unit) VALUES (?, ?)",
                       ((encoded(u), pickle.dumps(u, _PICKLE)) for u in units))
        # Row ids from 1; a unit twice in the batch is added at its first place.
        db.execute("INSERT OR IGNORE INTO units(code, unit) SELECT code, unit FROM batch "
                   "ORDER BY seq")
        found = db.execute("SELECT u.id FROM batch b JOIN units u ON u.code = b.code "
                           "ORDER BY b.seq").fetchall()
        db.execute("COMMIT")
        self._n = db.execute("SELECT coalesce(max(id), 0) FROM units").fetchone()[0]
        return np.array(found, dtype=np.int32).reshape(-1) - 1

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> Unit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Unit]: ...

    def __getitem__(self, index: int | slice) -> Unit | list[Unit]:
        if isinstance(index, slice):
            if self._memory is not None:
                return self._memory.units[index]
            start, stop, step = index.indices(self._n)
            rows = self._database().execute("SELECT unit FROM units WHERE id > ? AND "
                                            "id <= ? ORDER BY id", (start, stop)).fetchall()
            return [decoded(code) for (code,) in rows][::step]
        if not -self._n <= index < self._n:
            raise IndexError(index)
        return self[index % self._n : index % self._n + 1][0]

    def __iter__(self) -> Iterator[Unit]:
        for start in range(0, self._n, BLOCK):
            yield from self[start : start + BLOCK]

    def take(self, ids: np.ndarray) -> list[Unit]:
        """The units of these numbers (sorted, distinct), in that order."""
        if self._memory is not None:
            held = self._memory.units
            return [held[n] for n in ids.tolist()]
        units = [self._units.get(n) for n in ids.tolist()]
        missing = [n for n, unit in zip(ids.tolist(), units, strict=True) if unit is None]
        if missing:
            rows = self._database().execute(
                "SELECT id - 1, unit FROM units WHERE id IN (SELECT value + 1 FROM json_each(?))"
                " ORDER BY id", (json.dumps(missing),)).fetchall()
            found = {}
            for number, code in rows:
                found[number] = unit = decoded(code)
                self._units.put(number, unit)
            units = [found[n] if unit is None else unit
                     for n, unit in zip(ids.tolist(), units, strict=True)]
        return units

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        self._memory = None


class SpanCounts:
    """How often the corpus has each span that may be a compound, added a block of units
    at a time; read back for the spans a block asks about."""

    def __init__(self) -> None:
        self._db = _connect("CREATE TABLE spans(text TEXT PRIMARY KEY, n INTEGER NOT NULL) "
                            "WITHOUT ROWID; CREATE TEMP TABLE asked(text TEXT NOT NULL);")

    def add(self, counts: Mapping[str, int]) -> None:
        """Add one block's counts."""
        db = self._db
        db.execute("BEGIN")
        db.executemany("INSERT INTO spans VALUES (?, ?) ON CONFLICT(text) DO UPDATE "
                       "SET n = n + excluded.n", counts.items())
        db.execute("COMMIT")

    def at_least(self, texts: Iterable[str], min_count: int) -> dict[str, int]:
        """The counts of those of `texts` the corpus has at least `min_count` times (what a
        compound's cut asks: the rest count as 0)."""
        db = self._db
        db.execute("BEGIN")
        db.execute("DELETE FROM asked")
        db.executemany("INSERT INTO asked VALUES (?)", ((t,) for t in texts))
        found = db.execute("SELECT s.text, s.n FROM asked a JOIN spans s ON s.text = a.text "
                           "WHERE s.n >= ?", (min_count,)).fetchall()
        db.execute("COMMIT")
        return dict(found)

    def close(self) -> None:
        self._db.close()


class HeldSpans:
    """SpanCounts in a dict: for a corpus whose units are held in memory anyway."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}  # every span's count

    def add(self, counts: Mapping[str, int]) -> None:
        """Add one block's counts."""
        held = self.counts
        for text, n in counts.items():
            held[text] = held.get(text, 0) + n

    def at_least(self, texts: Iterable[str], min_count: int) -> dict[str, int]:
        """As SpanCounts.at_least."""
        held = self.counts
        return {t: n for t in texts if (n := held.get(t, 0)) >= min_count}

    def close(self) -> None:
        self.counts = {}
