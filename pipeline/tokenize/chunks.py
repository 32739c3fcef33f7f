"""Tokenizing a corpus in chunks of about CHUNK_CHARS characters, wherever they run.

A chunk is cut by size across meeting boundaries (many small meetings in one chunk, a big
meeting over many), so every task is worth sending to a worker whatever the meetings' sizes.
A chunk becomes compact units: its distinct candidate terms once, and one small integer per
token. That is what crosses process boundaries; each worker sends each distinct unit once
per session (`ChunkDelta`). Results are joined in document order into one corpus
(`Merger`); compounds are decided after all chunks are in, over the whole corpus
(`corpus_terms`), so the outputs do not depend on how the corpus was cut or where each chunk
ran; so are the speaker names dropped, since each new meeting brings new ones and they must
not void the cache of every other meeting.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from pipeline.tokenize.analyzer import Analyzer
from pipeline.tokenize.compounds import Unit
from pipeline.tokenize.corpus_compounds import CompoundRule, decide_units
from pipeline.tokenize.extract import Extractor, grown
from pipeline.tokenize.rules import TermFilter
from pipeline.tokenize.unit_store import UnitStore

CHUNK_CHARS = 40_000  # big enough to amortize a task, small enough to spread over workers
# A process lets go of the dictionary pages its taggers of new words have read
# (Analyzer.release_pages) once its resident memory has grown this much since it last did:
# a few chunks' worth, the pages read again from the page cache. 64 MB, not 128 as when the
# fast pass's pages went too: they stay now (about 80 MB; docs/scaling.md has the cost).
RELEASE_GROWTH = 64 * 2**20
# Units an extractor learns before its process starts a new one: its tables of MeCab lines,
# noun runs and units grow with the corpus's vocabulary (the noun runs nearly with its
# size). The new one learns again what it meets (a few seconds each time on a 100M corpus)
# and numbers its units from 0 under a new name, so the parent maps them afresh.
MAX_UNITS = 200_000
_HERE = Path(__file__).parent
_CODE = tuple(_HERE / name for name in ("rules.py", "analyzer.py", "extract.py",
                                        "compounds.py", "chunks.py", "meetings.py"))


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
        """Settings in canonical form (sorted parts of speech, NFKC phrases)."""
        keep = frozenset(unicodedata.normalize("NFKC", p) for p in keep_phrases if p)
        return cls(tuple(sorted(set(pos))), frozenset(stopwords), compounds, min_chars, keep)

    @cached_property
    def cache_key(self) -> str:
        """Everything a meeting's units depend on but its text: settings, stopwords,
        dictionary and tagger versions, and this code."""
        from importlib.metadata import version

        parts = [list(self.pos), self.compounds, self.min_chars, sorted(self.keep),
                 sorted(self.stopwords), version("unidic-lite"), version("fugashi")]
        digest = hashlib.blake2b(json.dumps(parts, ensure_ascii=False).encode(), digest_size=10)
        for path in _CODE:
            digest.update(path.read_bytes())
        return digest.hexdigest()


@dataclass(frozen=True)
class ChunkTask:
    """One chunk's texts to tokenize; `session` set: answer with a ChunkDelta."""

    settings: TokenSettings
    texts: list[str]
    session: str | None = None


@dataclass
class ChunkUnits:
    """Candidate terms of some documents, self-contained (what the cache keeps)."""

    units: tuple[Unit, ...]  # distinct, in first-seen order
    ids: np.ndarray  # int32: index into units, one per token, all documents in a row
    lengths: np.ndarray  # int32: tokens per document


@dataclass
class ChunkDelta:
    """A chunk's units as a worker's own unit numbers, with the units that worker has not
    sent before in this session: each distinct unit crosses once per worker, not once per
    chunk. Read in the order the worker made them (see Merger.translate)."""

    worker: str
    first: int  # the worker's number of its first new unit
    new_units: tuple[Unit, ...]
    ids: np.ndarray  # int32, the worker's unit numbers
    lengths: np.ndarray


class Worker:
    """What a process keeps between chunks: one analyzer, the extractor (with its learned
    words) of the settings it last served, and how many units it sent per session. Built on
    first use, so pool and Dask workers need no set-up."""

    _current: Worker | None = None

    def __init__(self, tagger: Analyzer | None = None) -> None:
        self.tagger = tagger
        self.settings: TokenSettings | None = None
        self.extractor: Extractor | None = None
        self.sent: dict[str, int] = {}
        self.resident = 0  # bytes after the last release of dictionary pages
        self.generation = 0  # extractors started anew (MAX_UNITS), part of this worker's name

    @classmethod
    def here(cls) -> Worker:
        """This process's worker (a forked process inherits its parent's: see `run`)."""
        if cls._current is None:
            cls._current = cls()
        return cls._current

    @classmethod
    def reset(cls) -> None:
        """Forget the analyzer and learned words (a benchmark's cold start)."""
        cls._current = None

    def run(self, task: ChunkTask) -> ChunkUnits | ChunkDelta:
        """Units of one chunk's texts."""
        if self.tagger is None:
            self.tagger = Analyzer()
        if self.extractor is not None and len(self.extractor.table.units) > MAX_UNITS:
            self.extractor = None
            self.generation += 1
        # Compared by value, not by cache_key: that hash costs more than a chunk's lookups.
        if self.settings != task.settings or self.extractor is None:
            s = self.settings = task.settings
            self.extractor = Extractor(s.pos, TermFilter(s.stopwords, s.min_chars), s.compounds)
        assert self.extractor is not None  # made with the first task's settings
        with gc_paused():
            ids, lengths = self.extractor.extract(self.tagger, task.texts, task.settings.keep)
            self._bound_dictionary()
            table = self.extractor.table.units
            if task.session is not None:
                # A forked worker inherits its parent's state: the process id tells them apart.
                worker = f"{os.getpid()}:{task.session}:{self.generation}"
                first = self.sent.get(worker, 0)
                self.sent[worker] = len(table)
                return ChunkDelta(worker, first, tuple(table[first:]), ids, lengths)
            return standalone(table, ids, lengths)

    def _bound_dictionary(self) -> None:
        """Release the dictionary pages of new words once memory grew RELEASE_GROWTH:
        without it, a process's resident memory follows how much of the dictionary the
        corpus has reached (2 x 246 MB more at most), not what the process holds."""
        resident = resident_bytes()
        if resident - self.resident > RELEASE_GROWTH and self.tagger is not None:
            self.tagger.release_pages()
            self.resident = resident_bytes()


def resident_bytes() -> int:
    """This process's resident memory now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def run_chunk(task: ChunkTask) -> ChunkUnits | ChunkDelta:
    """The task a worker runs: units of one chunk, by this process's Worker."""
    return Worker.here().run(task)


def standalone(table: Sequence[Unit], ids: np.ndarray, lengths: np.ndarray) -> ChunkUnits:
    """Documents' units renumbered from 0, carrying only the units they use."""
    used, local = np.unique(ids, return_inverse=True)
    return ChunkUnits(tuple(table[i] for i in used.tolist()), local.astype(np.int32), lengths)


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


def text_key(texts: Sequence[str]) -> str:
    """A meeting's identity for the cache: its texts, exactly."""
    digest = hashlib.blake2b(digest_size=16)
    for text in texts:
        digest.update(text.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


class TokenIds:
    """Every token's unit id (int32) in document order, appended as meetings come in and
    kept in a temporary file, not in memory: read back in slices (`ids[a:b]`)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # removed when closed, also on a crash
        self._n = 0

    def append(self, ids: np.ndarray) -> None:
        self._file.write(np.ascontiguousarray(ids, dtype=np.int32).tobytes())
        self._n += len(ids)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, part: slice) -> np.ndarray:
        start, stop, _ = part.indices(self._n)
        self._file.flush()
        size = 4 * max(stop - start, 0)
        return np.frombuffer(os.pread(self._file.fileno(), size, 4 * start), dtype=np.int32)


@dataclass
class CorpusUnits:
    """Every document's candidate terms, with one table of distinct units."""

    units: Sequence[Unit]  # a list, or the corpus's UnitStore
    ids: np.ndarray | TokenIds
    lengths: np.ndarray


class Merger:
    """Joins chunks into one corpus with one table of units, in document order."""

    def __init__(self, held_units: int | None = None) -> None:
        # In memory up to `held_units` (UnitStore), on disk past that: a corpus has millions.
        self._table = UnitStore(held_units)
        # Per worker: its unit number -> ours (with spare room past `_known[worker]`).
        self._workers: dict[str, np.ndarray] = {}
        self._known: dict[str, int] = {}
        self._ids = TokenIds()
        self._lengths: list[np.ndarray] = []

    def translate(self, result: ChunkUnits | ChunkDelta) -> np.ndarray:
        """A result's token ids in the corpus table; a worker's results must come in the
        order it made them."""
        if isinstance(result, ChunkUnits):
            local = self._table.intern(result.units)
            return local[result.ids] if len(result.ids) else result.ids
        known = self._known.get(result.worker, 0)
        if result.first != known:
            raise RuntimeError(f"tokenize: worker {result.worker} sent units out of order")
        if result.new_units:
            end = known + len(result.new_units)
            ours = self._workers[result.worker] = grown(
                self._workers.get(result.worker, np.zeros(0, np.int32)), end)
            ours[known:end] = self._table.intern(result.new_units)
            self._known[result.worker] = end
        return self._workers[result.worker][result.ids] if len(result.ids) else result.ids

    def append(self, ids: np.ndarray, lengths: np.ndarray) -> None:
        """Add the next documents (ids in the corpus table, tokens per document)."""
        self._ids.append(ids)
        self._lengths.append(lengths)

    def standalone(self, ids: np.ndarray, lengths: np.ndarray) -> ChunkUnits:
        """Documents of the corpus as self-contained ChunkUnits (what the cache keeps)."""
        used, local = np.unique(ids, return_inverse=True)
        return ChunkUnits(tuple(self._table.take(used)), local.astype(np.int32), lengths)

    def corpus(self) -> CorpusUnits:
        """Every document added, in order."""
        return CorpusUnits(
            self._table, self._ids,
            np.concatenate(self._lengths) if self._lengths else np.zeros(0, np.int32),
        )


def corpus_terms(corpus: CorpusUnits, compound_min_count: int,
                 keep: frozenset[str] = frozenset(),
                 drop: frozenset[str] = frozenset(),
                 block: int = 1 << 18) -> Iterator[list[str]]:
    """Final terms of each document, in order: compounds cut by corpus frequency, and the
    words in `drop` (the corpus's own speaker names) taken out."""
    counts = np.zeros(len(corpus.units), dtype=np.int64)
    for start in range(0, len(corpus.ids), block):
        counts += np.bincount(corpus.ids[start:start + block], minlength=len(corpus.units))
    decided = decide_units(corpus.units, counts, CompoundRule(compound_min_count, keep, drop))
    del counts
    # Tokens expand with numpy, in blocks of about `block` tokens so that memory stays
    # bounded on a large corpus.
    n_terms, first_term = decided.n_terms, decided.first
    bounds = np.concatenate([[0], np.cumsum(corpus.lengths, dtype=np.int64)])
    doc = 0
    while doc < len(corpus.lengths):
        last = int(np.searchsorted(bounds, bounds[doc] + block, side="right")) - 1
        last = max(last, doc + 1)  # at least one document per block
        ids = corpus.ids[bounds[doc] : bounds[last]]
        sizes = n_terms[ids]
        ends = np.cumsum(sizes)
        # The k-th term of a token is shown[flat[first_term[unit] + k]].
        within = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - sizes, sizes)
        terms = decided.shown[decided.flat[np.repeat(first_term[ids], sizes) + within]].tolist()
        cut = np.concatenate([[0], ends])[bounds[doc : last + 1] - bounds[doc]].tolist()
        for start, end in zip(cut[:-1], cut[1:], strict=True):
            yield terms[start:end]
        doc = last
