"""Fit topics and describe them: ordered topics, top terms, quality, and the K sweep."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import has_fit_parameter

from pipeline.common.errors import PipelineError
from pipeline.model.engines import make_model
from pipeline.model.labels import top_terms
from pipeline.model.quality import TopicCoherence, diversity, match_topics, stability


@dataclass(frozen=True)
class FittedTopics:
    """A fitted model's output with topics ordered by prevalence (topic 1 = most talked about)."""

    theta: np.ndarray  # documents × topics, rows sum to 1
    components: np.ndarray  # topics × terms
    prevalence: np.ndarray  # token-weighted share of each topic in the corpus
    terms: list[list[str]]  # top terms per topic
    origin: list[int]  # each topic's index in the unordered model (seeded themes come first)
    model: object = None  # the fitted engine (for saving it: pipeline.model.artifact)


@dataclass(frozen=True)
class KScore:
    """Quality of one K: mean over seeds, and agreement between seeds."""

    k: int
    npmi: float
    c_v: float
    diversity: float
    stability: float
    max_share: float = 0.0  # the largest topic's share of the tokens, mean over seeds
    n_good: float = float("nan")  # topics that are alive, stable and coherent, mean over runs
    n_dead: float = 0.0  # topics too small or carried by one or two words, mean over runs


@dataclass(frozen=True)
class TopicHealth:
    """Per topic of one fit: its share of the tokens and how much of its weight its two top
    terms carry (a topic made of one or two words is a word, not a subject)."""

    prevalence: np.ndarray
    top_two: np.ndarray

    @classmethod
    def of(cls, components: np.ndarray, prevalence: np.ndarray) -> TopicHealth:
        weights = components / np.maximum(components.sum(axis=1, keepdims=True), 1e-300)
        top_two = np.sort(weights, axis=1)[:, -2:].sum(axis=1) if weights.shape[1] >= 2 \
            else np.ones(len(weights))
        return cls(np.asarray(prevalence, dtype=float), top_two)


@dataclass(frozen=True)
class SweepRun:
    """One (K, seed) fit of the sweep: its topics' top terms and its largest topic's share."""

    terms: list[list[str]]
    max_share: float
    health: TopicHealth | None = None


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
               authors: tuple[str, ...] = (), solver: str = "batch",
               rough: bool = False, weights: np.ndarray | None = None) -> FittedTopics:
    """Fit one model and order its topics by how much of the corpus they cover.

    weights (one per document, e.g. 0.3 for a chair) make a document shape the topics less:
    an engine that takes sample weights gets them, the others get the counts scaled.
    """
    check_k(n_topics, counts.shape[0], counts.shape[1])
    model = make_model(engine, n_topics, seed, max_iter, seed_topics, authors, solver, rough)
    fit_counts, options = counts, {}
    if weights is not None and has_fit_parameter(model, "sample_weight"):
        options = {"sample_weight": weights}
    elif weights is not None:
        fit_counts = sp.csr_matrix(sp.diags(weights) @ counts)
    theta = model.fit_transform(fit_counts, **options) if hasattr(model, "fit_transform") \
        else model.fit(fit_counts).transform(fit_counts)
    return describe_fit(model, theta, counts, vocabulary, n_top_terms, weights)


def describe_fit(model, theta: np.ndarray, counts: sp.spmatrix, vocabulary: Sequence[str],
                 n_top_terms: int, weights: np.ndarray | None = None) -> FittedTopics:
    """A fitted model's topics ordered by how much of the corpus they cover."""
    n_topics = theta.shape[1]
    tokens = np.asarray(counts.sum(axis=1)).ravel().astype(float) * \
        (1.0 if weights is None else weights)
    prevalence = (theta * tokens[:, None]).sum(axis=0) / tokens.sum()
    order = sorted(range(n_topics), key=lambda k: (-round(prevalence[k], 12), k))
    components = model.components_[order]
    return FittedTopics(
        theta=theta[:, order],
        components=components,
        prevalence=prevalence[order],
        terms=top_terms(components, tuple(vocabulary), n_top_terms),
        origin=order,
        model=model,
    )


def without_topics(fitted: FittedTopics, drop: Sequence[int], counts: sp.spmatrix,
                   vocabulary: Sequence[str], n_top_terms: int,
                   weights: np.ndarray | None = None) -> FittedTopics | None:
    """The fitted model without the topics `drop` (positions in fitted's order), documents
    placed again on the rest; None for an engine that cannot drop topics (refit instead)."""
    if not hasattr(fitted.model, "without_topics"):
        return None
    gone = {fitted.origin[k] for k in drop}
    keep = [k for k in range(len(fitted.origin)) if k not in gone]
    model = fitted.model.without_topics(keep)
    return describe_fit(model, model.transform(counts), counts, vocabulary, n_top_terms,
                        weights)


def sample_rows(n_docs: int, max_docs: int, seed: int) -> np.ndarray:
    """Rows the K sweep scores on: every row, or a fixed random sample of max_docs, sorted."""
    if n_docs <= max_docs:
        return np.arange(n_docs)
    return np.sort(np.random.default_rng(seed).choice(n_docs, size=max_docs, replace=False))


SWEEP_DOCS_PER_DF = 4000  # the sweep fits terms in at least 1 of this many of its documents


def sweep_terms(counts: sp.spmatrix, vocabulary: tuple[str, ...],
                seed_topics: tuple[tuple[int, ...], ...] = ()
                ) -> tuple[sp.csr_matrix, tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """The sweep's matrix without the terms too rare to shape a topic: those in fewer than
    one of SWEEP_DOCS_PER_DF of its documents (5 of 20,000; none left out under 8,000
    documents), seed words always kept (seed_topics re-indexed to the kept columns).

    A CD fit costs (documents + terms) × K² per iteration, and a topic holding 1% of the
    tokens is not carried by words of four documents: on 18,000 documents of Diet speech,
    leaving out the 8,700 of 21,500 terms under 5 documents halved a fit at K 44 and K 65 and
    changed its dead topics by one."""
    min_df = max(1, counts.shape[0] // SWEEP_DOCS_PER_DF)
    if min_df == 1:
        return sp.csr_matrix(counts), vocabulary, seed_topics
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    keep = df >= min_df
    keep[[c for cols in seed_topics for c in cols]] = True
    columns = np.flatnonzero(keep)
    position = {int(c): i for i, c in enumerate(columns)}
    return (sp.csr_matrix(counts)[:, columns], tuple(vocabulary[c] for c in columns),
            tuple(tuple(position[c] for c in cols) for cols in seed_topics))


def fit_sweep_run(task: tuple) -> SweepRun:
    """One (K, seed) run of the sweep, as a worker task: K topics fitted on the seed's 90%
    subsample of the rows.

    BLAS and OpenMP get one thread, so the arithmetic (and the terms) do not depend on the
    process or machine the run lands on.
    """
    from threadpoolctl import threadpool_limits

    (counts, vocabulary, engine, k, seed, max_iter, n_top_terms, seed_topics, authors,
     weights) = task
    rows = np.sort(np.random.default_rng(seed).choice(
        counts.shape[0], size=max(k + 1, int(0.9 * counts.shape[0])), replace=False))
    # A sweep run that stops at max_iter is still a fair sample of K (as in the stage).
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = fit_topics(counts[rows], vocabulary, engine, k, seed, max_iter, n_top_terms,
                            seed_topics, tuple(authors[i] for i in rows) if authors else (),
                            rough=True, weights=None if weights is None else weights[rows])
    return SweepRun(fitted.terms, float(fitted.prevalence.max()),
                    TopicHealth.of(fitted.components, fitted.prevalence))


def sweep_k(counts: sp.spmatrix, vocabulary: Sequence[str], coherence: TopicCoherence,
            engine: str, ks: Sequence[int], seeds: Sequence[int], max_iter: int,
            n_top_terms: int, seed_topics: tuple[tuple[int, ...], ...] = (),
            authors: tuple[str, ...] = (),
            map_runs: Callable[[Callable, Iterable], Iterator] = map,
            c_v_only_for: Callable[[list[KScore]], int] | None = None,
            weights: np.ndarray | None = None) -> list[KScore]:
    """Score each K of ks (see score_k): the (K, seed) runs are fitted through map_runs
    (map, or an executor's map for worker processes) ROUND_KS Ks at a time, smallest first,
    stopping once a K is past what the corpus holds (_past_the_corpus; the larger Ks left
    out cost the most; only in the upper half of ks); then all runs' topics are scored
    together, one pass over the texts
    per coherence measure. Returns the scores of the Ks fitted.

    C_V (context vectors over the texts) costs ten times NPMI: with c_v_only_for (a rule
    that picks a K from the other scores), it is measured for that K alone, NaN elsewhere.
    """
    counts, vocabulary, seed_topics = sweep_terms(counts, tuple(vocabulary), seed_topics)
    ks, fits = list(ks), []
    for start in range(0, len(ks), ROUND_KS):
        tasks = [(counts, vocabulary, engine, k, s, max_iter, n_top_terms, seed_topics,
                  authors, weights) for k in ks[start:start + ROUND_KS] for s in seeds]
        # Largest K first within a round: a fit costs about K times as much, so with the
        # big ones started early no process is left alone with one at the end (each run's
        # result does not depend on when or where it ran, so only the time changes).
        order = sorted(range(len(tasks)), key=lambda i: (-tasks[i][3], i))
        ran = dict(zip(order, map_runs(fit_sweep_run, [tasks[i] for i in order]), strict=True))
        done = [ran[i] for i in range(len(tasks))]
        fits += done
        last = done[-len(seeds):]
        # Only in the upper half of the range, where the costly fits are: a small K can hold
        # a dead topic on a corpus that holds many subjects (one topic of 99% at K = 4).
        upper = ks[start + ROUND_KS - 1] >= ks[len(ks) // 2] if ks else False
        if start + ROUND_KS < len(ks) and upper and _past_the_corpus(
                last, ks[start + ROUND_KS - 1]):
            ks = ks[:start + ROUND_KS]
            break
    runs = [f.terms for f in fits]
    coherences = coherence.score(runs, "c_npmi")
    npmi = [mean for mean, _ in coherences]
    scores = []
    for i, k in enumerate(ks):
        of_k = slice(i * len(seeds), (i + 1) * len(seeds))
        good, dead = count_topics(fits[of_k], [per for _, per in coherences[of_k]])
        scores.append(KScore(
            k=k,
            npmi=float(np.mean(npmi[of_k])),
            c_v=float("nan"),
            diversity=float(np.mean([diversity(r) for r in runs[of_k]])),
            stability=stability(runs[of_k]) if len(seeds) > 1 else float("nan"),
            max_share=float(np.mean([f.max_share for f in fits[of_k]])),
            n_good=good, n_dead=dead,
        ))
    wanted = set(ks) if c_v_only_for is None else {c_v_only_for(scores)}
    for i, k in enumerate(ks):
        if k in wanted:
            runs_of_k = runs[i * len(seeds):(i + 1) * len(seeds)]
            c_v = float(np.mean([mean for mean, _ in coherence.score(runs_of_k, "c_v")]))
            scores[i] = replace(scores[i], c_v=c_v)
    return scores


ROUND_KS = 1  # the sweep fits this many Ks at a time, smallest first, and may stop early
STOP_DEAD_SHARE = 0.25  # ... once this share of a K's topics are dead: larger Ks split further


def _past_the_corpus(runs: Sequence[SweepRun], k: int) -> bool:
    """Whether K is past what the corpus holds: a quarter of its topics dead in its runs, so
    every larger K (costlier still) only adds dead topics."""
    if any(r.health is None for r in runs):
        return False
    return float(np.mean([dead_topics(r.health).sum() for r in runs
                          if r.health is not None])) >= STOP_DEAD_SHARE * k


MIN_TOPIC_SHARE = 0.01  # a topic with less of the tokens is too small to read as a subject
MAX_TOP_TWO = 0.5  # ... or one whose two top terms carry half its weight is a word
MIN_TOPIC_STABILITY = 0.5  # a good topic's top terms come back, matched, when a tenth is left out


def dead_topics(health: TopicHealth) -> np.ndarray:
    """Which topics are dead: under MIN_TOPIC_SHARE of the tokens, or carried by their two
    top terms (指名 alone, 動議 alone)."""
    return (health.prevalence < MIN_TOPIC_SHARE) | (health.top_two >= MAX_TOP_TWO)


def count_topics(runs: Sequence[SweepRun],
                 npmi: Sequence[Sequence[float]]) -> tuple[float, float]:
    """(good, dead) topics per run of one K, means over its runs. A good topic is alive (not
    dead_topics), coherent (NPMI above 0: its top terms meet more often than by chance) and
    stable (its top terms match a topic of the other runs, fitted on other subsamples, by at
    least MIN_TOPIC_STABILITY)."""
    if any(r.health is None for r in runs):
        return float("nan"), 0.0
    good, dead = [], []
    for i, run in enumerate(runs):
        others = [o.terms for j, o in enumerate(runs) if j != i]
        agree = np.mean([match_topics(run.terms, o)[1] for o in others], axis=0) if others \
            else np.ones(len(run.terms))
        assert run.health is not None  # checked above
        gone = dead_topics(run.health)
        coherent = np.nan_to_num(np.asarray(npmi[i], dtype=float), nan=-1.0) > 0
        good.append(int((~gone & coherent & (agree >= MIN_TOPIC_STABILITY)).sum()))
        dead.append(int(gone.sum()))
    return float(np.mean(good)), float(np.mean(dead))


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
