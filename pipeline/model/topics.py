"""Fit topics and describe them: ordered topics, top terms, and each topic's health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import has_fit_parameter

from pipeline.common.errors import PipelineError
from pipeline.model.engines import EngineSpec, make_model
from pipeline.model.labels import top_terms
from pipeline.model.placing import Place, place_here


@dataclass(frozen=True)
class FittedTopics:
    """A fitted model's output with topics ordered by prevalence (topic 1 = most talked about)."""

    theta: np.ndarray  # documents × topics, rows sum to 1 (no rows: placed by blocks)
    components: np.ndarray  # topics × terms
    prevalence: np.ndarray  # token-weighted share of each topic in the corpus
    terms: list[list[str]]  # top terms per topic
    origin: list[int]  # each topic's index in the unordered model (seeded themes come first)
    model: object = None  # the fitted engine (for saving it: pipeline.model.artifact)


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


@dataclass(frozen=True)
class TermCounts:
    """What a model is fitted on: counts (documents × terms), the terms, and per document
    its speaker (for the author-topic engine; () if not needed) and weight (None: all 1)."""

    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    authors: tuple[str, ...] = ()
    weights: np.ndarray | None = None

    def take(self, rows: np.ndarray) -> TermCounts:
        """The same for the given rows only."""
        return TermCounts(sp.csr_matrix(self.counts[rows]), self.vocabulary,
                          tuple(self.authors[i] for i in rows) if self.authors else (),
                          None if self.weights is None else self.weights[rows])


def fit_topics(data: TermCounts, spec: EngineSpec, n_topics: int, seed: int,
               place: Place = place_here) -> FittedTopics:
    """Fit one model and order its topics by how much of the corpus they cover.

    Weights (one per document, e.g. 0.3 for a chair) make a document shape the topics less:
    an engine that takes sample weights gets them, the others get the counts scaled. An
    engine without a fit_transform of its own places the documents after fitting with
    `place` (the final fit: by blocks on the executor, placing.py).
    """
    counts, weights = data.counts, data.weights
    check_k(n_topics, counts.shape[0], counts.shape[1])
    model = make_model(spec, n_topics, seed, data.authors)
    fit_counts, options = counts, {}
    if weights is not None and has_fit_parameter(model, "sample_weight"):
        options = {"sample_weight": weights}
    elif weights is not None:
        fit_counts = sp.csr_matrix(sp.diags(weights) @ counts)
    theta = model.fit_transform(fit_counts, **options) if hasattr(model, "fit_transform") \
        else place(model.fit(fit_counts), fit_counts)
    return describe_fit(model, theta, data, spec.n_top_terms)


def describe_fit(model, theta: np.ndarray, data: TermCounts, n_top_terms: int) -> FittedTopics:
    """A fitted model's topics ordered by how much of the corpus they cover."""
    tokens = np.asarray(data.counts.sum(axis=1)).ravel().astype(float) * \
        (1.0 if data.weights is None else data.weights)
    prevalence = (theta * tokens[:, None]).sum(axis=0) / tokens.sum()
    return ordered_topics(model, prevalence, data.vocabulary, n_top_terms, theta)


def ordered_topics(model, prevalence: np.ndarray, vocabulary: Sequence[str], n_top_terms: int,
                   theta: np.ndarray | None = None) -> FittedTopics:
    """A fitted model's topics ordered by their share of the corpus (prevalence); theta None:
    documents placed elsewhere (a streamed fit), a theta of no rows."""
    n_topics = len(prevalence)
    order = sorted(range(n_topics), key=lambda k: (-np.round(prevalence[k], 12), k))
    components = model.components_[order]
    return FittedTopics(
        theta=np.empty((0, n_topics)) if theta is None else theta[:, order],
        components=components,
        prevalence=prevalence[order],
        terms=top_terms(components, tuple(vocabulary), n_top_terms),
        origin=order,
        model=model,
    )


def without_topics(fitted: FittedTopics, drop: Sequence[int], data: TermCounts,
                   n_top_terms: int, place: Place = place_here) -> FittedTopics | None:
    """The fitted model without the topics `drop` (positions in fitted's order), documents
    placed again on the rest (by `place`); None for an engine that cannot drop topics
    (refit instead)."""
    if not hasattr(fitted.model, "without_topics"):
        return None
    gone = {fitted.origin[k] for k in drop}
    keep = [k for k in range(len(fitted.origin)) if k not in gone]
    model = fitted.model.without_topics(keep)
    return describe_fit(model, place(model, data.counts), data, n_top_terms)


def sample_rows(n_docs: int, max_docs: int, seed: int) -> np.ndarray:
    """Rows the K sweep scores on: every row, or a fixed random sample of max_docs, sorted."""
    if n_docs <= max_docs:
        return np.arange(n_docs)
    return np.sort(np.random.default_rng(seed).choice(n_docs, size=max_docs, replace=False))


MIN_TOPIC_SHARE = 0.01  # a topic with less of the tokens is too small to read as a subject
MIN_SHARE_OF_EVEN = 0.5  # ... or, past 50 topics, with less than half an even share (1/K)
LOWEST_TOPIC_SHARE = 0.005  # ... but never under 0.5%, which allows at most 200 topics
MAX_TOP_TWO = 0.5  # a topic whose two top terms carry half its weight is a word
MIN_TOPIC_STABILITY = 0.5  # a good topic's top terms come back, matched, when a tenth is left out


def min_topic_share(k: int) -> float:
    """The share of the tokens a topic of a K-topic model needs to be alive: MIN_TOPIC_SHARE,
    or half of an even share (1/K) past 50 topics, never under LOWEST_TOPIC_SHARE (the auto
    range's top, 200 topics, of even shares). A fixed 1% allows at most 100 topics, and
    fewer the more uneven the subjects: on diet-2025 (40 committees) K 71's runs held 22
    topics under 1%, so the sweep read every K past about 45 as splitting, where the
    recipe's meeting NMI is best at K 52-60. Without the lowest share, a 36,000-document
    corpus of diet-dev's sentences (benchmarks/scale.py, big 10M) counted 70 good topics at
    K 190 (0.26% each)."""
    return max(LOWEST_TOPIC_SHARE, min(MIN_TOPIC_SHARE, MIN_SHARE_OF_EVEN / max(k, 1)))


def dead_topics(health: TopicHealth) -> np.ndarray:
    """Which topics are dead: under min_topic_share of the tokens, or carried by their two
    top terms (指名 alone, 動議 alone)."""
    floor = min_topic_share(len(health.prevalence))
    return (health.prevalence < floor) | (health.top_two >= MAX_TOP_TWO)
