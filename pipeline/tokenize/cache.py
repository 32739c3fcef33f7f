"""The per-meeting token cache: a rerun tokenizes only the meetings whose text changed.

Entries live in `<root>/<settings key>/<meeting key>.pkl`. The settings key covers the token
settings, the dictionary and the tokenizer's code (TokenSettings.cache_key); the meeting key
is a hash of the meeting's texts. Speaker names are dropped after the cache (corpus_terms),
so a new meeting with new speakers leaves every other entry valid. The cache keeps the entries of
the last run for the most recent settings, so it cannot grow without bound.

An entry is checked before it is used: it must be a regular file (a FIFO would block the
read), hold only plain data, name its own settings and meeting (an entry copied to
another name is not that meeting's), and be consistent (every token's unit exists, one
length per document, lengths adding up to the tokens). Anything else is a miss: the meeting
is tokenized again and the entry rewritten. The cache is as trustworthy as its folder: an
entry made to pass these checks by someone who can write there is believed.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
import stat
import time
from pathlib import Path

import numpy as np

from pipeline.common.atomic import write_bytes
from pipeline.tokenize.chunks import ChunkUnits, TokenSettings

_FORMAT = "jp-meeting-topics token cache 3"  # 3: one entry per meeting

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
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read()


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

    def get(self, key: str, n_docs: int | None = None) -> ChunkUnits | None:
        """The meeting's units if a sound entry holds them (n_docs: its documents), else None."""
        data = read_regular(self.folder / f"{key}.pkl")
        if data is None:
            return None
        try:
            entry = _PlainData(io.BytesIO(data)).load()
        except _DAMAGED:  # damaged or foreign: recompute it, never trust it
            return None
        chunk = check_entry(entry, self.key, key, n_docs)
        if chunk is not None:
            self.used.add(key)
        return chunk

    def put(self, key: str, entry: ChunkUnits) -> None:
        data = (_FORMAT, self.key, key, entry.units, entry.ids.astype(np.int32).tobytes(),
                entry.lengths.astype(np.int32).tobytes())
        write_bytes(self.folder / f"{key}.pkl",
                    pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        self.used.add(key)

    def finish(self) -> None:
        """Drop entries this run did not use, and settings folders beyond the newest few."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*.pkl"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)
        now = time.time()
        os.utime(self.folder, (now, now))
        folders = sorted((p for p in self.root.iterdir() if p.is_dir()),
                         key=lambda p: p.stat().st_mtime, reverse=True)
        for old in folders[KEEP_SETTINGS:]:
            shutil.rmtree(old, ignore_errors=True)
