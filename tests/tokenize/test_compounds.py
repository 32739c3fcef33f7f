"""Tests for pipeline/tokenize/compounds.py: which noun runs the corpus keeps whole."""

from __future__ import annotations

import pytest

from pipeline.tokenize.compounds import UnitTable, close_run, unit_terms, without, word


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
