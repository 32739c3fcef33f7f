"""Fit topics and describe them: ordered topics, top terms, quality, and the K sweep."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from pipeline.errors import PipelineError
from pipeline.models import make_model, top_terms
from pipeline.quality import TopicCoherence, diversity, stability


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
        # A topic model needs K >= 2: never advise less; say the input is too small instead.
        advice = (f"use at most {limit}" if limit >= 2 else "the input is too small for a "
                  "topic model (it needs at least 3 documents and 3 terms); give more text")
        raise PipelineError(
            f"model.n_topics: {n_topics} topics but only {n_docs} documents and {n_terms} terms; "
            f"{advice}")


def fit_topics(counts: sp.spmatrix, vocabulary: Sequence[str], engine: str, n_topics: int,
               seed: int, max_iter: int, n_top_terms: int,
               seed_topics: tuple[tuple[int, ...], ...] = (),
               authors: tuple[str, ...] = (), solver: str = "batch") -> FittedTopics:
    """Fit one model and order its topics by how much of the corpus they cover."""
    check_k(n_topics, counts.shape[0], counts.shape[1])
    model = make_model(engine, n_topics, seed, max_iter, seed_topics, authors,
                       solver).fit(counts)
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


def sample_rows(n_docs: int, max_docs: int, seed: int) -> np.ndarray:
    """Rows the K sweep scores on: every row, or a fixed random sample of max_docs, sorted."""
    if n_docs <= max_docs:
        return np.arange(n_docs)
    return np.sort(np.random.default_rng(seed).choice(n_docs, size=max_docs, replace=False))


def fit_sweep_run(task: tuple) -> list[list[str]]:
    """One (K, seed) run of the sweep, as a worker task: the top terms of K topics fitted on
    the seed's 90% subsample of the rows.

    BLAS and OpenMP get one thread, so the arithmetic (and the terms) do not depend on the
    process or machine the run lands on.
    """
    from threadpoolctl import threadpool_limits

    counts, vocabulary, engine, k, seed, max_iter, n_top_terms, seed_topics, authors = task
    rows = np.sort(np.random.default_rng(seed).choice(
        counts.shape[0], size=max(k + 1, int(0.9 * counts.shape[0])), replace=False))
    # A sweep run that stops at max_iter is still a fair sample of K (as in the stage).
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit_topics(counts[rows], vocabulary, engine, k, seed, max_iter, n_top_terms,
                          seed_topics, tuple(authors[i] for i in rows) if authors
                          else ()).terms


def sweep_k(counts: sp.spmatrix, vocabulary: Sequence[str], coherence: TopicCoherence,
            engine: str, ks: Sequence[int], seeds: Sequence[int], max_iter: int,
            n_top_terms: int, seed_topics: tuple[tuple[int, ...], ...] = (),
            authors: tuple[str, ...] = (),
            map_runs: Callable[[Callable, Iterable], Iterator] = map) -> list[KScore]:
    """Score each K of ks (see score_k): every (K, seed) run is fitted first, through
    map_runs (map, or an executor's map for worker processes), then all runs' topics are
    scored together, one pass over the texts per coherence measure.
    """
    vocabulary = tuple(vocabulary)
    tasks = [(counts, vocabulary, engine, k, s, max_iter, n_top_terms, seed_topics, authors)
             for k in ks for s in seeds]
    runs = list(map_runs(fit_sweep_run, tasks))
    npmi = [mean for mean, _ in coherence.score(runs, "c_npmi")]
    c_v = [mean for mean, _ in coherence.score(runs, "c_v")]
    scores = []
    for i, k in enumerate(ks):
        of_k = slice(i * len(seeds), (i + 1) * len(seeds))
        scores.append(KScore(
            k=k,
            npmi=float(np.mean(npmi[of_k])),
            c_v=float(np.mean(c_v[of_k])),
            diversity=float(np.mean([diversity(r) for r in runs[of_k]])),
            stability=stability(runs[of_k]) if len(seeds) > 1 else float("nan"),
        ))
    return scores


def score_k(counts: sp.spmatrix, vocabulary: Sequence[str], texts: Sequence[Sequence[str]],
            engine: str, k: int, seeds: Sequence[int], max_iter: int,
            n_top_terms: int, seed_topics: tuple[tuple[int, ...], ...] = (),
            authors: tuple[str, ...] = ()) -> KScore:
    """Fit K topics once per seed; coherence and diversity averaged, stability across seeds.

    Each seed also draws the documents the run sees (a 90% subsample): NMF from an NNDSVD
    start hardly depends on its random seed, so seeds alone would call almost any K stable.
    Topics that come back when a tenth of the documents is left out are real structure.
    """
    return sweep_k(counts, vocabulary, TopicCoherence(texts), engine, [k], seeds, max_iter,
                   n_top_terms, seed_topics, authors)[0]


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
