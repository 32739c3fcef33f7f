"""One person, one speaker; two people, two speakers.

A label's name and its kind of role (resources/role_kinds_ja.tsv) identify a person: within
a meeting, a surname-only label is joined to the one full name that starts with it and fits
its kind of role; a surname written with two kinds of role anywhere in the corpus (岡田委員
in one meeting, 岡田中央卸売市場長 in another) is two speakers in every meeting, unless a
full name or ingest.aliases says otherwise. The corpus's decision is made from kind_titles
of every file (a first pass, pipeline/ingest/stream.py), a few counts per label.
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
    n_turns_merged: int = 0  # turns whose short name became a full name
    n_turns_split: int = 0  # turns whose name became a split one, 岡田（中央卸売市場長）


# (name, kind of role) -> the speaker a glued label of that name and kind becomes.
Splits = dict[tuple[str, str], str]
# name -> kind of role -> how often each title was written with it (glued labels only).
KindTitles = dict[str, dict[str, Counter]]


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


def unify_speakers(turns: list[Turn], keep: frozenset[str] = frozenset(),
                   splits: Splits | None = None) -> Unified:
    """Join surnames to full names within each meeting (join_surnames), then give each
    surname written with several kinds of role one speaker per kind (split_by_kind):
    by `splits`, the corpus's decision (decide_splits over every file's kind_titles), or,
    when None, by these turns alone. Names in `keep` (the targets of ingest.aliases) are
    left alone: the user has said who they are."""
    joined = join_surnames(turns, keep)
    if splits is None:
        splits = decide_splits(kind_titles(joined.turns, keep))
    out, split, n_split = split_by_kind(joined.turns, keep, splits)
    return replace(joined, turns=out, split=split, n_turns_split=n_split)


def join_surnames(turns: list[Turn], keep: frozenset[str] = frozenset()) -> Unified:
    """Within each meeting, a speaker named by surname only (盛山国務大臣) becomes the one
    full name that starts with it (国務大臣（盛山正仁君）) and was written with the same kind
    of role or none; a surname several full names fit (鈴木隼人, 鈴木庸介) is kept apart and
    named as ambiguous."""
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
    n_merged = sum(1 for t in turns if t.turn > 0
                   and (t.meeting, t.speaker, person_kind(t.role)) in mapping)
    return Unified(out, merged, ambiguous, {}, n_turns_merged=n_merged)


def kind_titles(turns: list[Turn], keep: frozenset[str] = frozenset()) -> KindTitles:
    """For each name written glued to its office (after join_surnames), the titles written
    with each kind of role: what decide_splits needs of a file, a few entries per label."""
    titles: KindTitles = {}
    for t in turns:
        if t.turn > 0 and t.speaker not in keep and glued(t) and (kind := person_kind(t.role)):
            titles.setdefault(t.speaker, {}).setdefault(kind, Counter())[t.role] += 1
    return titles


class KindTally:
    """kind_titles of every file added up, in file order (so a tie between two titles goes
    to the first written in the corpus)."""

    def __init__(self) -> None:
        self.titles: KindTitles = {}

    def add(self, titles: KindTitles) -> None:
        for name, by_kind in titles.items():
            for kind, counts in by_kind.items():
                self.titles.setdefault(name, {}).setdefault(kind, Counter()).update(counts)


def decide_splits(titles: KindTitles) -> Splits:
    """Names written with several kinds of role: one speaker per kind. The first-ranked
    kind (role_kinds_ja.tsv's order) keeps the name, each other kind gets its most written
    title, 岡田（中央卸売市場長） (a tie: the first written)."""
    ranks = kind_ranks()
    splits: Splits = {}
    for name, by_kind in titles.items():
        if len(by_kind) < 2:
            continue
        first, *others = sorted(by_kind, key=ranks.__getitem__)
        splits[(name, first)] = name
        for kind in others:
            splits[(name, kind)] = split_name(name, by_kind[kind].most_common(1)[0][0])
    return splits


def split_by_kind(turns: list[Turn], keep: frozenset[str],
                  splits: Splits) -> tuple[list[Turn], dict[str, tuple[str, ...]], int]:
    """Turns whose glued name and kind of role `splits` renames, renamed; the split names
    these turns hold, each with every speaker it became; and how many turns were renamed."""
    out, listed, n_renamed = [], set(), 0
    by_name: dict[str, set[str]] = {}
    for (name, _), speaker in splits.items():
        by_name.setdefault(name, set()).add(speaker)
    for t in turns:
        key = (t.speaker, person_kind(t.role))
        if t.turn > 0 and key in splits and t.speaker not in keep and glued(t):
            listed.add(t.speaker)
            if splits[key] != t.speaker:
                t = replace(t, speaker=splits[key])
                n_renamed += 1
        out.append(t)
    split = {name: tuple(sorted(by_name[name])) for name in sorted(listed)}
    return out, split, n_renamed


def count_labels(turns: list[Turn]) -> Counter:
    """How many distinct labels each speaker was written as."""
    labels: dict[str, set[str]] = {}
    for t in turns:
        if t.turn > 0:
            labels.setdefault(t.speaker, set()).add(t.speaker_label)
    return Counter({s: len(v) for s, v in labels.items()})
