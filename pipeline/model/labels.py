"""Words that label a topic: the heaviest, LDAvis relevance, and the data for the report's λ
slider."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def term_distributions(components: np.ndarray) -> np.ndarray:
    """Each topic's weights as a probability distribution over terms (φ)."""
    weights = np.clip(np.asarray(components, dtype=float), 0, None) + 1e-12
    return weights / weights.sum(axis=1, keepdims=True)


def relevance(phi: np.ndarray, term_share: np.ndarray, lam: float) -> np.ndarray:
    """LDAvis relevance: λ·log φ(w|k) + (1−λ)·log(φ(w|k) / p(w)) (Sievert & Shirley 2014).

    λ = 1 ranks by probability within the topic; lower λ favours words special to the topic.
    """
    log_phi = np.log(phi)
    return lam * log_phi + (1 - lam) * (log_phi - np.log(term_share + 1e-12))


def top_by_relevance(phi: np.ndarray, term_share: np.ndarray, vocabulary: Sequence[str],
                     lam: float, n: int) -> list[list[str]]:
    """The n most relevant terms of each topic; ties broken by the term, for stable output."""
    scores = relevance(phi, term_share, lam)
    return [[vocabulary[i] for i in sorted(range(len(row)), key=lambda i: (-row[i],
                                                                          vocabulary[i]))[:n]]
            for row in scores]


def slider_data(phi: np.ndarray, term_share: np.ndarray, vocabulary: Sequence[str],
                n: int = 60) -> list[dict]:
    """Per topic, the candidates the report's λ slider re-ranks in the browser.

    Candidates are the topic's top terms at λ = 1 and at λ = 0, so every ranking the slider
    can show is drawn from them.
    """
    out = []
    for k in range(phi.shape[0]):
        by_prob = np.argsort(-phi[k], kind="stable")[:n]
        by_lift = np.argsort(-(phi[k] / (term_share + 1e-12)), kind="stable")[:n]
        picks = sorted(set(by_prob.tolist()) | set(by_lift.tolist()))
        out.append({"topic": k + 1, "terms": [vocabulary[i] for i in picks],
                    "phi": [round(float(phi[k, i]), 8) for i in picks],
                    "p": [round(float(term_share[i]), 8) for i in picks]})
    return out


def top_term_indices(components: np.ndarray, vocabulary: tuple[str, ...],
                     n: int) -> list[list[int]]:
    """Column indices of the n heaviest terms of each topic; ties broken by the term."""
    out = []
    for row in np.asarray(components):
        candidates: Iterable[int] = range(len(row))
        if 0 < n < len(row):
            # Only terms at least as heavy as the n-th heaviest can be among the n (its ties
            # included), so the keyed sort sees a few terms, not the whole vocabulary (about
            # a second of CPU per K sweep at 10M characters).
            cut = np.partition(row, len(row) - n)[len(row) - n]
            candidates = np.flatnonzero(row >= cut).tolist()
        out.append(sorted(candidates, key=lambda i: (-row[i], vocabulary[i]))[:n])
    return out


def top_terms(components: np.ndarray, vocabulary: tuple[str, ...], n: int) -> list[list[str]]:
    """The n heaviest terms of each topic."""
    return [[vocabulary[i] for i in idx] for idx in top_term_indices(components, vocabulary, n)]
