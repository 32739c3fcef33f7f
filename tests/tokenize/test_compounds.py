"""Tests for pipeline/tokenize/compounds.py: which noun runs the corpus keeps whole."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from _fuzz import n_examples
from hypothesis import given
from hypothesis import settings as examples
from hypothesis import strategies as st

from pipeline.tokenize.compounds import (
    UnitTable,
    close_run,
    terms_per_unit,
    unit_terms,
    without,
    word,
)
from pipeline.tokenize.corpus_compounds import CompoundRule, decide_units


def part(surface, alone=True, starts=True, ends=True, key=None):
    """One morpheme of a noun run (key and display = surface unless given)."""
    return (surface, key or surface, surface, alone, starts, ends)


def run(*surfaces):
    """A compound candidate of plain nouns."""
    parts = tuple(part(s) for s in surfaces)
    return ("".join(surfaces), "".join(surfaces), parts)


@pytest.mark.parametrize(
    ("occurrences", "min_count", "expected"),
    [
        # Repeated often enough: one term.
        ({run("安全", "保障"): 3}, 3, {run("安全", "保障"): ["安全保障"]}),
        # Too rare: cut into its words.
        ({run("安全", "保障"): 2}, 3, {run("安全", "保障"): ["安全", "保障"]}),
        # A rare run keeps its frequent sub-compound (counted in other runs too), the rest
        # as words.
        ({run("経済", "特区", "制度"): 1, run("経済", "特区"): 2}, 3,
         {run("経済", "特区", "制度"): ["経済特区", "制度"], run("経済", "特区"): ["経済特区"]}),
        # A lone kanji cut from a rare compound is a fragment, not a term.
        ({run("産", "学", "官", "連携"): 1}, 2, {run("産", "学", "官", "連携"): ["連携"]}),
        # Single words pass through.
        ({word("特区", "特区"): 1}, 5, {word("特区", "特区"): ["特区"]}),
    ],
)
def test_unit_terms_keep_what_the_corpus_repeats(occurrences, min_count, expected):
    assert unit_terms(occurrences, min_count) == expected


def test_keep_phrases_stay_whole_however_rare():
    unit = run("産学官", "連携")
    assert unit_terms({unit: 1}, 5) == {unit: ["産学官", "連携"]}
    assert unit_terms({unit: 1}, 5, keep_phrases=frozenset({"産学官連携"})) == {
        unit: ["産学官連携"]}


def test_a_run_that_cannot_start_or_end_is_not_whole():
    # A run of a suffix then a prefix can neither start nor end a compound.
    unit = ("圏新", "圏新", (part("圏", starts=False), part("新", ends=False)))
    assert unit_terms({unit: 10}, 2) == {unit: []}  # both one-kanji fragments


def test_the_most_frequent_spelling_wins_and_ties_go_to_sort_order():
    a, b = ("こども", "子供", ()), ("こども", "子ども", ())
    assert unit_terms({a: 3, b: 2}, 1) == {a: ["子供"], b: ["子供"]}
    assert unit_terms({a: 2, b: 2}, 1) == {a: ["子ども"], b: ["子ども"]}  # "子ど" < "子供"


@pytest.mark.parametrize(
    ("unit", "drop", "expected"),
    [
        (run("中曽根", "議員"), {"中曽根"}, [word("議員", "議員")]),
        (run("金子", "道", "仁", "議員"), {"金子道仁"}, [word("議員", "議員")]),
        (run("安全", "保障"), {"岸"}, [run("安全", "保障")]),
        (word("岸", "岸"), {"岸"}, []),
        (run("岸", "経済", "特区"), {"岸"}, [run("経済", "特区")]),
    ],
)
def test_without_takes_dropped_words_out_of_a_run(unit, drop, expected):
    assert list(without(unit, frozenset(drop))) == expected


def test_dropped_names_never_become_terms_or_parts_of_one():
    unit = run("中曽根", "議員")
    assert unit_terms({unit: 5}, 1, drop=frozenset({"中曽根"})) == {unit: ["議員"]}
    assert unit_terms({unit: 5}, 1) == {unit: ["中曽根議員"]}


def test_close_run_without_a_start_gives_the_standalone_words():
    parts = (part("的", starts=False, ends=False), part("制度", starts=False, ends=False),
             part("々", alone=False, starts=False, ends=False))
    assert close_run(parts) == (word("的", "的"), word("制度", "制度"))
    whole = (part("安全"), part("保障"))
    assert close_run(whole) == (("安全保障", "安全保障", whole),)


def test_unit_table_numbers_units_in_first_seen_order():
    table = UnitTable()
    a, b = word("a", "a"), word("b", "b")
    assert [table.intern(u) for u in (a, b, a, b, a)] == [0, 1, 0, 1, 0]
    assert table.units == [a, b]


# The rule stated plainly, one unit at a time with Counters and joins: what unit_terms (which
# works by position, with each run spelled once) must give on any input.
def plain_cut(parts, counts, min_count):
    """A run cut into its longest frequent sub-compounds, left to right; the rest as words."""
    text = lambda i, j: "".join(p[0] for p in parts[i : j + 1])  # noqa: E731
    n = len(parts)
    if counts[text(0, n - 1)] >= min_count and parts[0][4] and parts[-1][5]:
        return [(text(0, n - 1),) * 2]
    out, i = [], 0
    while i < n:
        ends = [j for j in range(i + 1, n) if parts[i][4] and parts[j][5] and j - i + 1 < n
                and counts[text(i, j)] >= min_count]
        if ends:
            out.append((text(i, max(ends)),) * 2)
            i = max(ends) + 1
            continue
        if parts[i][3] and len(parts[i][2]) > 1:
            out.append((parts[i][1], parts[i][2]))
        i += 1
    return out


def plain_unit_terms(occurrences, min_count, keep=frozenset(), drop=frozenset()):
    if drop:
        pieces = {u: () if u[1] in drop else (u,) if not u[2] else without(u, drop)
                  for u in occurrences}
        kept = Counter()
        for unit, n in occurrences.items():
            for piece in pieces[unit]:
                kept[piece] += n
        final = plain_unit_terms(kept, min_count, keep)
        return {u: [t for piece in pieces[u] for t in final[piece]] for u in occurrences}
    counts = Counter()
    for (_, _, parts), n in occurrences.items():
        spans = {"".join(p[0] for p in parts[i : j + 1]) for i in range(len(parts))
                 for j in range(i + 1, len(parts)) if parts[i][4] and parts[j][5]}
        counts.update(dict.fromkeys(spans, n))
    keyed = {u: [(u[0], u[1])] if not u[2] or u[0] in keep else plain_cut(u[2], counts,
                                                                         min_count)
             for u in occurrences}
    shown = {}
    for unit, n in occurrences.items():
        for key, display in keyed[unit]:
            shown.setdefault(key, Counter())[display] += n
    best = {k: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for k, c in shown.items()}
    return {u: [best[k] for k, _ in keyed[u]] for u in occurrences}


SURFACES = ["安全", "保障", "経済", "特区", "制度", "中曽根", "議員", "産", "学", "官", "連携"]
parts_ = st.builds(lambda s, key, flags: (s, key or s, s, *flags), st.sampled_from(SURFACES),
                   st.sampled_from([None, "あんぜん", "保障"]), st.tuples(*[st.booleans()] * 3))
units_ = st.one_of(
    st.builds(lambda k, d: word(k, d), st.sampled_from(SURFACES), st.sampled_from(SURFACES)),
    st.lists(parts_, min_size=2, max_size=5).map(
        lambda ps: ("".join(p[0] for p in ps), "".join(p[0] for p in ps), tuple(ps))),
)


@examples(max_examples=n_examples(400), deadline=None)
@given(occurrences=st.dictionaries(units_, st.integers(1, 6), max_size=12),
       min_count=st.integers(1, 5),
       keep=st.frozensets(st.sampled_from(["安全保障", "経済特区制度", "中曽根議員"])),
       drop=st.frozensets(st.sampled_from([*SURFACES, "中曽根議員", "学官", "あんぜん"]),
                          max_size=3))
def test_unit_terms_follow_the_plain_rule(occurrences, min_count, keep, drop):
    expected = plain_unit_terms(occurrences, min_count, keep, drop)
    assert unit_terms(occurrences, min_count, keep, drop) == expected
    units = list(occurrences)
    by_position = terms_per_unit(units, list(occurrences.values()), min_count, keep, drop)
    assert [list(t) for t in by_position] == [expected[u] for u in units]
    # The corpus's own decision, a block of units at a time with the spans' counts on disk.
    counts = np.array(list(occurrences.values()), dtype=np.int64)
    for block, in_memory in ((1, 0), (3, 0), (64, 0), (3, 64)):
        decided = decide_units(units, counts, CompoundRule(min_count, keep, drop), block,
                               in_memory)
        first = decided.first
        assert [decided.shown[decided.flat[first[i] : first[i] + decided.n_terms[i]]].tolist()
                for i in range(len(units))] == [expected[u] for u in units]


def test_shared_table_numbers_as_plain_and_shares_parts() -> None:
    """UnitTable(shared=True): the same numbers and equal units as a plain table, each
    distinct part held once however many units (and unpickled copies) spell it."""
    import pickle

    from pipeline.tokenize.compounds import UnitTable

    a = ("安全", "安全", "安全", True, True, True)
    b = ("保障", "保障", "保障", True, True, True)
    c = ("政策", "政策", "政策", True, True, True)
    units = [("安全保障", "安全保障", (a, b)), ("安全政策", "安全政策", (a, c)),
             ("安全", "安全", ()), ("安全保障", "安全保障", (a, b))]
    plain, shared = UnitTable(), UnitTable(shared=True)
    # Each unit comes as a worker's would: its own copies of every part.
    numbers = [(plain.intern(u), shared.intern(pickle.loads(pickle.dumps(u)))) for u in units]
    assert [p for p, _ in numbers] == [s for _, s in numbers] == [0, 1, 2, 0]
    assert shared.units == plain.units
    assert shared.units[0][2][0] is shared.units[1][2][0]  # 安全, held once
    assert shared.units[0][0] is shared.units[0][1]  # key and display, one string
