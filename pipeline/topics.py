"""Fit topics and describe them: ordered topics, top terms, quality, and the K sweep."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipeline.errors import PipelineError
from pipeline.models import make_model, top_terms
from pipeline.quality import coherence, diversity, stability


@dataclass(frozen=True)
class FittedTopics:
    """A fitted model's output with topics ordered by prevalence (topic 1 = most talked about)."""

    theta: np.ndarray  # documents × topics, rows sum to 1
    components: np.ndarray  # topics × terms
    prevalence: np.ndarray  # token-weighted share of each topic in the corpus
    terms: list[list[str]]  # top terms per topic
    origin: list[int]  # each topic's index in the unordered model (seeded themes come first)


@dataclass(frozen=True)
class KScore:
    """Quality of one K: mean over seeds, and agreement between seeds."""

    k: int
    npmi: float
    c_v: float
    diversity: float
    stability: float


SMALL_CORPUS_DOCS = 50


def small_corpus_warnings(n_docs: int, n_terms: int) -> list[str]:
    """What a reader should know before trusting topics from a small input."""
    out = []
    if n_docs < SMALL_CORPUS_DOCS:
        out.append(f"文書が {n_docs} 件と少なく、トピックは不安定になりえます"
                   f"（{SMALL_CORPUS_DOCS} 件以上を推奨。ingest.unit: sentences で増やせます）")
    if n_terms < 100:
        out.append(f"語彙が {n_terms} 語と少なく、トピックの上位語が重なりやすくなります")
    return out


def check_k(n_topics: int, n_docs: int, n_terms: int) -> None:
    """K must be smaller than both the documents and the terms the model sees."""
    limit = min(n_docs, n_terms) - 1
    if n_topics > limit:
        raise PipelineError(
            f"model.n_topics: {n_topics} topics but only {n_docs} documents and {n_terms} terms; "
            f"use at most {limit}"
        )


def fit_topics(counts: sp.spmatrix, vocabulary: Sequence[str], engine: str, n_topics: int,
               seed: int, max_iter: int, n_top_terms: int,
               seed_topics: tuple[tuple[int, ...], ...] = (),
               authors: tuple[str, ...] = ()) -> FittedTopics:
    """Fit one model and order its topics by how much of the corpus they cover."""
    check_k(n_topics, counts.shape[0], counts.shape[1])
    model = make_model(engine, n_topics, seed, max_iter, seed_topics, authors).fit(counts)
    theta = model.transform(counts)
    weights = np.asarray(counts.sum(axis=1)).ravel().astype(float)
    prevalence = (theta * weights[:, None]).sum(axis=0) / weights.sum()
    order = sorted(range(n_topics), key=lambda k: (-round(prevalence[k], 12), k))
    components = model.components_[order]
    return FittedTopics(
        theta=theta[:, order],
        components=components,
        prevalence=prevalence[order],
        terms=top_terms(components, tuple(vocabulary), n_top_terms),
        origin=order,
    )


def score_k(counts: sp.spmatrix, vocabulary: Sequence[str], texts: Sequence[Sequence[str]],
            engine: str, k: int, seeds: Sequence[int], max_iter: int,
            n_top_terms: int, seed_topics: tuple[tuple[int, ...], ...] = (),
            authors: tuple[str, ...] = ()) -> KScore:
    """Fit K topics once per seed; coherence and diversity averaged, stability across seeds.

    Each seed also draws the documents the run sees (a 90% subsample): NMF from an NNDSVD
    start hardly depends on its random seed, so seeds alone would call almost any K stable.
    Topics that come back when a tenth of the documents is left out are real structure.
    """
    runs = []
    for s in seeds:
        rows = np.sort(np.random.default_rng(s).choice(
            counts.shape[0], size=max(k + 1, int(0.9 * counts.shape[0])), replace=False))
        runs.append(fit_topics(counts[rows], vocabulary, engine, k, s, max_iter, n_top_terms,
                               seed_topics, tuple(authors[i] for i in rows) if authors
                               else ()).terms)
    return KScore(
        k=k,
        npmi=float(np.mean([coherence(r, texts, "c_npmi")[0] for r in runs])),
        c_v=float(np.mean([coherence(r, texts, "c_v")[0] for r in runs])),
        diversity=float(np.mean([diversity(r) for r in runs])),
        stability=stability(runs) if len(runs) > 1 else float("nan"),
    )


def choose_k(scores: Sequence[KScore]) -> int:
    """The stated rule: among the Ks at least half as stable as the most stable K, rank them
    by coherence (NPMI, best = 1) and by stability (best = 1) and take the K with the
    smallest sum of its two ranks; ties go to the smaller K (fewer topics to read).

    Ranks, not values: on a small corpus stability varies ten times more than NPMI, and a sum
    of values would let it alone decide. The floor keeps out a K whose topics do not come
    back at all, however coherent one run of it looks.
    """
    best_stability = max((s.stability for s in scores if not np.isnan(s.stability)),
                         default=np.nan)
    pool = [s for s in scores if np.isnan(best_stability)
            or (not np.isnan(s.stability) and s.stability >= best_stability / 2)]

    def ranks(values: list[float]) -> list[int]:
        order = sorted(range(len(values)), key=lambda i: (-values[i], pool[i].k))
        out = [0] * len(values)
        for rank, i in enumerate(order, start=1):
            out[i] = rank
        return out

    by_npmi = ranks([s.npmi for s in pool])
    by_stability = ranks([np.nan_to_num(s.stability, nan=-1.0) for s in pool])
    best = min(range(len(pool)), key=lambda i: (by_npmi[i] + by_stability[i], pool[i].k))
    return pool[best].k
