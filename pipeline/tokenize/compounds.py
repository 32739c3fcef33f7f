"""Compounds decided by the corpus: a noun run stays whole only if the corpus repeats it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

# Plain tuples, not dataclasses: millions of them cross process boundaries when tokenizing in
# parallel, and unpickling a tuple is ten times cheaper than rebuilding an object.
#   Part: (surface, key, display, alone, starts, ends): one morpheme of a noun run; `alone`:
#         kept as a term on its own; `starts`/`ends`: may start (noun, prefix, adjectival noun
#         like サイバー) or end (noun, nominal suffix like 圏) a compound.
#   Unit: (key, display, parts): a candidate term; parts is () for a single word.
Part = tuple[str, str, str, bool, bool, bool]
Unit = tuple[str, str, tuple[Part, ...]]
# Final ints, so that a type checker knows part[ALONE] is a bool and part[KEY] a str.
SURFACE: Final = 0
KEY: Final = 1
DISPLAY: Final = 2
ALONE: Final = 3
STARTS: Final = 4
ENDS: Final = 5


class UnitTable:
    """Distinct units, each numbered in the order it was first met."""

    def __init__(self) -> None:
        self.units: list[Unit] = []
        self._index: dict[Unit, int] = {}

    def intern(self, unit: Unit) -> int:
        """The unit's number, added if new."""
        index = self._index.get(unit)
        if index is None:
            index = self._index[unit] = len(self.units)
            self.units.append(unit)
        return index


def word(key: str, display: str) -> Unit:
    """A single-word candidate term."""
    return (key, display, ())


def _join(parts: Sequence[Part]) -> str:
    return "".join(p[SURFACE] for p in parts)


def _spelled(parts: Sequence[Part]) -> tuple[str, list[int]]:
    """A run's surface, and where each part starts in it (then where the last ends): a
    span of parts is a slice of it, not a join (a corpus of news has 100k distinct runs)."""
    offsets = [0]
    for p in parts:
        offsets.append(offsets[-1] + len(p[SURFACE]))
    return _join(parts), offsets


def _subrun_texts(parts: Sequence[Part]) -> set[str]:
    """The texts of the spans of two or more parts that may start and end a compound."""
    whole, at = _spelled(parts)
    n = len(parts)
    return {whole[at[i] : at[j + 1]] for i in range(n) if parts[i][STARTS]
            for j in range(i + 1, n) if parts[j][ENDS]}


def _cut_run(parts: tuple[Part, ...], counts: Mapping[str, int],
             min_count: int) -> list[tuple[str, str]]:
    """Cut a run into its longest frequent sub-compounds, left to right; the rest as words."""
    whole, at = _spelled(parts)
    if counts.get(whole, 0) >= min_count and parts[0][STARTS] and parts[-1][ENDS]:
        return [(whole, whole)]
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(parts):
        best = None
        if parts[i][STARTS]:
            for j in range(len(parts) - 1, i, -1):
                if (j - i + 1) < len(parts) and parts[j][ENDS] \
                        and counts.get(whole[at[i] : at[j + 1]], 0) >= min_count:
                    best = j
                    break
        if best is None:
            # A lone kanji cut from a compound (産 of 産学官連携) is a fragment, not a term.
            if parts[i][ALONE] and len(parts[i][DISPLAY]) > 1:
                out.append((parts[i][KEY], parts[i][DISPLAY]))
            i += 1
        else:
            text = whole[at[i] : at[best + 1]]
            out.append((text, text))
            i = best + 1
    return out


def close_run(run: tuple[Part, ...]) -> tuple[Unit, ...]:
    """A run of two or more parts: one compound candidate, or its standalone words."""
    if any(p[STARTS] for p in run) and any(p[ENDS] for p in run):
        whole = _join(run)
        return ((whole, whole, run),)
    return tuple(word(p[KEY], p[DISPLAY]) for p in run if p[ALONE])


def _hit(unit: Unit, drop: frozenset[str]) -> bool:
    return unit[KEY] in drop or unit[DISPLAY] in drop


def _breaks(part: Part, drop: frozenset[str]) -> bool:
    # As when tokenizing, only a noun or suffix ends a run; a prefix (原-) stays joined.
    return part[ENDS] and (part[KEY] in drop or part[DISPLAY] in drop)


def _dropped_parts(parts: tuple[Part, ...], drop: frozenset[str]) -> list[bool]:
    """Which parts belong to a dropped word: a part itself (a noun or suffix), or a span of
    parts that spells one (金子 + 道 + 仁 = 金子道仁 of 金子道仁議員)."""
    hit = [_breaks(p, drop) for p in parts]
    whole, at = _spelled(parts)
    for i in range(len(parts)):
        for j in range(len(parts) - 1, i, -1):
            if parts[j][ENDS] and whole[at[i] : at[j + 1]] in drop:
                hit[i : j + 1] = [True] * (j + 1 - i)
                break
    return hit


# A dropped part after the last one: it closes the last run.
_LAST: Part = ("", "", "", False, False, False)


def without(unit: Unit, drop: frozenset[str]) -> tuple[Unit, ...]:
    """A unit with the words in `drop` taken out: a dropped word ends a noun run, as a
    stopword does when tokenizing (中曽根 + 議員 of 中曽根議員 stand apart)."""
    if _hit(unit, drop):
        return ()
    parts = unit[2]
    if not parts:
        return (unit,)
    hit = _dropped_parts(parts, drop)
    if not any(hit):
        return (unit,)
    out: list[Unit] = []
    run: list[Part] = []
    for part, dropped in (*zip(parts, hit, strict=True), (_LAST, True)):
        if not dropped:
            run.append(part)
            continue
        if len(run) == 1 and run[0][ALONE]:
            out.append(word(run[0][KEY], run[0][DISPLAY]))
        elif len(run) > 1:
            out.extend(close_run(tuple(run)))
        run = []
    return tuple(out)


def unit_terms(
    occurrences: Mapping[Unit, int],
    compound_min_count: int,
    keep_phrases: frozenset[str] = frozenset(),
    drop: frozenset[str] = frozenset(),
) -> dict[Unit, list[str]]:
    """The final terms each distinct unit becomes, given how often each occurs in the corpus;
    words in `drop` (speaker names) never become terms or parts of one."""
    if drop:
        return _terms_without(occurrences, compound_min_count, keep_phrases, drop)
    # Work per distinct unit, weighted by how often it occurs: units repeat a lot. Plain
    # dicts and one loop per step: news-like text has 100k distinct units, each a few
    # steps, and a Counter's missing key costs a Python call.
    counts: dict[str, int] = {}
    for (_, _, parts), n in occurrences.items():
        if parts:
            for sub in _subrun_texts(parts):
                counts[sub] = counts.get(sub, 0) + n
    pairs: dict[Unit, list[tuple[str, str]]] = {}
    shown: dict[str, dict[str, int]] = {}
    for unit, n in occurrences.items():
        keyed = pairs[unit] = ([(unit[0], unit[1])] if not unit[2] or unit[0] in keep_phrases
                               else _cut_run(unit[2], counts, compound_min_count))
        for key, display in keyed:
            spellings = shown.get(key)
            if spellings is None:
                shown[key] = {display: n}
            else:
                spellings[display] = spellings.get(display, 0) + n
    # Most frequent spelling wins; ties go to the earliest in sort order, for stable output.
    best = {k: next(iter(c)) if len(c) == 1 else min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0]
            for k, c in shown.items()}
    return {unit: [best[key] for key, _ in keyed] for unit, keyed in pairs.items()}


def _terms_without(occurrences: Mapping[Unit, int], compound_min_count: int,
                   keep_phrases: frozenset[str], drop: frozenset[str]) -> dict[Unit, list[str]]:
    """unit_terms with the words in `drop` taken out of the units first."""
    pieces: dict[Unit, tuple[Unit, ...]] = {}
    kept: dict[Unit, int] = {}
    for unit, n in occurrences.items():
        # A word's own check first (as `without` checks it: by its display form, unit[1]):
        # most units are words that no name touches.
        mine = pieces[unit] = (() if unit[1] in drop
                               else (unit,) if not unit[2] else without(unit, drop))
        for piece in mine:
            kept[piece] = kept.get(piece, 0) + n
    final = unit_terms(kept, compound_min_count, keep_phrases)
    # Most units lose nothing: their terms are their own (a copy, as for the others).
    return {unit: final[unit][:] if mine == (unit,)
            else [t for piece in mine for t in final[piece]]
            for unit, mine in pieces.items()}
