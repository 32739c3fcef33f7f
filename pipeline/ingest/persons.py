"""One person, one speaker; two people, two speakers.

A label's name and its kind of role (resources/role_kinds_ja.tsv) identify a person: within
a meeting, a surname-only label is joined to the one full name that starts with it and fits
its kind of role, and a surname written with two kinds of role (岡田委員 and
岡田中央卸売市場長) is two speakers, unless a full name or ingest.aliases says otherwise.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline.ingest.role_kinds import kind_ranks, person_kind
from pipeline.ingest.transcripts import Turn


@dataclass(frozen=True)
class Unified:
    """Turns with surname-only speakers joined to their full names or split by kind of
    role, and what was done."""

    turns: list[Turn]
    merged: dict[str, str]  # short name -> full name
    ambiguous: dict[str, tuple[str, ...]]  # short name -> the full names it could be
    split: dict[str, tuple[str, ...]]  # short name -> the speakers it became


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


def glued(t: Turn) -> bool:
    """Whether the label runs the name and the office together (岡田委員, 盛山国務大臣): how
    minutes write a surname, so the name alone does not tell the person. A table's name
    column (田野瀬太道 beside the tag 田野瀬委員長) and 役職（氏名君） labels are full names."""
    label = t.speaker_label.replace(" ", "")
    return bool(t.role) and label.startswith(t.speaker) \
        and t.role.replace(" ", "") in label[len(t.speaker):]


def _fits(kind: str, kinds: set[str]) -> bool:
    """A short name of this kind of role can be a full name written with `kinds`."""
    return not kind or "" in kinds or kind in kinds


def split_name(name: str, title: str) -> str:
    """The speaker a split person becomes: 岡田（中央卸売市場長） (full-width brackets, which
    NFKC'd labels never hold, so the name cannot be a label's)."""
    return f"{name}（{title}）"


def unify_speakers(turns: list[Turn], keep: frozenset[str] = frozenset()) -> Unified:
    """Within each meeting, a speaker named by surname only (盛山国務大臣) becomes the one
    full name that starts with it (国務大臣（盛山正仁君）) and was written with the same kind
    of role or none; a surname several full names fit (鈴木隼人, 鈴木庸介) is kept apart and
    named as ambiguous. A surname left that is written with several kinds of role (岡田委員,
    岡田中央卸売市場長) becomes one speaker per kind: the first-ranked kind keeps the name,
    the others get their (most used) title, 岡田（中央卸売市場長）. Names in `keep` (the
    targets of ingest.aliases) are left alone: the user has said who they are."""
    kinds: dict[tuple[str, str], set[str]] = {}  # (meeting, speaker) -> kinds of role
    for t in turns:
        if t.turn > 0 and t.speaker:
            kinds.setdefault((t.meeting, t.speaker), set()).add(person_kind(t.role))
    by_meeting: dict[str, set[str]] = {}
    for meeting, speaker in kinds:
        by_meeting.setdefault(meeting, set()).add(speaker)
    mapping: dict[tuple[str, str, str], str] = {}  # (meeting, speaker, kind) -> full name
    merged: dict[str, str] = {}
    ambiguous: dict[str, tuple[str, ...]] = {}
    for meeting, names in by_meeting.items():
        for short in names - keep:
            found = _candidates(short, names)
            for kind in sorted(kinds[(meeting, short)]) if found else ():
                fits = tuple(f for f in found if _fits(kind, kinds[(meeting, f)]))
                if len(fits) == 1:
                    mapping[(meeting, short, kind)] = merged[short] = fits[0]
                elif fits:
                    ambiguous[short] = fits
    out = [replace(t, speaker=mapping[key]) if (key := (t.meeting, t.speaker,
                                                          person_kind(t.role))) in mapping
           else t for t in turns]
    out, split = _split_by_kind(out, keep)
    return Unified(out, merged, ambiguous, split)


def _split_by_kind(turns: list[Turn], keep: frozenset[str]) -> tuple[list[Turn],
                                                                       dict[str, tuple]]:
    """Surname-only speakers written with several kinds of role in a meeting, one speaker
    per kind (see unify_speakers)."""
    titles: dict[tuple[str, str], dict[str, Counter]] = {}  # (meeting, name) -> kind -> titles
    for t in turns:
        if t.turn > 0 and t.speaker not in keep and glued(t) and (kind := person_kind(t.role)):
            titles.setdefault((t.meeting, t.speaker), {}).setdefault(kind, Counter())[
                t.role] += 1
    ranks = kind_ranks()
    renamed: dict[tuple[str, str, str], str] = {}
    split: dict[str, set[str]] = {}
    for (meeting, name), by_kind in titles.items():
        if len(by_kind) < 2:
            continue
        first, *others = sorted(by_kind, key=ranks.__getitem__)
        split.setdefault(name, set()).add(name)
        for kind in others:
            # The most used title; a tie goes to the first written (Counter keeps order).
            title = by_kind[kind].most_common(1)[0][0]
            renamed[(meeting, name, kind)] = split_name(name, title)
            split[name].add(renamed[(meeting, name, kind)])
    if not renamed:
        return turns, {}
    out = [replace(t, speaker=renamed[key]) if glued(t) and (
        key := (t.meeting, t.speaker, person_kind(t.role))) in renamed else t for t in turns]
    return out, {name: tuple(sorted(v)) for name, v in split.items()}


def count_labels(turns: list[Turn]) -> Counter:
    """How many distinct labels each speaker was written as."""
    labels: dict[str, set[str]] = {}
    for t in turns:
        if t.turn > 0:
            labels.setdefault(t.speaker, set()).add(t.speaker_label)
    return Counter({s: len(v) for s, v in labels.items()})
