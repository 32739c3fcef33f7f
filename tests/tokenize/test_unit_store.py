"""Tests for pipeline/tokenize/unit_store.py: the corpus's units and spans' counts, in memory
up to a size and on disk past it."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pipeline.tokenize.compounds import UnitTable, word
from pipeline.tokenize.unit_store import HeldSpans, SpanCounts, UnitStore, encoded

A = ("安全", "安全", "あんぜん", True, True, False)
B = ("保障", "保障", "保障", False, False, True)
RUN = ("安全保障", "安全保障", (A, B))
UNITS = [RUN, word("特区", "特区"), word("こども", "子ども"), ("安全", "安全", (A,)), RUN]


# Units held in memory up to: none (all in the database), two (moved there in the middle of
# a batch), all of them.
LIMITS = [0, 2, None]


@pytest.mark.parametrize("limit", LIMITS)
@pytest.mark.parametrize("unit", UNITS)
def test_a_unit_comes_back_equal_with_the_same_types(unit, limit):
    store = UnitStore(limit)
    store.intern([unit])
    back = store.take(np.array([0]))[0]  # read from the database: nothing recent held
    assert back == unit and back == store[0]
    assert [type(x) for p in back[2] for x in p] == [type(x) for p in unit[2] for x in p]
    store.close()


def test_equal_units_are_spelled_alike_however_their_strings_are_shared():
    shared = "安全保障"
    alike = ("安全保障", "".join(["安全", "保障"]), (A, B))
    assert encoded((shared, shared, (A, B))) == encoded(alike)
    assert encoded(RUN) != encoded(("安全保障", "安全保障", (A, A)))


@pytest.mark.parametrize("limit", LIMITS)
def test_store_numbers_units_as_the_in_memory_table_does(limit):
    """First met, first numbered, across batches and within one; equal units (an unpickled
    copy included) share a number; the same whether they stay in memory or move to disk."""
    table, store = UnitTable(), UnitStore(limit)
    batches = [UNITS[:2], [pickle.loads(pickle.dumps(u)) for u in UNITS], [], UNITS[3:]]
    for batch in batches:
        assert store.intern(batch).tolist() == [table.intern(u) for u in batch]
    assert store.on_disk == (limit is not None)
    assert len(store) == len(table.units) == 4
    assert list(store) == table.units
    assert store[1:3] == table.units[1:3]
    assert store[-1] == table.units[-1]
    assert store.take(np.array([0, 3])) == [table.units[0], table.units[3]]
    with pytest.raises(IndexError):
        store[4]
    store.close()


@pytest.mark.parametrize("kind", [SpanCounts, HeldSpans])
def test_span_counts_add_up_over_blocks_and_answer_only_frequent_spans(kind):
    spans = kind()
    spans.add({"安全保障": 2, "経済特区": 1})
    spans.add({"安全保障": 1, "特区制度": 5})
    assert spans.at_least(["安全保障", "経済特区", "特区制度", "ない"], 3) == {
        "安全保障": 3, "特区制度": 5}
    assert spans.at_least(["経済特区"], 1) == {"経済特区": 1}
    assert spans.at_least([], 1) == {}
    spans.close()


def test_numbers_and_units_hold_past_the_recent_units(monkeypatch):
    """Units that left the in-memory recent ones are found in the database, unchanged."""
    import pipeline.tokenize.unit_store as unit_store

    monkeypatch.setattr(unit_store, "RECENT", 4)
    store = UnitStore(10)  # the first eleven moved to disk together, the rest one by one
    units = [word(f"語{i}", f"語{i}") for i in range(40)] + [RUN]
    first = store.intern(units).tolist()
    assert first == list(range(41)) and store.on_disk
    assert store.intern(units[::-1]).tolist() == first[::-1]
    assert store.take(np.arange(0, 41, 3)) == units[::3]
    assert store.take(np.arange(41)) == units
    store.close()
