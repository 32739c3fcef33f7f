"""Tests for pipeline/tokenize/unit_store.py: the corpus's units and spans' counts on disk."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pipeline.tokenize.compounds import UnitTable, word
from pipeline.tokenize.unit_store import SpanCounts, UnitStore, decoded, encoded

A = ("安全", "安全", "あんぜん", True, True, False)
B = ("保障", "保障", "保障", False, False, True)
RUN = ("安全保障", "安全保障", (A, B))
UNITS = [RUN, word("特区", "特区"), word("こども", "子ども"), ("安全", "安全", (A,)), RUN]


@pytest.mark.parametrize("unit", UNITS)
def test_a_unit_comes_back_equal_with_the_same_types(unit):
    back = decoded(encoded(unit))
    assert back == unit
    assert [type(x) for p in back[2] for x in p] == [type(x) for p in unit[2] for x in p]


def test_store_numbers_units_as_the_in_memory_table_does():
    """First met, first numbered, across batches and within one; equal units (an unpickled
    copy included) share a number."""
    table, store = UnitTable(), UnitStore()
    batches = [UNITS[:2], [pickle.loads(pickle.dumps(u)) for u in UNITS], [], UNITS[3:]]
    for batch in batches:
        assert store.intern(batch).tolist() == [table.intern(u) for u in batch]
    assert len(store) == len(table.units) == 4
    assert list(store) == table.units
    assert store[1:3] == table.units[1:3]
    assert store[-1] == table.units[-1]
    assert store.take(np.array([0, 3])) == [table.units[0], table.units[3]]
    with pytest.raises(IndexError):
        store[4]
    store.close()


def test_span_counts_add_up_over_blocks_and_answer_only_frequent_spans():
    spans = SpanCounts()
    spans.add({"安全保障": 2, "経済特区": 1})
    spans.add({"安全保障": 1, "特区制度": 5})
    assert spans.at_least(["安全保障", "経済特区", "特区制度", "ない"], 3) == {
        "安全保障": 3, "特区制度": 5}
    assert spans.at_least(["経済特区"], 1) == {"経済特区": 1}
    assert spans.at_least([], 1) == {}
    spans.close()
