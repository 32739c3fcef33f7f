"""How good a set of topics is: coherence, diversity and stability across seeds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment


class TopicCoherence:
    """gensim coherence of many runs' topics on one set of texts, one pass per measure.

    The Dictionary is built once. `score` slides a measure's windows over the texts once for
    the words of every run together, then scores each run on those counts. A word's (and a
    pair's) window counts do not depend on which other words are counted, so each run gets
    exactly the figures it would get alone; C_V is scored run by run because its context
    vectors span the words of the topics scored together.
    """

    def __init__(self, texts: Sequence[Sequence[str]]):
        from gensim.corpora import Dictionary

        self.texts = [list(t) for t in texts]
        self.dictionary = Dictionary(self.texts)

    def score(self, runs: Sequence[Sequence[Sequence[str]]],
              measure: str = "c_npmi") -> list[tuple[float, list[float]]]:
        """(mean, per topic) for each run. The per-topic list is aligned with the run's
        topics: a topic with fewer than two known terms scores NaN there and is left out of
        the mean; a run with no scorable topic has mean NaN."""
        from gensim.models.coherencemodel import CoherenceModel

        known = [[[t for t in topic if t in self.dictionary.token2id] for topic in run]
                 for run in runs]
        scorable = [[topic for topic in run if len(topic) >= 2] for run in known]
        batch = [topic for run in scorable for topic in run]
        if not batch:
            return [(float("nan"), [float("nan")] * len(run)) for run in runs]
        model = CoherenceModel(topics=batch, texts=self.texts, dictionary=self.dictionary,
                               coherence=measure, processes=1)
        model.estimate_probabilities()  # the one pass over the texts
        npmi = _NPMI(model._accumulator, self.dictionary.token2id, batch) \
            if measure == "c_npmi" else None
        out = []
        for run, kept in zip(known, scorable, strict=True):
            if not kept:
                out.append((float("nan"), [float("nan")] * len(run)))
                continue
            if npmi is not None:
                scores = [npmi.topic(topic) for topic in kept]
            else:
                model.topics = kept  # a subset of the counted words: gensim keeps the counts
                scores = [float(x) for x in model.get_coherence_per_topic()]
            values = iter(scores)
            per_topic = [next(values) if len(topic) >= 2 else float("nan") for topic in run]
            out.append((float(np.mean(scores)), per_topic))
        return out


class _NPMI:
    """gensim's c_npmi (one-preceding pairs, NPMI with its epsilon, mean per topic) read from
    its window counts as arrays: gensim looks each pair up in a sparse matrix one by one,
    which made coherence the slowest part of a wide K sweep. Equal to gensim's own figures
    (tested to 1e-9)."""

    EPSILON = 1e-12  # gensim.topic_coherence.direct_confirmation_measure.EPSILON

    def __init__(self, accumulator, token2id: dict[str, int],
                 topics: Sequence[Sequence[str]]):
        words = sorted({w for topic in topics for w in topic})
        self.position = {w: i for i, w in enumerate(words)}
        rows = [accumulator.id2contiguous[token2id[w]] for w in words]
        self.n = float(accumulator.num_docs)
        self.occurrences = np.asarray(accumulator._occurrences[rows], dtype=float)
        self.co_occurrences = accumulator._co_occurrences[rows][:, rows].toarray().astype(float)

    def topic(self, topic: Sequence[str]) -> float:
        """Mean NPMI of each term with every term before it."""
        idx = np.array([self.position[w] for w in topic])
        later, earlier = np.tril_indices(len(idx), k=-1)
        a, b = idx[later], idx[earlier]
        joint = self.co_occurrences[a, b] / self.n
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.log((joint + self.EPSILON) /
                           ((self.occurrences[a] / self.n) * (self.occurrences[b] / self.n)))
            return float(np.mean(ratio / -np.log(joint + self.EPSILON)))


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
