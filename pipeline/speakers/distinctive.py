"""What sets a speaker's words apart: class-based TF-IDF over each speaker's terms."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import pandas as pd


def distinctive_terms(groups: Mapping[str, Sequence[str]], n: int = 8) -> pd.DataFrame:
    """Top terms per group by c-TF-IDF: tf(t, g) · log(1 + A / f(t)) (BERTopic's formula),
    with A the mean number of terms per group and f(t) the term's count over all groups."""
    return distinctive_counts({g: Counter(terms) for g, terms in groups.items()}, n)


def distinctive_counts(counts: Mapping[str, Counter], n: int = 8) -> pd.DataFrame:
    """distinctive_terms of each group's term counts (speakers.term_counts keeps them)."""
    total: Counter[str] = Counter()
    for c in counts.values():
        total.update(c)
    mean_size = sum(total.values()) / max(len(counts), 1)
    rows = []
    for group in sorted(counts):
        c = counts[group]
        size = sum(c.values()) or 1
        scored = sorted(((c[t] / size * math.log(1 + mean_size / total[t]), t) for t in c),
                        key=lambda st: (-st[0], st[1]))[:n]
        rows += [{"speaker": group, "rank": r + 1, "term": t, "score": s}
                 for r, (s, t) in enumerate(scored)]
    return pd.DataFrame(rows, columns=["speaker", "rank", "term", "score"])
