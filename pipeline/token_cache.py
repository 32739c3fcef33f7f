"""The per-meeting token cache: a rerun tokenizes only the chunks whose text changed.

Entries live in `<root>/<settings key>/<chunk key>.pkl`. The settings key covers the token
settings, the dictionary and this code (TokenSettings.cache_key); the chunk key is a hash
of the chunk's texts. Speaker names are dropped after the cache (corpus_terms), so a new
meeting with new speakers leaves every other entry valid. The cache keeps the entries of
the last run for the most recent settings, so it cannot grow without bound.
"""

from __future__ import annotations

import io
import os
import pickle
import shutil
import time
from pathlib import Path

import numpy as np

from pipeline.atomic import write_bytes
from pipeline.token_units import ChunkUnits, TokenSettings

_FORMAT = "jp-meeting-topics token cache 1"


class _PlainData(pickle.Unpickler):
    """Entries are plain tuples of strings, booleans and bytes (pickle is several times
    faster to read than JSON turned back into tuples); this reader refuses anything that
    would import or call code, so a planted cache file cannot run anything."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"cache entries hold no objects ({module}.{name})")


KEEP_SETTINGS = 3  # settings folders kept (e.g. the last few `dvc exp run -S tokens.*`)


class TokenCache:
    def __init__(self, root: Path, settings: TokenSettings):
        self.root = Path(root)
        self.folder = self.root / settings.cache_key
        self.used: set[str] = set()  # entries this run read or wrote: what finish() keeps

    def get(self, key: str) -> ChunkUnits | None:
        path = self.folder / f"{key}.pkl"
        try:
            entry = _PlainData(io.BytesIO(path.read_bytes())).load()
            tag, units, ids, lengths = entry
            if tag != _FORMAT:
                raise ValueError(tag)
            chunk = ChunkUnits(units, np.frombuffer(ids, dtype=np.int32),
                               np.frombuffer(lengths, dtype=np.int32))
        except Exception:  # missing, damaged or foreign: recompute it, never trust it
            return None
        self.used.add(key)
        return chunk

    def put(self, key: str, entry: ChunkUnits) -> None:
        data = (_FORMAT, entry.units, entry.ids.astype(np.int32).tobytes(),
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
