"""One person, one speaker: a surname-only label joined to the one full name it starts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline.ingest.transcripts import Turn


@dataclass(frozen=True)
class Unified:
    """Turns with surname-only speakers joined to their full names, and what was done."""

    turns: list[Turn]
    merged: dict[str, str]  # short name -> full name
    ambiguous: dict[str, tuple[str, ...]]  # short name -> the full names it could be


@lru_cache(maxsize=65536)
def _surname(full: str) -> str:
    """The surname UniDic reads at the start of a full name (盛山正仁 -> 盛山), or ""."""
    from pipeline.ingest.speaker_labels import _tagger

    tokens = [w.surface for w in _tagger()(full)]
    return tokens[0] if len(tokens) > 1 else ""


def _candidates(short: str, names: set[str]) -> tuple[str, ...]:
    """Full names that `short` can stand for: 盛山 for 盛山正仁, 鈴木(隼) for 鈴木隼人."""
    surname, _, initial = short.partition("(")
    initial = initial.rstrip(")")
    out = []
    for full in names:
        if full == short or "(" in full or not full.startswith(surname + initial):
            continue
        if len(full) > len(surname) and _surname(full) == surname:
            out.append(full)
    return tuple(sorted(out))


def unify_speakers(turns: list[Turn], keep: frozenset[str] = frozenset()) -> Unified:
    """Within each meeting, a speaker named by surname only (盛山国務大臣) becomes the one
    full name that starts with it (国務大臣（盛山正仁君）); a surname shared by two full names
    (鈴木隼人, 鈴木庸介) is kept apart and named as ambiguous. Names in `keep` (the targets
    of ingest.aliases) are left alone: the user has said who they are."""
    by_meeting: dict[str, set[str]] = {}
    for t in turns:
        if t.turn > 0 and t.speaker:
            by_meeting.setdefault(t.meeting, set()).add(t.speaker)
    mapping: dict[tuple[str, str], str] = {}
    merged: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    for meeting, names in by_meeting.items():
        for short in names - keep:
            found = _candidates(short, names)
            if len(found) == 1:
                mapping[(meeting, short)] = merged[short] = found[0]
            elif len(found) > 1:
                ambiguous[short] = found
    if not mapping:
        return Unified(turns, merged, ambiguous)
    out = [replace(t, speaker=mapping[(t.meeting, t.speaker)])
           if (t.meeting, t.speaker) in mapping else t for t in turns]
    return Unified(out, merged, ambiguous)


def count_labels(turns: list[Turn]) -> Counter:
    """How many distinct labels each speaker was written as."""
    labels: dict[str, set[str]] = {}
    for t in turns:
        if t.turn > 0:
            labels.setdefault(t.speaker, set()).add(t.speaker_label)
    return Counter({s: len(v) for s, v in labels.items()})
