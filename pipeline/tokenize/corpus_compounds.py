"""The corpus-wide compound decision a block of units at a time, in bounded memory.

compounds.terms_per_unit decides every distinct unit at once, with every unit, piece and
span in memory: at the whole Diet record's size (millions of distinct noun runs) that was
the tokenize stage's growing peak. Here the same steps run in two passes over the units,
each a block at a time: the first adds each block's spans' counts into a table on disk
(unit_store.SpanCounts); the second cuts each block's runs with the counts of the spans it
asks about, and keeps only numbers: each unit's terms as term numbers, each term number's
shown spelling. What stays in memory grows with the kept terms' vocabulary (TermTally) and
by a few bytes a unit (numpy arrays), not with the units themselves.
"""

from __future__ import annotations

import pickle
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import IO

import numpy as np

from pipeline.tokenize import unit_store
from pipeline.tokenize.compounds import (
    Spelling,
    TermTally,
    Unit,
    asked_texts,
    count_spans,
    keyed_pieces,
    split_pieces,
)
from pipeline.tokenize.unit_store import HeldSpans, SpanCounts

# A block's pieces: the pieces, their Spellings, their counts, how many each unit left.
Split = tuple[list[Unit], list[Spelling | None], list[int], list[int] | None]
BLOCK_UNITS = 1 << 13  # distinct units decided at a time: what is made per block is let go,
# but Python keeps the memory of the largest block for the rest of the run


@dataclass(frozen=True)
class CompoundRule:
    """What decides a run's cut: how often a compound must recur, the phrases kept whole
    however rare, the words taken out first (speaker names)."""

    min_count: int
    keep: frozenset[str] = frozenset()
    drop: frozenset[str] = frozenset()


@dataclass(frozen=True)
class UnitTerms:
    """Each unit's final terms as numbers: unit i's are shown[flat[first[i] : first[i] +
    n_terms[i]]]."""

    n_terms: np.ndarray  # int64, per unit (0 for a unit the corpus does not use)
    flat: np.ndarray  # int32 term numbers, unit after unit
    shown: np.ndarray  # object: each term number's spelling

    @property
    def first(self) -> np.ndarray:
        return np.cumsum(self.n_terms) - self.n_terms


def _present(units: Sequence[Unit], counts: np.ndarray,
             block: int) -> Iterator[tuple[np.ndarray, list[Unit], list[int]]]:
    """The units the corpus uses (count > 0), a block at a time: numbers, units, counts."""
    for start in range(0, len(units), block):
        mine = np.flatnonzero(counts[start : start + block])
        if len(mine):
            part = units[start : start + block]
            yield (start + mine, [part[i] for i in mine.tolist()],
                   counts[start + mine].tolist())


def decide_units(units: Sequence[Unit], counts: np.ndarray, rule: CompoundRule,
                 block: int = BLOCK_UNITS, in_memory: int | None = None) -> UnitTerms:
    """Each unit's final terms, units[i] occurring counts[i] times: what
    compounds.terms_per_unit gives, a block of units in memory at a time. The spans' counts
    and the blocks' pieces are held in memory where the units are (a UnitStore not on
    disk), or for at most `in_memory` units (by default unit_store.IN_MEMORY_UNITS); on
    disk otherwise."""
    limit = unit_store.IN_MEMORY_UNITS if in_memory is None else in_memory
    if not getattr(units, "on_disk", False) and len(units) <= limit:
        held = [(numbers, split_pieces(part, n, rule.drop))
                for numbers, part, n in _present(units, counts, block)]
        in_memory_spans = HeldSpans()
        for _, split in held:
            count_spans(*split[:3], into=in_memory_spans.counts)
        return _cut_all(iter(held), len(units), rule, in_memory_spans)
    spans = SpanCounts()
    # Each block's pieces kept in a file for the second pass: reading them back costs less
    # than reading the units and taking the names out of them again.
    with tempfile.TemporaryFile() as kept:
        try:
            for numbers, part, n in _present(units, counts, block):
                split = split_pieces(part, n, rule.drop)
                spans.add(count_spans(*split[:3]))
                pickle.dump((numbers, split), kept, protocol=pickle.HIGHEST_PROTOCOL)
            kept.seek(0)
            return _cut_all(_read_back(kept), len(units), rule, spans)
        finally:
            spans.close()


def _read_back(kept: IO[bytes]) -> Iterator[tuple[np.ndarray, Split]]:
    while True:
        try:
            yield pickle.load(kept)
        except EOFError:
            return


def _cut_all(blocks: Iterator[tuple[np.ndarray, Split]], n_units: int, rule: CompoundRule,
             spans: SpanCounts | HeldSpans) -> UnitTerms:
    """The second pass: each block's runs cut, their terms numbered."""
    n_terms = np.zeros(n_units, dtype=np.int64)
    flat = array("i")
    tally = TermTally()
    for numbers, (pieces, spellings, weights, sizes) in blocks:
        # Held in memory, every span's count is at hand: none need be asked for (a count
        # under min_count cuts as an absent one does).
        known = spans.counts if isinstance(spans, HeldSpans) else spans.at_least(
            asked_texts(pieces, spellings), rule.min_count)
        per_piece = tally.add(keyed_pieces(pieces, spellings, known, rule.min_count,
                                           rule.keep), weights)
        per_unit = per_piece if sizes is None else _joined(per_piece, sizes)
        n_terms[numbers] = np.fromiter(map(len, per_unit), np.int64, count=len(per_unit))
        # Units come in number order: their terms are appended in that order.
        flat.extend(chain.from_iterable(per_unit))
    displays = tally.displays()
    shown = np.empty(len(displays), dtype=object)
    shown[:] = displays
    return UnitTerms(n_terms, np.frombuffer(flat, dtype=np.int32) if flat else
                     np.zeros(0, np.int32), shown)


def _joined(per_piece: list[list[int]], sizes: list[int]) -> list[list[int]]:
    """Each unit's terms: its pieces' terms, in order."""
    out = []
    at = 0
    for size in sizes:
        out.append(per_piece[at] if size == 1 else list(chain.from_iterable(
            per_piece[at : at + size])))
        at += size
    return out
