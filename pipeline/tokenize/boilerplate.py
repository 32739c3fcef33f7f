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
import tempfile
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
    (8 bytes each, in a temporary file), so `strip_next`, taking the documents again in the
    same order, re-reads only the few documents that hold boilerplate; it also names what it
    drops (`keys`, `examples`), since only the texts can.
    """

    def __init__(self, found: dict[int, int], counted_in: str = "meetings",
                 doc_digests: SpilledDigests | None = None, doc_sizes: array | None = None):
        self.found = found  # digest -> meetings (or documents) it recurs in
        self.counted_in = counted_in
        self._digests, self._sizes = doc_digests, doc_sizes
        self._next = 0
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
        mine = self._digests.read(size)
        self._next += 1
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


# The exception to PLR0913 in this package, to be split with its counting.
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
    owners = _Owners()
    counted = _DigestParts()
    for part in map_(text_digests, owners.batches(documents, batch_chars)):
        counted.add(part, owners)
    by_meetings = len(owners.meetings) >= min_meetings
    if not by_meetings and counted.n_docs < MIN_DOCS_FACTOR * min_docs:
        return Boilerplate({}, "documents")
    found: dict[int, int] = {}
    threshold = min_meetings if by_meetings else min_docs
    for digests, meetings, speakers in counted.partitions():
        if by_meetings:  # distinct meetings per digest
            values, counts = _distinct_per_digest(digests, meetings)
        else:  # documents per digest (each document's digests are distinct)
            values, counts = np.unique(digests, return_counts=True)
        hit = counts >= threshold
        if min_speakers > 1:  # distinct speakers per digest (the same digests, in order)
            hit &= _distinct_per_digest(digests, speakers)[1] >= min_speakers
        found.update(zip(values[hit].tolist(), counts[hit].tolist(), strict=True))
    return Boilerplate(found, "meetings" if by_meetings else "documents", counted.ordered,
                       counted.sizes)


class _Owners:
    """Each document's meeting and speaker as numbers, as the documents are read: a
    document without a speaker is a speaker of its own, -(its number + 1)."""

    def __init__(self) -> None:
        self.meetings: dict[str, int] = {}
        self.speakers: dict[str, int] = {}
        self.meeting_of_doc = array("I")
        self.speaker_of_doc = array("q")

    def batches(self, documents: Iterable[tuple[str, ...]], batch_chars: int
                ) -> Iterator[list[str]]:
        texts: list[str] = []
        size = 0
        for meeting, *speaker, text in documents:
            self.meeting_of_doc.append(self.meetings.setdefault(meeting, len(self.meetings)))
            who = speaker[0] if speaker else ""
            self.speaker_of_doc.append(self.speakers.setdefault(who, len(self.speakers)) if who
                                       else -len(self.speaker_of_doc) - 1)
            texts.append(text)
            size += len(text)
            if size >= batch_chars:
                yield texts
                texts, size = [], 0
        if texts:
            yield texts


PARTITION_BITS = 6  # 64 files of (digest, meeting, speaker), split by a digest's first bits
# Rows (20 bytes each) held before they go to the files: about 16M characters of minutes
# (a row per distinct sentence of a document, some 60 characters); a smaller corpus is
# counted in memory at once, as before.
SPILL_ROWS = 250_000


class _DigestParts:
    """The texts' digests as they come back: each segment's digest in order (for
    Boilerplate.strip_next, on disk), and each document's distinct digests with its meeting
    and speaker. Past SPILL_ROWS of those, they go to 2**PARTITION_BITS files by the digest's
    first bits, so that the counting holds one file's share at a time (a digest is in one
    file only: its counts are whole there); a smaller corpus is counted in memory at once."""

    def __init__(self) -> None:
        self.ordered = SpilledDigests()
        self.sizes = array("I")  # segments per document
        self.n_docs = 0
        self._held: list[np.ndarray] = []
        self._n_held = 0
        self._files: list = []

    def add(self, part: tuple[array, array, array, array], owners: _Owners) -> None:
        """One batch's text_digests, its documents the next ones of `owners`."""
        ordered, sizes, keyed, n_keyed = part
        self.ordered.extend(ordered)
        self.sizes.extend(sizes)
        docs = slice(self.n_docs, self.n_docs + len(sizes))
        self.n_docs += len(sizes)
        per_doc = np.frombuffer(n_keyed, dtype=np.uint32)
        rows = np.empty(int(per_doc.sum()), dtype=_ROW)
        rows["digest"] = np.frombuffer(keyed, dtype=np.uint64)
        # Sliced as arrays (copies): a pool's thread may be appending the next documents to
        # them, which a numpy view of their buffer would forbid.
        rows["meeting"] = np.repeat(np.frombuffer(owners.meeting_of_doc[docs], np.uint32),
                                    per_doc)
        rows["speaker"] = np.repeat(np.frombuffer(owners.speaker_of_doc[docs], np.int64),
                                    per_doc)
        self._held.append(rows)
        self._n_held += len(rows)
        if self._n_held > SPILL_ROWS:
            self._spill()

    def _spill(self) -> None:
        if not self._files:
            self._files = [tempfile.TemporaryFile() for _ in range(1 << PARTITION_BITS)]
        rows = np.concatenate(self._held) if self._held else np.empty(0, _ROW)
        self._held, self._n_held = [], 0
        which = (rows["digest"] >> np.uint64(64 - PARTITION_BITS)).astype(np.intp)
        order = np.argsort(which, kind="stable")
        bounds = np.searchsorted(which[order], np.arange(len(self._files) + 1))
        for k, handle in enumerate(self._files):
            if bounds[k + 1] > bounds[k]:
                handle.write(rows[order[bounds[k]:bounds[k + 1]]].tobytes())

    def partitions(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(digests, meetings, speakers) of all the rows at once, or of each file in turn;
        rows in the order they were added."""
        if not self._files:
            rows = np.concatenate(self._held) if self._held else np.empty(0, _ROW)
            self._held = []
            yield rows["digest"].copy(), rows["meeting"].copy(), rows["speaker"].copy()
            return
        self._spill()
        for handle in self._files:
            handle.seek(0)
            rows = np.frombuffer(handle.read(), dtype=_ROW)
            handle.close()
            yield rows["digest"].copy(), rows["meeting"].copy(), rows["speaker"].copy()


_ROW = np.dtype([("digest", np.uint64), ("meeting", np.uint32), ("speaker", np.int64)])


class SpilledDigests:
    """Every segment's digest, in order, in a temporary file: read back once, in order."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._reading = False

    def extend(self, digests: array) -> None:
        self._file.write(digests.tobytes())

    def read(self, n: int) -> array:
        """The next n digests."""
        if not self._reading:
            self._file.seek(0)
            self._reading = True
        out = array("Q")
        out.frombytes(self._file.read(8 * n))
        return out


def _distinct_per_digest(digests: np.ndarray, owners: np.ndarray) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """Each distinct digest (sorted) and how many distinct owners (meetings, speakers) it
    has: each (digest, owner) pair counted once, in sorts, not a Python loop."""
    order = np.lexsort((owners, digests))
    digests, owners = digests[order], owners[order]
    first = np.ones(len(digests), dtype=bool)
    first[1:] = (digests[1:] != digests[:-1]) | (owners[1:] != owners[:-1])
    return np.unique(digests[first], return_counts=True)
