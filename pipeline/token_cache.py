"""The per-meeting token cache: a rerun tokenizes only the chunks whose text changed.

Entries live in `<root>/<settings key>/<chunk key>.pkl`. The settings key covers the token
settings, the dictionary and this code (TokenSettings.cache_key); the chunk key is a hash
of the chunk's texts. Speaker names are dropped after the cache (corpus_terms), so a new
meeting with new speakers leaves every other entry valid. The cache keeps the entries of
the last run for the most recent settings, so it cannot grow without bound.
"""

from __future__ import annotations

import os
import pickle
import shutil
import time
from pathlib import Path

from pipeline.atomic import write_bytes
from pipeline.token_units import ChunkUnits, TokenSettings

KEEP_SETTINGS = 3  # settings folders kept (e.g. the last few `dvc exp run -S tokens.*`)


class TokenCache:
    def __init__(self, root: Path, settings: TokenSettings):
        self.root = Path(root)
        self.folder = self.root / settings.cache_key
        self.used: set[str] = set()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> ChunkUnits | None:
        path = self.folder / f"{key}.pkl"
        try:
            entry = pickle.loads(path.read_bytes())
        except FileNotFoundError:
            self.misses += 1
            return None
        except Exception:  # a damaged or foreign file: recompute it, never trust it
            self.misses += 1
            return None
        if not isinstance(entry, ChunkUnits):
            self.misses += 1
            return None
        self.used.add(key)
        self.hits += 1
        return entry

    def put(self, key: str, entry: ChunkUnits) -> None:
        write_bytes(self.folder / f"{key}.pkl",
                    pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
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
