"""How good a set of topics is: coherence, diversity and stability across seeds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


def coherence(topics: Sequence[Sequence[str]], texts: Sequence[Sequence[str]],
              measure: str = "c_npmi") -> tuple[float, list[float]]:
    """gensim coherence of each topic's top terms, measured on our own tokens."""
    from gensim.corpora import Dictionary
    from gensim.models.coherencemodel import CoherenceModel

    dictionary = Dictionary(texts)
    known = [[t for t in topic if t in dictionary.token2id] for topic in topics]
    known = [t for t in known if len(t) >= 2]
    if not known:
        return float("nan"), []
    model = CoherenceModel(topics=known, texts=[list(t) for t in texts], dictionary=dictionary,
                           coherence=measure, processes=1)
    per_topic = [float(x) for x in model.get_coherence_per_topic()]
    return float(np.mean(per_topic)), per_topic


def diversity(topics: Sequence[Sequence[str]]) -> float:
    """Share of distinct terms among all topics' top terms (1 = no topic repeats a term)."""
    terms = [t for topic in topics for t in topic]
    return len(set(terms)) / len(terms) if terms else 0.0


def jaccard(a: Sequence[str], b: Sequence[str]) -> float:
    """Overlap of two term lists."""
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def match_topics(reference: Sequence[Sequence[str]],
                 other: Sequence[Sequence[str]]) -> tuple[list[int], list[float]]:
    """Hungarian matching of topics on top-term overlap; returns (partner, overlap) per topic."""
    cost = np.array([[1.0 - jaccard(a, b) for b in other] for a in reference])
    rows, cols = linear_sum_assignment(cost)
    partner = [-1] * len(reference)
    overlap = [0.0] * len(reference)
    for r, c in zip(rows, cols, strict=True):
        partner[r], overlap[r] = int(c), 1.0 - float(cost[r, c])
    return partner, overlap


def stability(runs: Sequence[Sequence[Sequence[str]]]) -> float:
    """Mean matched top-term overlap over all pairs of runs (1 = every seed agrees)."""
    if len(runs) < 2:
        return float("nan")
    scores = []
    for i in range(len(runs)):
        for j in range(i + 1, len(runs)):
            scores.append(float(np.mean(match_topics(runs[i], runs[j])[1])))
    return float(np.mean(scores))
