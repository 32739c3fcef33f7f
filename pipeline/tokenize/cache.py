"""The per-meeting token cache: a rerun tokenizes only the meetings whose text changed.

Entries live in `<root>/<settings key>/<meeting key>.pkl`. The settings key covers the token
settings, the dictionary and the tokenizer's code (TokenSettings.cache_key); the meeting key
is a hash of the meeting's texts. Speaker names are dropped after the cache (corpus_terms),
so a new meeting with new speakers leaves every other entry valid. The cache keeps the entries of
the last run for the most recent settings, so it cannot grow without bound.

An entry is checked before it is used: it must be a regular file (a FIFO would block the
read, a folder cannot be read), carry the checksum of its content (a flipped bit that leaves
the entry consistent, one term id changed to another valid one, would change every result),
hold only plain data, name its own settings and meeting (an entry copied to another name is
not that meeting's), and be consistent (every token's unit exists, one length per document,
lengths adding up to the tokens). Anything else is a miss, counted for the log: the meeting
is tokenized again and the entry rewritten. An entry that cannot be written (a read-only
folder, a full disk, a folder in its place) is skipped and counted: the cache changes how
fast, never what. The checksum finds damage, not forgery: an entry written to pass these
checks by someone who can write to the folder is believed.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import shutil
import stat
import time
from contextlib import suppress
from pathlib import Path

import numpy as np

from pipeline.common.atomic import write_bytes
from pipeline.common.errors import PipelineError
from pipeline.tokenize.chunks import ChunkUnits, TokenSettings

_FORMAT = "jp-meeting-topics token cache 4"  # 3: one entry per meeting; 4: a checksum
_DIGEST = 32  # bytes of blake2b in front of each entry's pickle

# What unpickling damaged or foreign bytes raises (the pickle docs: UnpicklingError, "but not
# necessarily limited to" AttributeError, EOFError, ImportError, IndexError; measured on
# mutated entries: also ValueError, UnicodeDecodeError, TypeError, OverflowError,
# MemoryError). Such an entry is a miss; any other error is a bug and is raised.
_DAMAGED = (pickle.UnpicklingError, EOFError, ValueError, TypeError, OverflowError,
            MemoryError, AttributeError, ImportError, IndexError, KeyError, RecursionError)


class _PlainData(pickle.Unpickler):
    """Entries are plain tuples of strings, booleans and bytes (pickle is several times
    faster to read than JSON turned back into tuples); this reader refuses anything that
    would import or call code, so a planted cache file cannot run anything."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"cache entries hold no objects ({module}.{name})")


KEEP_SETTINGS = 3  # settings folders kept (e.g. the last few `dvc exp run -S tokens.*`)


def read_regular(path: Path) -> bytes | None:
    """The bytes of a regular file; None for anything else (missing, a FIFO, a device, a
    folder), without blocking on it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # before fdopen, which refuses a folder
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    except OSError:  # an I/O error reading it: a miss like any damaged entry
        return None
    finally:
        os.close(fd)


def checksum(payload: bytes | memoryview) -> bytes:
    """The digest an entry carries in front of its payload."""
    return hashlib.blake2b(payload, digest_size=_DIGEST).digest()


def _is_part(part: object) -> bool:
    return (isinstance(part, tuple) and len(part) == 6
            and all(isinstance(x, str) for x in part[:3])
            and all(isinstance(x, bool) for x in part[3:]))


def _is_unit(unit: object) -> bool:
    return (isinstance(unit, tuple) and len(unit) == 3 and isinstance(unit[0], str)
            and isinstance(unit[1], str) and isinstance(unit[2], tuple)
            and all(map(_is_part, unit[2])))


def check_entry(entry: object, settings_key: str, chunk_key: str,
                n_docs: int | None) -> ChunkUnits | None:
    """The units an entry holds, or None if it is not a sound entry of this meeting."""
    if not (isinstance(entry, tuple) and len(entry) == 6):
        return None
    tag, settings, chunk, units, ids, lengths = entry
    if (tag, settings, chunk) != (_FORMAT, settings_key, chunk_key):
        return None
    if not (isinstance(units, tuple) and all(map(_is_unit, units))
            and isinstance(ids, bytes) and isinstance(lengths, bytes)
            and len(ids) % 4 == 0 and len(lengths) % 4 == 0):
        return None
    ids_ = np.frombuffer(ids, dtype=np.int32)
    lengths_ = np.frombuffer(lengths, dtype=np.int32)
    if ((n_docs is not None and len(lengths_) != n_docs)
            or (len(lengths_) and lengths_.min() < 0)
            or int(lengths_.sum(dtype=np.int64)) != len(ids_)
            or (len(ids_) and (ids_.min() < 0 or ids_.max() >= len(units)))):
        return None
    return ChunkUnits(units, ids_, lengths_)


class TokenCache:
    """Per-meeting entries under one folder per settings key. Each get or put touches its
    own file only (no folder is scanned per entry: a corpus has tens of thousands of
    meetings); finish() lists the folder once."""

    def __init__(self, root: Path, settings: TokenSettings):
        self.root = Path(root)
        self.key = settings.cache_key
        self.folder = self.root / self.key
        self.used: set[str] = set()  # entries this run read or wrote: what finish() keeps
        self.n_damaged = 0  # entries found but not used (checksum, content, not a file)
        self.n_unwritten = 0  # entries that could not be written
        self.unwritten_reason = ""  # the first such failure, for the log

    def get(self, key: str, n_docs: int | None = None) -> ChunkUnits | None:
        """The meeting's units if a sound entry holds them (n_docs: its documents), else None."""
        path = self.folder / f"{key}.pkl"
        data = read_regular(path)
        if data is None:
            self.n_damaged += os.path.lexists(path)  # a folder, a FIFO, unreadable
            return None
        chunk = None
        payload = memoryview(data)[_DIGEST:]
        if data[:_DIGEST] == checksum(payload):
            try:
                entry = _PlainData(io.BytesIO(payload)).load()
            except _DAMAGED:  # damaged or foreign: recompute it, never trust it
                entry = None
            chunk = check_entry(entry, self.key, key, n_docs)
        if chunk is None:
            self.n_damaged += 1
        else:
            self.used.add(key)
        return chunk

    def put(self, key: str, entry: ChunkUnits) -> None:
        data = (_FORMAT, self.key, key, entry.units, entry.ids.astype(np.int32).tobytes(),
                entry.lengths.astype(np.int32).tobytes())
        payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            write_bytes(self.folder / f"{key}.pkl", checksum(payload) + payload)
        except (PipelineError, OSError) as exc:  # the run goes on: this entry is not kept
            self.n_unwritten += 1
            self.unwritten_reason = self.unwritten_reason or str(exc)
            return
        self.used.add(key)

    def notes(self) -> list[str]:
        """What the log says of entries not used or not written (none: nothing)."""
        notes = []
        if self.n_damaged:
            notes.append(f"{self.n_damaged} cache entries were damaged (checksum, content or "
                         "not a file) and their meetings tokenized again")
        if self.n_unwritten:
            notes.append(f"{self.n_unwritten} cache entries could not be written "
                         f"({self.unwritten_reason}); the results are the same, a later run "
                         "tokenizes those meetings again")
        return notes

    def finish(self) -> None:
        """Drop entries this run did not use, and settings folders beyond the newest few."""
        if not self.folder.is_dir():
            return
        with suppress(OSError):  # a read-only cache keeps what it has
            for path in self.folder.glob("*.pkl"):
                if path.stem not in self.used:
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path, ignore_errors=True)  # a folder in an entry's place
                    else:
                        path.unlink(missing_ok=True)
            now = time.time()
            os.utime(self.folder, (now, now))
        folders = sorted((p for p in self.root.iterdir() if p.is_dir()),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in folders[KEEP_SETTINGS:]:
            shutil.rmtree(old, ignore_errors=True)
