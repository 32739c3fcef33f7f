"""Boilerplate: sentences and lines that recur nearly verbatim across meetings and speakers.

Minutes repeat their formulae in every sitting (御異議ないと認めます。, 本日はこれにて散会いたし
ます。, 午後零時五分散会), other text its footers and notices (記事執筆：MAX Twitter @smaxjp,
with another handle, link or number each time). Such a segment carries no subject, yet its
words would form topics of their own. It is found from the corpus itself: a segment (a
sentence, or a line without a sentence end) that recurs, compared with white space folded
and numbers, Latin words and links as placeholders, in at least `min_meetings` meetings (in
a corpus of fewer meetings than that, in at least `min_docs` documents, once there are
MIN_DOCS_FACTOR times that many: a handful of documents cannot tell a formula from their
subject), said by at least `min_speakers` speakers: one person repeating a sentence of their
policy in several meetings is speech, not a formula. A document without a speaker counts as
a speaker of its own. Turns keep their full text; only the model skips these.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator
from hashlib import blake2b

import numpy as np

_SEGMENT = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[」』）)]*|\n|$)")
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9〇零一二三四五六七八九十百千]+")
# Links and Latin words (handles, names of sites) change from one footer to the next.
_LINKS = re.compile(r"(?:https?://|www\.)[!-~]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
N_EXAMPLES = 10
MIN_DOCS_FACTOR = 4
BATCH_CHARS = 200_000  # text per digest task: worth sending to a worker


def segments(text: str) -> list[str]:
    """Sentences (and lines that end without a sentence end) of a text, in order."""
    return [m.group() for m in _SEGMENT.finditer(text) if m.group().strip()]


def normalize(segment: str) -> str:
    """The form segments are compared in: NFKC, no white space, every number one digit
    (so 午前十時五分散会 and 午後一時二十分散会 are one formula), every link one U and every
    Latin word one A (記事執筆:MAX Twitter @smaxjp and 記事執筆:S-MAX Twitter @memn0ck)."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", segment))
    return _DIGITS.sub("0", _LATIN.sub("A", _LINKS.sub("U", text)))


def exact(segment: str) -> str:
    """A segment as written, but for white space: near-duplicates differ in this form."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", segment))


def digest(key: str) -> int:
    """A segment's normalized form as 8 bytes (BLAKE2b): the same in every run, unlike
    Python's salted hash(), so a collision (about 1 in 10^12 pairs) cannot make two runs
    differ."""
    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest(), "little")


def segment_digests(segs: list[str]) -> list[int]:
    """digest(normalize(s)) of each segment, 0 for one whose normalized form is under two
    characters (too short to count)."""
    return [digest(key) if len(key := normalize(s)) >= 2 else 0 for s in segs]


def text_digests(texts: list[str]) -> tuple[array, array, array, array]:
    """What find_boilerplate counts, for some texts (a task a worker can run): each
    segment's digest in order, how many per text; each text's distinct digests (0 left
    out), how many per text."""
    ordered, sizes, keyed, n_keyed = array("Q"), array("I"), array("Q"), array("I")
    for text in texts:
        mine = segment_digests(segments(text))
        ordered.extend(mine)
        sizes.append(len(mine))
        distinct = set(mine)
        distinct.discard(0)
        keyed.extend(distinct)
        n_keyed.append(len(distinct))
    return ordered, sizes, keyed, n_keyed


class Boilerplate:
    """The recurring segments of a corpus, and how to take them out of a text.

    Counted from 8-byte digests, not from the segments' text: a corpus of 100M characters
    has millions of distinct sentences, and holding each as a string took more memory than
    the rest of tokenizing. The digests of every document's segments are kept in order
    (8 bytes each), so `strip_next`, taking the documents again in the same order, re-reads
    only the few documents that hold boilerplate; it also names what it drops (`keys`,
    `examples`), since only the texts can.
    """

    def __init__(self, found: dict[int, int], counted_in: str = "meetings",
                 doc_digests: array | None = None, doc_sizes: array | None = None):
        self.found = found  # digest -> meetings (or documents) it recurs in
        self.counted_in = counted_in
        self._digests, self._sizes = doc_digests, doc_sizes
        self._next = self._offset = 0
        self._named: dict[int, tuple[str, str]] = {}  # digest -> (normalized, first spelling)
        self._near: set[int] = set()  # digests dropped in more than one spelling

    @property
    def keys(self) -> frozenset[str]:
        """The normalized forms dropped so far (after every document: all that recur)."""
        return frozenset(key for key, _ in self._named.values())

    @property
    def n_keys(self) -> int:
        return len(self.found)

    @property
    def n_near(self) -> int:
        """Segments dropped so far in more than one spelling (a footer's changing handle,
        link or number): near-duplicates, found only by the placeholders of `normalize`."""
        return len(self._near)

    @property
    def near_examples(self) -> tuple[tuple[str, int], ...]:
        """The most recurring near-duplicates as first seen, with their count."""
        named = [(self._named[d][1], self.found[d]) for d in self._near]
        return tuple(sorted(named, key=lambda e: (-e[1], e[0]))[:N_EXAMPLES])

    @property
    def examples(self) -> tuple[tuple[str, int], ...]:
        """The most recurring segments as first seen, with their count."""
        named = [(spelling, self.found[d]) for d, (_, spelling) in self._named.items()]
        return tuple(sorted(named, key=lambda e: (-e[1], e[0]))[:N_EXAMPLES])

    def strip(self, text: str) -> tuple[str, int]:
        """The text without its boilerplate segments, and how many were dropped."""
        if not self.found:
            return text, 0
        return self._drop(text, segment_digests(segments(text)))

    def strip_next(self, text: str) -> tuple[str, int]:
        """strip() of the next document in the order find_boilerplate read them, from the
        digests it kept (no segment is normalized again)."""
        if not self.found:  # a corpus with boilerplate always has the digests kept
            return text, 0
        assert self._digests is not None and self._sizes is not None
        size = self._sizes[self._next]
        mine = self._digests[self._offset:self._offset + size]
        self._next += 1
        self._offset += size
        if not any(d in self.found for d in mine):
            return text, 0
        return self._drop(text, mine)

    def _drop(self, text: str, digests) -> tuple[str, int]:
        kept, dropped = [], 0
        for segment, d in zip(segments(text), digests, strict=True):
            if d in self.found:
                dropped += 1
                if d not in self._named:
                    self._named[d] = (normalize(segment), segment.strip())
                elif d not in self._near and exact(segment) != exact(self._named[d][1]):
                    self._near.add(d)
            else:
                kept.append(segment)
        return ("".join(kept), dropped) if dropped else (text, 0)


# The exception to both C901 and PLR0913 in this package, to be split with its counting.
def find_boilerplate(documents: Iterable[tuple[str, ...]], min_meetings: int,  # noqa: PLR0913
                     min_docs: int, map_: Callable[[Callable, Iterable], Iterator] = map,
                     batch_chars: int = BATCH_CHARS, min_speakers: int = 1) -> Boilerplate:
    """Segments recurring in at least min_meetings meetings of (meeting, text) or (meeting,
    speaker, text) documents, or, when the corpus has fewer meetings than that, in at least
    min_docs documents, and said by at least min_speakers speakers; min_meetings 0 = off.

    map_: how the texts' digests are computed (map, or an executor's map: workers), in
    batches of about batch_chars characters; results in input order.
    """
    if min_meetings == 0:
        return Boilerplate({})
    # Per segment (in order, for strip_next): its digest (0 for one too short to count);
    # per document, how many; per distinct segment of a document: digest and meeting number.
    ordered, sizes, keyed, n_keyed = array("Q"), array("I"), array("Q"), array("I")
    meetings: dict[str, int] = {}
    meeting_of_doc = array("I")
    # A speaker's number; a document without one is a speaker of its own: -(its number + 1).
    speakers: dict[str, int] = {}
    speaker_of_doc = array("q")

    def batches() -> Iterator[list[str]]:
        texts: list[str] = []
        size = 0
        for meeting, *speaker, text in documents:
            meeting_of_doc.append(meetings.setdefault(meeting, len(meetings)))
            who = speaker[0] if speaker else ""
            speaker_of_doc.append(speakers.setdefault(who, len(speakers)) if who
                                  else -len(speaker_of_doc) - 1)
            texts.append(text)
            size += len(text)
            if size >= batch_chars:
                yield texts
                texts, size = [], 0
        if texts:
            yield texts

    for part in map_(text_digests, batches()):
        for whole, more in zip((ordered, sizes, keyed, n_keyed), part, strict=True):
            whole.extend(more)
    n_docs = len(sizes)
    by_meetings = len(meetings) >= min_meetings
    if not by_meetings and n_docs < MIN_DOCS_FACTOR * min_docs:
        return Boilerplate({}, "documents")
    digests = np.frombuffer(keyed, dtype=np.uint64)
    per_digest = np.frombuffer(n_keyed, dtype=np.uint32)
    if by_meetings:  # distinct meetings per digest
        values, counts = _distinct_per_digest(digests, np.repeat(
            np.frombuffer(meeting_of_doc, dtype=np.uint32), per_digest))
        threshold = min_meetings
    else:  # documents per digest (each document's digests are distinct)
        values, counts = np.unique(digests, return_counts=True)
        threshold = min_docs
    hit = counts >= threshold
    if min_speakers > 1:  # distinct speakers per digest (the same digests, in the same order)
        _, n_speakers = _distinct_per_digest(digests, np.repeat(
            np.frombuffer(speaker_of_doc, dtype=np.int64), per_digest))
        hit &= n_speakers >= min_speakers
    found = dict(zip(values[hit].tolist(), counts[hit].tolist(), strict=True))
    return Boilerplate(found, "meetings" if by_meetings else "documents", ordered, sizes)


def _distinct_per_digest(digests: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """Each distinct digest (sorted) and how many distinct owners (meetings, speakers) it
    has: each (digest, owner) pair counted once, in sorts, not a Python loop."""
    order = np.lexsort((owners, digests))
    digests, owners = digests[order], owners[order]
    first = np.ones(len(digests), dtype=bool)
    first[1:] = (digests[1:] != digests[:-1]) | (owners[1:] != owners[:-1])
    return np.unique(digests[first], return_counts=True)
