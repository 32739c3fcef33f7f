"""A corpus of meetings through the cache and the chunks: cost linear in the corpus.

Meetings whose texts and settings are unchanged since the last run come from the per-meeting
cache; the others are packed into chunks of about CHUNK_CHARS characters, across meeting
boundaries, and mapped over the executor. Each result is split back into its meetings, a
meeting's entry is written once all its documents are in, and the corpus is joined in
document order, whatever ran where. Nothing here is kept per chunk past its meeting.
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from pipeline.tokenize.chunks import (
    CHUNK_CHARS,
    ChunkDelta,
    ChunkTask,
    ChunkUnits,
    CorpusUnits,
    Merger,
    TokenSettings,
    run_chunk,
    text_key,
)


@dataclass
class _Slot:
    """One meeting on its way into the corpus: from the cache, or in pieces from chunks."""

    name: str
    key: str
    n_docs: int
    hit: ChunkUnits | None = None
    pieces: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    n_done: int = 0

    def complete(self) -> bool:
        return self.hit is not None or self.n_done == self.n_docs


@dataclass
class _Chunk:
    """The texts of the chunk being filled, and how many of them each meeting gave."""

    texts: list[str] = field(default_factory=list)
    parts: list[tuple[_Slot, int]] = field(default_factory=list)  # (meeting, documents)
    size: int = 0

    def add(self, slot: _Slot, text: str) -> None:
        if self.parts and self.parts[-1][0] is slot:
            self.parts[-1] = (slot, self.parts[-1][1] + 1)
        else:
            self.parts.append((slot, 1))
        self.texts.append(text)
        self.size += len(text)


@dataclass
class TokenizedMeetings:
    """Every document's candidate terms, and what was tokenized rather than read back."""

    corpus: CorpusUnits
    n_meetings: int
    n_chunks: int  # chunks tokenized
    tokenized: list[str]  # meetings tokenized (not from the cache), in order


def _as_is(items: Iterator) -> Iterator:
    return items


class MeetingAssembly:
    """Meetings on their way into one corpus: cut into chunk tasks of about `chunk_chars`
    characters, each chunk's result split back into its meetings, and a meeting joined to the
    corpus (and cached) once all its documents are in. `cache`: a TokenCache or None."""

    def __init__(self, settings: TokenSettings, cache=None,
                 chunk_chars: int = CHUNK_CHARS, held_units: int | None = None) -> None:
        self.settings, self.cache, self.chunk_chars = settings, cache, chunk_chars
        self.slots: deque[_Slot] = deque()  # meetings not yet joined, in order
        self.spans: deque[list[tuple[_Slot, int]]] = deque()  # per task sent: its meetings
        self.tokenized: list[str] = []
        self.n_meetings = self.n_chunks = 0
        self.merger = Merger(held_units)  # held_units: see unit_store.UnitStore

    def run(self, meetings: Iterable[tuple[str, list[str]]], ex,
            progress: Callable[[Iterator], Iterator] = _as_is) -> TokenizedMeetings:
        """Every meeting's documents through the cache or `ex`'s map, joined in order."""
        # Local workers send each unit once (ChunkDelta), since each one's results come back
        # in the order it made them; Dask gives no such order, so its tasks send
        # self-contained chunks.
        session = None if ex.backend == "dask" else uuid.uuid4().hex
        for result in progress(ex.map(run_chunk, self.tasks(meetings, session))):
            self.add(result)
        self.flush()
        return TokenizedMeetings(self.merger.corpus(), self.n_meetings, self.n_chunks,
                                 self.tokenized)

    def tasks(self, meetings: Iterable[tuple[str, list[str]]],
              session: str | None) -> Iterator[ChunkTask]:
        """Chunk tasks of the meetings the cache does not hold, cut across meetings."""
        chunk = _Chunk()
        for name, texts in meetings:
            slot = self._slot(name, texts)
            if slot.hit is not None:
                # Joined now if nothing before it waits for a chunk: a corpus read back from
                # the cache was held whole (every meeting's units) until its end otherwise.
                self.flush()
                continue
            self.tokenized.append(name)
            for text in texts:
                chunk.add(slot, text)
                if chunk.size >= self.chunk_chars:
                    yield self._send(chunk, session)
                    chunk = _Chunk()
        if chunk.texts:
            yield self._send(chunk, session)

    def _slot(self, name: str, texts: list[str]) -> _Slot:
        """A meeting's place in the corpus, filled from the cache if it holds the meeting."""
        self.n_meetings += 1
        key = text_key(texts) if self.cache is not None else ""
        slot = _Slot(name, key, len(texts))
        slot.hit = self.cache.get(key, len(texts)) if self.cache is not None else None
        self.slots.append(slot)
        return slot

    def _send(self, chunk: _Chunk, session: str | None) -> ChunkTask:
        self.spans.append(chunk.parts)
        return ChunkTask(self.settings, chunk.texts, session)

    def add(self, result: ChunkUnits | ChunkDelta) -> None:
        """One chunk's result, split over the meetings of the task it answers."""
        self.n_chunks += 1
        ids = self.merger.translate(result)
        bounds = np.concatenate([[0], np.cumsum(result.lengths, dtype=np.int64)])
        doc = 0
        for slot, n_docs in self.spans.popleft():
            slot.pieces.append((ids[bounds[doc] : bounds[doc + n_docs]],
                                result.lengths[doc : doc + n_docs]))
            slot.n_done += n_docs
            doc += n_docs
        self.flush()

    def flush(self) -> None:
        """Join the meetings at the front whose documents are all in (and cache them)."""
        while self.slots and self.slots[0].complete():
            slot = self.slots.popleft()
            if slot.hit is not None:
                self.merger.append(self.merger.translate(slot.hit), slot.hit.lengths)
                continue
            ids = np.concatenate([p[0] for p in slot.pieces])
            lengths = np.concatenate([p[1] for p in slot.pieces])
            self.merger.append(ids, lengths)
            if self.cache is not None:
                self.cache.put(slot.key, self.merger.standalone(ids, lengths))


def tokenize_meetings(meetings: Iterable[tuple[str, list[str]]], settings: TokenSettings,
                      ex, cache=None,
                      progress: Callable[[Iterator], Iterator] = _as_is) -> TokenizedMeetings:
    """Candidate terms of every document of (meeting, texts) in order, as one corpus.

    `ex`: an executor of pipeline.common.compute (its `map` keeps input order); `cache`: a
    TokenCache or None. Chunks run in this process use its Worker's tagger.
    """
    return MeetingAssembly(settings, cache).run(meetings, ex, progress)
