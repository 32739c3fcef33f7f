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

from pipeline.tokenize.analyzer import Analyzer
from pipeline.tokenize.chunks import (
    CHUNK_CHARS,
    ChunkTask,
    ChunkUnits,
    CorpusUnits,
    Merger,
    TokenSettings,
    Worker,
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
class TokenizedMeetings:
    """Every document's candidate terms, and what was tokenized rather than read back."""

    corpus: CorpusUnits
    n_meetings: int
    n_chunks: int  # chunks tokenized
    tokenized: list[str]  # meetings tokenized (not from the cache), in order


def tokenize_meetings(meetings: Iterable[tuple[str, list[str]]], settings: TokenSettings,
                      ex, cache=None, tagger: Analyzer | None = None,
                      progress: Callable[[Iterator], Iterator] = lambda items: items,
                      chunk_chars: int = CHUNK_CHARS) -> TokenizedMeetings:
    """Candidate terms of every document of (meeting, texts) in order, as one corpus.

    `ex`: an executor of pipeline.common.compute (its `map` keeps input order); `cache`: a
    TokenCache or None; `tagger`: this process's analyzer, reused when chunks run here.
    """
    if tagger is not None and Worker.here().tagger is None:
        Worker.here().tagger = tagger
    # Local workers send each unit once (ChunkDelta), since each one's results come back in
    # the order it made them; Dask gives no such order, so its tasks send self-contained
    # chunks.
    session = None if ex.backend == "dask" else uuid.uuid4().hex
    slots: deque[_Slot] = deque()
    spans: deque[list[tuple[_Slot, int]]] = deque()  # per task sent: (meeting, documents)
    tokenized: list[str] = []
    n_meetings = 0

    def tasks() -> Iterator[ChunkTask]:
        nonlocal n_meetings
        texts: list[str] = []
        parts: list[tuple[_Slot, int]] = []
        size = 0
        for name, meeting_texts in meetings:
            n_meetings += 1
            key = text_key(meeting_texts) if cache is not None else ""
            slot = _Slot(name, key, len(meeting_texts))
            slot.hit = cache.get(key, len(meeting_texts)) if cache is not None else None
            slots.append(slot)
            if slot.hit is not None:
                continue
            tokenized.append(name)
            for text in meeting_texts:
                if parts and parts[-1][0] is slot:
                    parts[-1] = (slot, parts[-1][1] + 1)
                else:
                    parts.append((slot, 1))
                texts.append(text)
                size += len(text)
                if size >= chunk_chars:
                    spans.append(parts)
                    yield ChunkTask(settings, texts, session)
                    texts, parts, size = [], [], 0
        if texts:
            spans.append(parts)
            yield ChunkTask(settings, texts, session)

    merger = Merger()
    n_chunks = 0

    def flush() -> None:
        while slots and slots[0].complete():
            slot = slots.popleft()
            if slot.hit is not None:
                merger.append(merger.translate(slot.hit), slot.hit.lengths)
                continue
            ids = np.concatenate([p[0] for p in slot.pieces])
            lengths = np.concatenate([p[1] for p in slot.pieces])
            merger.append(ids, lengths)
            if cache is not None:
                cache.put(slot.key, merger.standalone(ids, lengths))

    for result in progress(ex.map(run_chunk, tasks())):
        n_chunks += 1
        ids = merger.translate(result)
        bounds = np.concatenate([[0], np.cumsum(result.lengths, dtype=np.int64)])
        doc = 0
        for slot, n_docs in spans.popleft():
            slot.pieces.append((ids[bounds[doc] : bounds[doc + n_docs]],
                                result.lengths[doc : doc + n_docs]))
            slot.n_done += n_docs
            doc += n_docs
        flush()
    flush()
    return TokenizedMeetings(merger.corpus(), n_meetings, n_chunks, tokenized)
