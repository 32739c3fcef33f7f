"""Compounds decided by the corpus: a noun run stays whole only if the corpus repeats it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import accumulate, chain, repeat
from operator import itemgetter
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
    """Distinct units, each numbered in the order it was first met.

    `shared`: each unit is stored with its parts and their strings shared with every other
    unit's. For the corpus's table, whose units come unpickled from workers, each spelling
    every part afresh (about 640 bytes a unit, most of it copies of parts other units hold):
    it holds every distinct unit of the corpus. A worker's units already share their parts
    (one Morpheme per distinct tagger line)."""

    def __init__(self, shared: bool = False) -> None:
        self.units: list[Unit] = []
        self._index: dict[Unit, int] = {}
        # One object per distinct string and part (None: not shared).
        self._strings: dict[str, str] | None = {} if shared else None
        self._parts: dict[Part, Part] = {}

    def intern(self, unit: Unit) -> int:
        """The unit's number, added if new."""
        index = self._index.get(unit)
        if index is None:
            if self._strings is not None:
                unit = self._compact(unit, self._strings)
            index = self._index[unit] = len(self.units)
            self.units.append(unit)
        return index

    def _compact(self, unit: Unit, strings: dict[str, str]) -> Unit:
        """The same unit, its parts and their strings taken from those already held."""
        key, display, parts = unit
        held = []
        for part in parts:
            kept = self._parts.get(part)
            if kept is None:  # stored under itself: the incoming tuple is let go
                share = strings.setdefault
                kept = (share(part[SURFACE], part[SURFACE]), share(part[KEY], part[KEY]),
                        share(part[DISPLAY], part[DISPLAY]), part[ALONE], part[STARTS],
                        part[ENDS])
                self._parts[kept] = kept
            held.append(kept)
        return (key, key if display == key else display, tuple(held))


def word(key: str, display: str) -> Unit:
    """A single-word candidate term."""
    return (key, display, ())


_surface = itemgetter(SURFACE)


def _join(parts: Sequence[Part]) -> str:
    return "".join(map(_surface, parts))


# A run's surface, and where each part starts in it (then where the last ends): a span of
# parts is a slice of it, not a join (a corpus of news has 100k distinct runs).
Spelling = tuple[str, list[int]]


def _spelled(parts: Sequence[Part]) -> Spelling:
    """A run's Spelling."""
    surfaces = list(map(_surface, parts))
    return "".join(surfaces), list(accumulate(map(len, surfaces), initial=0))


def _subrun_texts(parts: Sequence[Part], spelling: Spelling) -> set[str]:
    """The texts of the spans of two or more parts that may start and end a compound."""
    whole, at = spelling
    n = len(parts)
    return {whole[at[i] : at[j + 1]] for i in range(n) if parts[i][STARTS]
            for j in range(i + 1, n) if parts[j][ENDS]}


def _cut_run(parts: tuple[Part, ...], counts: Mapping[str, int],
             min_count: int, spelling: Spelling) -> list[tuple[str, str]]:
    """Cut a run into its longest frequent sub-compounds, left to right; the rest as words."""
    whole, at = spelling
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


def _dropped_parts(parts: tuple[Part, ...], drop: frozenset[str],
                   spelling: Spelling) -> list[bool]:
    """Which parts belong to a dropped word: a part itself (a noun or suffix), or a span of
    parts that spells one (金子 + 道 + 仁 = 金子道仁 of 金子道仁議員)."""
    hit = [_breaks(p, drop) for p in parts]
    whole, at = spelling
    for i in range(len(parts)):
        for j in range(len(parts) - 1, i, -1):
            if parts[j][ENDS] and whole[at[i] : at[j + 1]] in drop:
                hit[i : j + 1] = [True] * (j + 1 - i)
                break
    return hit


# A dropped part after the last one: it closes the last run.
_LAST: Part = ("", "", "", False, False, False)


def without(unit: Unit, drop: frozenset[str],
            spelling: Spelling | None = None) -> tuple[Unit, ...]:
    """A unit with the words in `drop` taken out: a dropped word ends a noun run, as a
    stopword does when tokenizing (中曽根 + 議員 of 中曽根議員 stand apart). `spelling`:
    the unit's parts' Spelling, if known."""
    if _hit(unit, drop):
        return ()
    parts = unit[2]
    if not parts:
        return (unit,)
    hit = _dropped_parts(parts, drop, spelling or _spelled(parts))
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
    units = list(occurrences)
    final = terms_per_unit(units, list(occurrences.values()), compound_min_count,
                           keep_phrases, drop)
    return {unit: list(terms) for unit, terms in zip(units, final, strict=True)}


def terms_per_unit(units: Sequence[Unit], counts: Sequence[int], compound_min_count: int,
                   keep_phrases: frozenset[str] = frozenset(),
                   drop: frozenset[str] = frozenset()) -> list[tuple[str, ...]]:
    """unit_terms by position: the final terms of units[i], which occurs counts[i] times.

    Work per distinct unit, weighted by how often it occurs (units repeat a lot), and kept
    in lists by position: a Unit is a nested tuple, whose hash Python computes again at every
    dict lookup, and news-like text has 100k distinct units. Words in `drop` are taken out
    of each unit first; the pieces left count as often as their unit.

    Every unit in memory at once: the corpus's own decision (corpus_compounds) takes the
    same steps a block of units at a time, with the spans' counts on disk.
    """
    pieces, spellings, weights, sizes = split_pieces(units, counts, drop)
    span_counts = count_spans(pieces, spellings, weights)
    keyed = keyed_pieces(pieces, spellings, span_counts, compound_min_count, keep_phrases)
    del pieces, spellings, span_counts
    tally = TermTally()
    numbers = tally.add(keyed, weights)
    shown = tally.displays()
    terms = [tuple([shown[n] for n in mine]) for mine in numbers]
    if sizes is None:
        return terms
    out: list[tuple[str, ...]] = []
    at = 0
    for size in sizes:
        out.append(terms[at] if size == 1 else tuple(chain.from_iterable(terms[at : at + size])))
        at += size
    return out


def keyed_pieces(pieces: Sequence[Unit], spellings: Sequence[Spelling | None],
                 span_counts: Mapping[str, int], min_count: int,
                 keep_phrases: frozenset[str]) -> list[list[tuple[str, str]]]:
    """Each piece's terms as (key, display): a run cut by its spans' corpus counts (only
    those of `asked_texts` are read), a word or kept phrase as it is."""
    return [[(piece[0], piece[1])] if spelling is None or piece[0] in keep_phrases
            else _cut_run(piece[2], span_counts, min_count, spelling)
            for piece, spelling in zip(pieces, spellings, strict=True)]


def asked_texts(pieces: Sequence[Unit], spellings: Sequence[Spelling | None]) -> set[str]:
    """Every text whose corpus count keyed_pieces may read for these pieces."""
    asked: set[str] = set()
    for piece, spelling in zip(pieces, spellings, strict=True):
        if spelling is not None:
            asked.add(spelling[0])
            asked.update(_subrun_texts(piece[2], spelling))
    return asked


class TermTally:
    """Each term key met, numbered from 0 in the order met, with its spellings' counts: the
    most frequent spelling is shown; ties go to the earliest in sort order, for stable
    output. Most keys have one spelling: a dict is made only for those with more."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}
        self._first: list[str] = []  # each key's first spelling
        self._others: dict[int, dict[str, int]] = {}  # spellings, for keys with several
        self._weight: list[int] = []  # how often the first spelling was met

    def add(self, keyed: Sequence[Sequence[tuple[str, str]]],
            weights: Sequence[int]) -> list[list[int]]:
        """Count each piece's terms `weights[i]` times; their numbers, piece by piece."""
        numbers, first, weight, others = self.numbers, self._first, self._weight, self._others
        out = []
        for mine, n in zip(keyed, weights, strict=True):
            row = []
            for key, display in mine:
                number = numbers.get(key)
                if number is None:
                    number = numbers[key] = len(first)
                    first.append(display)
                    weight.append(n)
                elif number in others:
                    spellings = others[number]
                    spellings[display] = spellings.get(display, 0) + n
                elif display == first[number]:
                    weight[number] += n
                else:
                    others[number] = {first[number]: weight[number], display: n}
                row.append(number)
            out.append(row)
        return out

    def displays(self) -> list[str]:
        """Each number's shown spelling."""
        shown = list(self._first)
        for number, spellings in self._others.items():
            shown[number] = min(spellings.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        return shown


def split_pieces(units: Sequence[Unit], counts: Sequence[int], drop: frozenset[str]
            ) -> tuple[list[Unit], list[Spelling | None], list[int], list[int] | None]:
    """The pieces of the units once the words in `drop` are taken out, each with its
    Spelling (None for a word) and its unit's count, and how many pieces each unit left
    (None: no `drop`, each unit is its one piece)."""
    if not drop:
        return (list(units), [_spelled(unit[2]) if unit[2] else None for unit in units],
                list(counts), None)
    pieces: list[Unit] = []
    spellings: list[Spelling | None] = []
    weights: list[int] = []
    sizes: list[int] = []
    for unit, n in zip(units, counts, strict=True):
        # A word's own check first (as `without` checks it: by its display form, unit[1]):
        # most units are words that no name touches.
        if unit[1] in drop:
            mine: tuple[Unit, ...] = ()
        elif not unit[2]:
            mine = (unit,)
            spellings.append(None)
        else:
            spelling = _spelled(unit[2])
            mine = without(unit, drop, spelling)
            # Most runs lose nothing: their spelling is known already.
            spellings.extend((spelling,) if len(mine) == 1 and mine[0] is unit
                             else (_spelled(p[2]) if p[2] else None for p in mine))
        pieces.extend(mine)
        weights.extend(repeat(n, len(mine)))
        sizes.append(len(mine))
    return pieces, spellings, weights, sizes


def count_spans(pieces: Sequence[Unit], spellings: Sequence[Spelling | None],
                 weights: Sequence[int], into: dict[str, int] | None = None) -> dict[str, int]:
    """How often the corpus has each span of a run that may be a compound (counted over
    every run it is a span of); added to `into`'s counts (which it returns) if given."""
    counts: dict[str, int] = {} if into is None else into
    for piece, spelling, n in zip(pieces, spellings, weights, strict=True):
        if spelling is not None:
            for sub in _subrun_texts(piece[2], spelling):
                counts[sub] = counts.get(sub, 0) + n
    return counts
