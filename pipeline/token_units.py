"""Tokenizing a corpus in chunks: on worker processes or a Dask cluster, through a cache.

A chunk (a few dozen kilobytes of one meeting's documents) becomes compact `ChunkUnits`:
its distinct candidate terms once, and one small integer per token. That is what crosses
process boundaries and what the cache keeps, so workers scale with cores and a rerun
tokenizes only the chunks whose text or settings changed. Compounds are decided after
all chunks are in, over the whole corpus (`corpus_terms`), so the outputs do not depend
on how the corpus was cut or where each chunk ran; so are the speaker names dropped, since
each new meeting brings new ones and they must not void the cache of every other meeting.
"""

from __future__ import annotations

import gc
import hashlib
import json
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from pathlib import Path

import numpy as np

from pipeline.compounds import Unit, unit_terms
from pipeline.tokens import Analyzer, Extractor, TermFilter, new_tagger, text_units

CHUNK_CHARS = 40_000  # big enough to amortize a task, small enough to spread over workers
_CODE = (Path(__file__).parent / "tokens.py", Path(__file__).parent / "compounds.py",
         Path(__file__))


@dataclass(frozen=True)
class TokenSettings:
    """What decides a chunk's candidate terms (compounds are cut later, corpus-wide)."""

    pos: tuple[str, ...]
    stopwords: frozenset[str]
    compounds: bool = True
    min_chars: int = 1
    keep: frozenset[str] = frozenset()

    @classmethod
    def make(cls, pos: Iterable[str], stopwords: frozenset[str], compounds: bool = True,
             min_chars: int = 1, keep_phrases: Iterable[str] = ()) -> TokenSettings:
        import unicodedata

        keep = frozenset(unicodedata.normalize("NFKC", p) for p in keep_phrases if p)
        return cls(tuple(sorted(set(pos))), frozenset(stopwords), compounds, min_chars, keep)

    @cached_property
    def cache_key(self) -> str:
        """Everything a chunk's units depend on but its text: settings, stopwords, dictionary
        and tagger versions, and this code."""
        from importlib.metadata import version

        parts = [list(self.pos), self.compounds, self.min_chars, sorted(self.keep),
                 sorted(self.stopwords), version("unidic-lite"), version("fugashi")]
        digest = hashlib.blake2b(json.dumps(parts, ensure_ascii=False).encode(), digest_size=10)
        for path in _CODE:
            digest.update(path.read_bytes())
        return digest.hexdigest()


@dataclass
class ChunkUnits:
    """Candidate terms of one chunk's documents, compactly."""

    units: tuple[Unit, ...]  # distinct, in first-seen order
    ids: np.ndarray  # int32: index into units, one per token, all documents in a row
    lengths: np.ndarray  # int32: tokens per document


# One analyzer per worker process, and the extractor (with its cache of decided words) of
# the settings it last served. Built on first use, so Dask workers need no set-up.
_STATE: dict[str, object] = {}


def reset_worker_state() -> None:
    """Forget the analyzer and learned words (a benchmark's cold start)."""
    _STATE.clear()


def _worker(settings: TokenSettings, tagger: Analyzer | None) -> tuple[Analyzer, Extractor]:
    if tagger is not None:
        _STATE.setdefault("tagger", tagger)
    if "tagger" not in _STATE:
        _STATE["tagger"] = new_tagger()
    if _STATE.get("key") != settings.cache_key:
        _STATE["key"] = settings.cache_key
        _STATE["extractor"] = Extractor(settings.pos, TermFilter(settings.stopwords,
                                                                 settings.min_chars),
                                        settings.compounds)
    return _STATE["tagger"], _STATE["extractor"]


def chunk_units(task: tuple[TokenSettings, Sequence[str]],
                tagger: Analyzer | None = None) -> ChunkUnits:
    """Units of one chunk of documents (the task a worker runs)."""
    settings, texts = task
    tagger, extractor = _worker(settings, tagger)
    # Millions of small tuples, none in a reference cycle: the cyclic GC would only rescan
    # them over and over (a third of the run time on a large corpus).
    paused = gc.isenabled()
    gc.disable()
    try:
        # Units repeat as the same objects (the extractor caches them), so a unit's identity
        # indexes it cheaply; `units` keeps every one alive, so no id is reused meanwhile.
        index: dict[int, int] = {}
        units: list[Unit] = []
        ids = array("i")
        lengths = array("i")
        for text in texts:
            found = text_units(tagger, extractor, settings.keep, text)
            keys = list(map(id, found))
            if not index.keys() >= set(keys):
                by_key = dict(zip(keys, found, strict=True))  # first-seen order
                for key in by_key:
                    if key not in index:
                        index[key] = len(units)
                        units.append(by_key[key])
            ids.extend(map(index.__getitem__, keys))
            lengths.append(len(found))
        return ChunkUnits(tuple(units), np.frombuffer(ids, dtype=np.int32).copy(),
                          np.frombuffer(lengths, dtype=np.int32).copy())
    finally:
        if paused:
            gc.enable()


def chunk_texts(texts: Iterable[str], limit: int = CHUNK_CHARS) -> Iterator[list[str]]:
    """Consecutive texts in chunks of about `limit` characters."""
    chunk: list[str] = []
    size = 0
    for text in texts:
        chunk.append(text)
        size += len(text)
        if size >= limit:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def chunk_key(texts: Sequence[str]) -> str:
    """A chunk's identity for the cache: its texts, exactly."""
    digest = hashlib.blake2b(digest_size=16)
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def units_of_chunks(chunks: Iterable[Sequence[str]], settings: TokenSettings, ex=None,
                    cache=None, tagger: Analyzer | None = None,
                    missed: list[int] | None = None) -> Iterator[ChunkUnits]:
    """ChunkUnits of every chunk, in order: from the cache where it holds them, else
    computed (by `ex`, an executor from pipeline.compute, or here). `missed` collects the
    positions of the chunks that were computed."""
    if ex is None:
        for i, texts in enumerate(chunks):
            key = chunk_key(texts) if cache is not None else ""
            hit = cache.get(key) if cache is not None else None
            if hit is None:
                hit = chunk_units((settings, texts), tagger)
                if cache is not None:
                    cache.put(key, hit)
                if missed is not None:
                    missed.append(i)
            yield hit
        return
    # With workers: cache hits wait in `order` behind the computed chunks before them.
    order: list = []
    head = 0

    def tasks() -> Iterator[tuple[TokenSettings, Sequence[str]]]:
        for i, texts in enumerate(chunks):
            key = chunk_key(texts) if cache is not None else ""
            hit = cache.get(key) if cache is not None else None
            if hit is not None:
                order.append(hit)
                continue
            order.append(key)
            if missed is not None:
                missed.append(i)
            yield settings, texts

    for result in ex.map(chunk_units, tasks()):
        while isinstance(order[head], ChunkUnits):
            yield order[head]
            order[head] = None
            head += 1
        if cache is not None:
            cache.put(order[head], result)
        order[head] = None
        head += 1
        yield result
    for hit in order[head:]:
        yield hit


@dataclass
class CorpusUnits:
    """Every document's candidate terms, with one table of distinct units."""

    units: list[Unit]
    ids: np.ndarray
    lengths: np.ndarray


def merge_units(chunks: Iterable[ChunkUnits]) -> CorpusUnits:
    """Join chunks into one corpus, renumbering units into one table."""
    table: dict[Unit, int] = {}
    ids: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    for chunk in chunks:
        local = np.fromiter((table.setdefault(u, len(table)) for u in chunk.units),
                            dtype=np.int32, count=len(chunk.units))
        ids.append(local[chunk.ids] if len(chunk.ids) else chunk.ids)
        lengths.append(chunk.lengths)
    return CorpusUnits(
        list(table),
        np.concatenate(ids) if ids else np.zeros(0, np.int32),
        np.concatenate(lengths) if lengths else np.zeros(0, np.int32),
    )


def corpus_terms(corpus: CorpusUnits, compound_min_count: int,
                 keep: frozenset[str] = frozenset(),
                 drop: frozenset[str] = frozenset()) -> Iterator[list[str]]:
    """Final terms of each document, in order: compounds cut by corpus frequency, and the
    words in `drop` (the corpus's own speaker names) taken out."""
    counts = np.bincount(corpus.ids, minlength=len(corpus.units)) if len(corpus.ids) \
        else np.zeros(len(corpus.units), dtype=np.int64)
    occurrences = {u: int(n) for u, n in zip(corpus.units, counts.tolist(), strict=True) if n}
    final = unit_terms(occurrences, compound_min_count, keep, drop)
    per_unit = [final.get(u, []) for u in corpus.units]
    lookup = per_unit.__getitem__
    bounds = np.concatenate([[0], np.cumsum(corpus.lengths, dtype=np.int64)]).tolist()
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        yield list(chain.from_iterable(map(lookup, corpus.ids[start:end].tolist())))
