"""Boilerplate: sentences and lines that recur nearly verbatim across meetings.

Minutes repeat their formulae in every sitting (御異議ないと認めます。, 本日はこれにて散会いたし
ます。, 午後零時五分散会), other text its footers and notices. Such a segment carries no subject,
yet its words would form topics of their own. It is found from the corpus itself: a segment
(a sentence, or a line without a sentence end) that recurs, compared with digits and white
space folded, in at least `min_meetings` meetings (in a corpus of fewer meetings than that,
in at least `min_docs` documents, once there are MIN_DOCS_FACTOR times that many: a handful
of documents cannot tell a formula from their subject). Turns keep their full text; only
the model skips these.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_SEGMENT = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[」』）)]*|\n|$)")
_SPACE = re.compile(r"\s+")
_DIGITS = re.compile(r"[0-9〇零一二三四五六七八九十百千]+")
N_EXAMPLES = 10
MIN_DOCS_FACTOR = 4


def segments(text: str) -> list[str]:
    """Sentences (and lines that end without a sentence end) of a text, in order."""
    return [m.group() for m in _SEGMENT.finditer(text) if m.group().strip()]


def normalize(segment: str) -> str:
    """The form segments are compared in: NFKC, no white space, every number one digit
    (so 午前十時五分散会 and 午後一時二十分散会 are one formula)."""
    text = _SPACE.sub("", unicodedata.normalize("NFKC", segment))
    return _DIGITS.sub("0", text)


@dataclass(frozen=True)
class Boilerplate:
    """The recurring segments of a corpus, and how to take them out of a text."""

    keys: frozenset[str]
    examples: tuple[tuple[str, int], ...] = ()  # (segment as first seen, meetings or documents)
    counted_in: str = "meetings"

    def strip(self, text: str) -> tuple[str, int]:
        """The text without its boilerplate segments, and how many were dropped."""
        if not self.keys:
            return text, 0
        kept, dropped = [], 0
        for segment in segments(text):
            if normalize(segment) in self.keys:
                dropped += 1
            else:
                kept.append(segment)
        return ("".join(kept), dropped) if dropped else (text, 0)


def find_boilerplate(documents: Iterable[tuple[str, str]], min_meetings: int,
                     min_docs: int) -> Boilerplate:
    """Segments recurring in at least min_meetings meetings of (meeting, text) documents, or,
    when the corpus has fewer meetings than that, in at least min_docs documents; 0 = off."""
    if min_meetings == 0:
        return Boilerplate(frozenset())
    # key -> [last meeting seen, meetings, documents, first spelling]; documents come grouped
    # by meeting, so counting changes of meeting counts distinct meetings.
    seen: dict[str, list] = {}
    meetings: set[str] = set()
    n_docs = 0
    for meeting, text in documents:
        meetings.add(meeting)
        n_docs += 1
        for segment in set(segments(text)):
            key = normalize(segment)
            if len(key) < 2:
                continue
            entry = seen.get(key)
            if entry is None:
                seen[key] = [meeting, 1, 1, segment.strip()]
            else:
                entry[2] += 1
                if entry[0] != meeting:
                    entry[0] = meeting
                    entry[1] += 1
    by_meetings = len(meetings) >= min_meetings
    if not by_meetings and n_docs < MIN_DOCS_FACTOR * min_docs:
        return Boilerplate(frozenset(), counted_in="documents")
    column, threshold = (1, min_meetings) if by_meetings else (2, min_docs)
    found = {k: e for k, e in seen.items() if e[column] >= threshold}
    examples = sorted(found.values(), key=lambda e: (-e[column], e[3]))[:N_EXAMPLES]
    return Boilerplate(frozenset(found), tuple((e[3], e[column]) for e in examples),
                       "meetings" if by_meetings else "documents")
