"""Tests for pipeline/tokenize/corpus_compounds.py: the compound decision a block at a time."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.tokenize.compounds import terms_per_unit, word
from pipeline.tokenize.corpus_compounds import CompoundRule, decide_units


def run(*surfaces, starts=True):
    parts = tuple((s, s, s, True, starts, True) for s in surfaces)
    return ("".join(surfaces), "".join(surfaces), parts)


# A run cut by spans other blocks count, a name dropped, a kept phrase, unused units, and
# two spellings of one key (the most frequent shown).
UNITS = [run("経済", "特区", "制度"), word("特区", "特区"), run("経済", "特区"),
         run("中曽根", "議員"), run("産学", "連携"), word("こども", "子ども"),
         word("こども", "子供"), run("安全", "保障"), word("未使用", "未使用")]
COUNTS = [1, 4, 2, 3, 1, 2, 3, 0, 0]
RULE = CompoundRule(3, keep=frozenset({"産学連携"}), drop=frozenset({"中曽根"}))


def terms_of(units, counts, rule, block, in_memory):
    decided = decide_units(units, np.array(counts, dtype=np.int64), rule, block, in_memory)
    first = decided.first
    return [decided.shown[decided.flat[first[i] : first[i] + decided.n_terms[i]]].tolist()
            for i in range(len(units))]


@pytest.mark.parametrize("in_memory", [0, len(UNITS)])  # spans' counts on disk, or held
@pytest.mark.parametrize("block", [1, 2, 4, 1 << 15])
def test_blocks_decide_as_every_unit_at_once(block, in_memory):
    expected = terms_per_unit(UNITS, COUNTS, RULE.min_count, RULE.keep, RULE.drop)
    got = terms_of(UNITS, COUNTS, RULE, block, in_memory)
    # Units the corpus does not use get no terms; the others the in-memory decision's.
    assert got == [list(t) if n else [] for t, n in zip(expected, COUNTS, strict=True)]
    assert got[0] == ["経済特区", "制度"]  # 経済特区 counted in another block's run too
    assert got[3] == ["議員"] and got[4] == ["産学連携"]
    assert got[5] == got[6] == ["子供"]
    assert got[7] == got[8] == []


@pytest.mark.parametrize("in_memory", [0, 1])
def test_no_units(in_memory):
    decided = decide_units([], np.zeros(0, np.int64), CompoundRule(2), in_memory=in_memory)
    assert len(decided.n_terms) == len(decided.flat) == len(decided.shown) == 0
