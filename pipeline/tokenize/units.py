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
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from pathlib import Path

import numpy as np

from pipeline.tokenize.compounds import Unit, UnitTable, unit_terms
from pipeline.tokenize.tokens import Analyzer, Extractor, TermFilter, chunk_unit_ids, new_tagger

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
    # Compared by value, not by cache_key: that hash costs more than a chunk's lookups.
    if _STATE.get("settings") != settings:
        _STATE["settings"] = settings
        _STATE["extractor"] = Extractor(settings.pos, TermFilter(settings.stopwords,
                                                                 settings.min_chars),
                                        settings.compounds)
    return _STATE["tagger"], _STATE["extractor"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: tokenizing makes millions of small tuples, none
    in a reference cycle, and the collector would only rescan them (and everything else
    alive) over and over: a third of the run time on a large corpus."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@dataclass
class ChunkDelta:
    """A chunk's units as a worker's own unit numbers, with the units that worker has not
    sent before in this session: each distinct unit crosses once per worker, not once per
    chunk. Read in the order the worker made them (see Merger.add_delta)."""

    worker: str
    first: int  # the worker's number of its first new unit
    new_units: tuple[Unit, ...]
    ids: np.ndarray  # int32, the worker's unit numbers
    lengths: np.ndarray


def chunk_units(task: tuple, tagger: Analyzer | None = None) -> ChunkUnits | ChunkDelta:
    """Units of one chunk of documents (the task a worker runs): (settings, texts) gives
    ChunkUnits; (settings, texts, session) gives a ChunkDelta for that session."""
    settings, texts = task[0], task[1]
    session = task[2] if len(task) > 2 else None
    tagger, extractor = _worker(settings, tagger)
    with gc_paused():
        ids, lengths = chunk_unit_ids(tagger, extractor, settings.keep, texts)
        table = extractor.table.units
        if session is not None:
            # A forked worker inherits its parent's state: the process id tells them apart.
            worker = f"{os.getpid()}:{session}"
            first = _STATE.get(worker, 0)
            _STATE[worker] = len(table)
            return ChunkDelta(worker, first, tuple(table[first:]), ids, lengths)
        # Self-contained: this chunk's units only, renumbered from 0.
        used, local = np.unique(ids, return_inverse=True)
        return ChunkUnits(tuple(table[i] for i in used.tolist()), local.astype(np.int32),
                          lengths)


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


@dataclass
class CorpusUnits:
    """Every document's candidate terms, with one table of distinct units."""

    units: list[Unit]
    ids: np.ndarray
    lengths: np.ndarray


class Merger:
    """Joins chunks into one corpus with one table of units, in chunk order."""

    def __init__(self) -> None:
        self._table = UnitTable()
        self._workers: dict[str, np.ndarray] = {}  # worker's unit number -> ours
        self._ids: list[np.ndarray] = []
        self._lengths: list[np.ndarray] = []

    def add(self, chunk: ChunkUnits) -> np.ndarray:
        """Add a self-contained chunk; returns its ids in the corpus table."""
        local = np.fromiter(map(self._table.intern, chunk.units), dtype=np.int32,
                            count=len(chunk.units))
        ids = local[chunk.ids] if len(chunk.ids) else chunk.ids
        self._ids.append(ids)
        self._lengths.append(chunk.lengths)
        return ids

    def add_delta(self, delta: ChunkDelta) -> np.ndarray:
        """Add a worker's chunk; its new units extend that worker's numbering."""
        known = self._workers.get(delta.worker, np.zeros(0, np.int32))
        if delta.first != len(known):
            raise RuntimeError(f"tokenize: worker {delta.worker} sent units out of order")
        if delta.new_units:
            known = self._workers[delta.worker] = np.concatenate([known, np.fromiter(
                map(self._table.intern, delta.new_units), np.int32, len(delta.new_units))])
        ids = known[delta.ids] if len(delta.ids) else delta.ids
        self._ids.append(ids)
        self._lengths.append(delta.lengths)
        return ids

    def standalone(self, ids: np.ndarray, lengths: np.ndarray) -> ChunkUnits:
        """A chunk as self-contained ChunkUnits (what the cache keeps)."""
        used, local = np.unique(ids, return_inverse=True)
        table = self._table.units
        return ChunkUnits(tuple(table[i] for i in used.tolist()), local.astype(np.int32),
                          lengths)

    def corpus(self) -> CorpusUnits:
        return CorpusUnits(
            self._table.units,
            np.concatenate(self._ids) if self._ids else np.zeros(0, np.int32),
            np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int32),
        )


def tokenize_chunks(chunks: Iterable[Sequence[str]], settings: TokenSettings, ex=None,
                    cache=None, tagger: Analyzer | None = None,
                    missed: list[int] | None = None,
                    progress=lambda items: items) -> CorpusUnits:
    """Candidate terms of every chunk, in order, as one corpus: from the cache where it
    holds a chunk, else computed (by `ex`, an executor from pipeline.common.compute, or here).
    `missed` collects the positions of the chunks that were computed."""
    merger = Merger()
    # Worker processes of this machine send each unit once (ChunkDelta), since each one's
    # results come back in the order it made them; Dask gives no such order, so its tasks
    # send self-contained chunks.
    session = None if ex is not None and ex.backend == "dask" else uuid.uuid4().hex

    def add(result) -> np.ndarray:
        return (merger.add_delta(result) if isinstance(result, ChunkDelta)
                else merger.add(result))

    if ex is None:
        for i, texts in progress(enumerate(chunks)):
            key = chunk_key(texts) if cache is not None else ""
            hit = cache.get(key, len(texts)) if cache is not None else None
            if hit is not None:
                merger.add(hit)
                continue
            result = chunk_units((settings, texts, session), tagger)
            ids = add(result)
            if cache is not None:
                cache.put(key, merger.standalone(ids, result.lengths))
            if missed is not None:
                missed.append(i)
        return merger.corpus()
    # With workers: cache hits wait in `order` behind the computed chunks before them.
    order: list = []
    head = 0

    def tasks() -> Iterator[tuple]:
        for i, texts in enumerate(chunks):
            key = chunk_key(texts) if cache is not None else ""
            hit = cache.get(key, len(texts)) if cache is not None else None
            if hit is not None:
                order.append(hit)
                continue
            order.append(key)
            if missed is not None:
                missed.append(i)
            yield (settings, texts, session) if session else (settings, texts)

    for result in progress(ex.map(chunk_units, tasks())):
        while isinstance(order[head], ChunkUnits):
            merger.add(order[head])
            order[head] = None
            head += 1
        ids = add(result)
        if cache is not None:
            cache.put(order[head], merger.standalone(ids, result.lengths))
        order[head] = None
        head += 1
    for hit in order[head:]:
        merger.add(hit)
    return merger.corpus()


def corpus_terms(corpus: CorpusUnits, compound_min_count: int,
                 keep: frozenset[str] = frozenset(),
                 drop: frozenset[str] = frozenset(),
                 block: int = 1 << 20) -> Iterator[list[str]]:
    """Final terms of each document, in order: compounds cut by corpus frequency, and the
    words in `drop` (the corpus's own speaker names) taken out."""
    counts = np.bincount(corpus.ids, minlength=len(corpus.units)) if len(corpus.ids) \
        else np.zeros(len(corpus.units), dtype=np.int64)
    occurrences = {u: int(n) for u, n in zip(corpus.units, counts.tolist(), strict=True) if n}
    final = unit_terms(occurrences, compound_min_count, keep, drop)
    # Each unit's terms as a slice of one flat list: tokens expand with numpy, in blocks of
    # about `block` tokens so that memory stays bounded on a large corpus.
    per_unit = [final.get(u, ()) for u in corpus.units]
    n_terms = np.fromiter(map(len, per_unit), np.int64, count=len(per_unit))
    first_term = np.cumsum(n_terms) - n_terms
    flat = np.array(list(chain.from_iterable(per_unit)) or [""], dtype=object)
    bounds = np.concatenate([[0], np.cumsum(corpus.lengths, dtype=np.int64)])
    doc = 0
    while doc < len(corpus.lengths):
        last = int(np.searchsorted(bounds, bounds[doc] + block, side="right")) - 1
        last = max(last, doc + 1)  # at least one document per block
        ids = corpus.ids[bounds[doc] : bounds[last]]
        sizes = n_terms[ids]
        ends = np.cumsum(sizes)
        # The k-th term of a token is flat[first_term[unit] + k].
        within = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - sizes, sizes)
        terms = flat[np.repeat(first_term[ids], sizes) + within].tolist()
        cut = np.concatenate([[0], ends])[bounds[doc : last + 1] - bounds[doc]].tolist()
        for start, end in zip(cut[:-1], cut[1:], strict=True):
            yield terms[start:end]
        doc = last
