"""Which turns the report's search embeds: every one up to report.search_max_turns, else a
fixed random sample of that many, so that the page and the report stage's memory stay bounded
whatever the corpus (one million short turns made a 22 MB page)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SearchSample:
    """The turns of turns.csv (by row, from 0) that the search reads."""

    n_turns: int
    chosen: frozenset[int] | None = None  # None: every turn

    @property
    def sampled(self) -> bool:
        return self.chosen is not None

    @property
    def n_searched(self) -> int:
        return self.n_turns if self.chosen is None else len(self.chosen)

    def has(self, row: int) -> bool:
        return self.chosen is None or row in self.chosen


def sample_turns(n_turns: int, max_turns: int, seed: int) -> SearchSample:
    """Every turn when there are at most max_turns, else max_turns of them drawn without
    replacement with `seed` (the same turns every run of the same corpus and config).

    Drawn over the whole corpus rather than its first turns: a search of a sample of every
    year reads as the corpus does, a search of its first months does not."""
    if n_turns <= max_turns:
        return SearchSample(n_turns)
    rows = np.random.default_rng(seed).choice(n_turns, size=max_turns, replace=False)
    return SearchSample(n_turns, frozenset(rows.tolist()))
