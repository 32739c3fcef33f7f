"""Candidate terms of texts, fast: each distinct MeCab line is decided once (by the rules in
pipeline/tokenize/rules.py), numbered, and a chunk's terms are assembled with numpy.

The hot path of the pipeline: per token, MeCab's output line and one C-level dict lookup
(no Python call per token); the rest is numpy over the chunk.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain, count, islice
from operator import itemgetter

import numpy as np

from pipeline.tokenize.analyzer import Analyzer
from pipeline.tokenize.compounds import Part, Unit, UnitTable, close_run, word
from pipeline.tokenize.rules import Role, TermFilter, decide, may_be_term


def grown(array: np.ndarray, size: int) -> np.ndarray:
    """`array` with room for `size` items: doubled when full, so that learning words over
    thousands of chunks copies each item a bounded number of times (not once per chunk)."""
    if size <= len(array):
        return array
    bigger = np.zeros(max(size, 2 * len(array), 1024), array.dtype)
    bigger[: len(array)] = array
    return bigger


class Extractor:
    """Candidate terms of documents, with a per-MeCab-line cache of decisions."""

    def __init__(self, pos: Iterable[str], term_filter: TermFilter, compounds: bool):
        self.pos = frozenset(pos)
        self.term_filter = term_filter
        self.compounds = compounds
        self.table = UnitTable()  # every candidate term met so far, numbered
        # Every distinct MeCab line met gets the next code, in C (no Python call per token).
        self._codes: defaultdict[str, int] = defaultdict(count().__next__)
        # Per code (arrays with spare room past the codes learned): its role, its unit (a
        # word's, or a joining part's when alone; -1 for none) and its Part if it joins runs.
        self._role_of = np.zeros(0, np.int8)
        self._unit_of = np.zeros(0, np.int32)
        self._part_of: list[Part | None] = []
        self._runs: dict[tuple[int, ...], tuple[int, ...]] = {}

    def _may_be_term(self, pos1: str) -> bool:
        return may_be_term(pos1, self.pos)

    def units(self, tagger: Analyzer, text: str) -> list[Unit]:
        """Candidate terms of one text, in order; noun runs come as Units with parts."""
        units = self.table.units
        return [units[i] for i in self.chunk_ids(tagger, [text])[0].tolist()]

    def extract(self, tagger: Analyzer, texts: Sequence[str],
                keep: frozenset[str] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
        """chunk_ids, with `keep` phrases cut out of the texts first as whole terms."""
        if not keep:
            return self.chunk_ids(tagger, texts)
        pieces = [protect_phrases(text, keep) for text in texts]
        ids, lengths = self.chunk_ids(
            tagger, [piece for text in pieces for piece, is_phrase in text if not is_phrase])
        bounds = np.concatenate([[0], np.cumsum(lengths)]).tolist()
        ids_list = ids.tolist()
        out: list[int] = []
        out_lengths: list[int] = []
        k = 0
        for text_pieces in pieces:
            size = len(out)
            for piece, is_phrase in text_pieces:
                if is_phrase:
                    out.append(self.table.intern(word(piece, piece)))
                else:
                    out.extend(ids_list[bounds[k] : bounds[k + 1]])
                    k += 1
            out_lengths.append(len(out) - size)
        return np.array(out, dtype=np.int32), np.array(out_lengths, dtype=np.int32)

    def chunk_ids(self, tagger: Analyzer, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Candidate terms of several texts: indices into `self.table` for all texts in a
        row (int32), and how many belong to each text."""
        all_lines = [tagger.lines(text) for text in texts]
        sizes = np.fromiter(map(len, all_lines), np.int64, count=len(all_lines))
        known = len(self._codes)
        codes = np.fromiter(map(self._codes.__getitem__, chain.from_iterable(all_lines)),
                            np.int32, count=int(sizes.sum()))
        if len(self._codes) > known:
            new = list(islice(reversed(self._codes), len(self._codes) - known))[::-1]
            try:
                self._learn(tagger, new, texts, all_lines)
            except BaseException:
                # Codes without roles would shift every later lookup: forget these lines,
                # so that the next call learns them again (an interrupted notebook cell, a
                # failed task in a process that goes on).
                for line in new:
                    del self._codes[line]
                self._codes.default_factory = count(known).__next__
                del self._part_of[known:]
                raise
        return self._assemble(codes, sizes)

    def _learn(self, tagger: Analyzer, new: list[str], texts: Sequence[str],
               all_lines: Sequence[list[str]]) -> None:
        """Decide the roles of lines not seen before, in code order."""
        # Features are read only for words that may become terms: on text full of new words,
        # reading them for every particle, adverb and verb form was half the learning cost.
        wanted = tagger.with_pos1(filter(None, new), self._may_be_term)
        found = tagger.entries(wanted)
        missing = {line for line in wanted if line and line not in found}
        # Never expected (every entry is in its surface's lattice), but a text's own parse
        # is the authority, so a line not found alone is read from it.
        for text, lines in zip(texts, all_lines, strict=True):
            if not missing:
                break
            if not missing.isdisjoint(lines):
                more = tagger.morphemes(text, missing)
                found.update(more)
                missing.difference_update(more)
        roles = np.empty(len(new), np.int8)
        units = np.empty(len(new), np.int32)
        parts: list[Part | None] = []
        for i, line in enumerate(new):
            decision = decide(found.get(line), self.pos, self.term_filter, self.compounds)
            roles[i] = decision.role
            parts.append(decision.part)
            units[i] = -1 if decision.unit is None else self.table.intern(decision.unit)
        # Stored only once all are decided: a failure leaves the tables as they were.
        start = len(self._part_of)
        end = start + len(new)
        self._role_of = grown(self._role_of, end)
        self._unit_of = grown(self._unit_of, end)
        self._role_of[start:end] = roles
        self._unit_of[start:end] = units
        self._part_of.extend(parts)

    def _assemble(self, codes: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit indices from the tokens' codes, in order: a run of joining parts (never
        across texts) becomes one compound candidate or its words; a run of one part is that
        part's word, if it is kept alone."""
        kind = self._role_of[codes]
        value = self._unit_of[codes]
        joins = kind == Role.JOIN
        n = len(codes)
        ends = np.cumsum(sizes)
        text_starts = ends - sizes
        # A run starts at a joining token whose predecessor does not join or is in another
        # text, and ends likewise before its successor.
        opens = np.ones(n, dtype=bool)
        opens[1:] = ~joins[:-1]
        opens[text_starts[text_starts < n]] = True
        run_start = np.flatnonzero(joins & opens)
        closes = np.ones(n, dtype=bool)
        closes[:-1] = ~joins[1:]
        closes[ends[(ends > 0) & (ends <= n)] - 1] = True
        run_end = np.flatnonzero(joins & closes) + 1
        single = run_end - run_start == 1
        # Words and one-part runs: one unit (or none) at their position.
        positions = np.concatenate([np.flatnonzero(kind == Role.WORD), run_start[single]])
        values = value[positions]
        kept = values >= 0
        positions, values = positions[kept], values[kept]
        # Runs of two or more: their units, all at the run's first position.
        multi_start, multi_end = run_start[~single].tolist(), run_end[~single].tolist()
        if multi_start:
            code_list = codes.tolist()
            runs = self._runs
            per_run = []
            for start, end in zip(multi_start, multi_end, strict=True):
                key = tuple(code_list[start:end])
                ids = runs.get(key)
                if ids is None:
                    # Two or more codes: itemgetter gives their parts as a tuple, in C.
                    parts = itemgetter(*key)(self._part_of)
                    ids = runs[key] = tuple(map(self.table.intern, close_run(parts)))
                per_run.append(ids)
            counts = np.fromiter(map(len, per_run), np.int64, count=len(per_run))
            positions = np.concatenate([positions, np.repeat(multi_start, counts)])
            values = np.concatenate([values, np.fromiter(chain.from_iterable(per_run),
                                                         np.int32, count=int(counts.sum()))])
        # Stable: a run's units keep their order at their shared position.
        order = np.argsort(positions, kind="stable")
        positions, values = positions[order], values[order]
        lengths = np.diff(np.searchsorted(positions, ends), prepend=0).astype(np.int32)
        return values, lengths


def protect_phrases(text: str, phrases: Iterable[str]) -> list[tuple[str, bool]]:
    """Split text around phrases that must stay whole; True marks a kept phrase."""
    phrases = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not phrases:
        return [(text, False)]
    pattern = re.compile("|".join(re.escape(p) for p in phrases))
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((match.group(), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces
