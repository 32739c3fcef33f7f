"""The final fit of a corpus fitted online, in bounded memory: the counts are held once, as
stored (int32), and everything that follows the documents (the TF-IDF rows, the documents'
topic shares) exists only a block of rows at a time.

Minibatches are the rows of one fixed random order (as the in-memory online fit's), each
made on its own; the topics learn by `partial_fit` (MiniBatchNMF, online LDA) pass after
pass; documents are placed on the topics by the blocks of placing.py (the same rows per block
whatever the executor), and only their sums are kept (prevalence); doc_topics.csv is placed
again, block by block, as it is written. Online LDA's passes are its `fit`'s minibatches one
by one, so its topics and shares are those of the in-memory path; MiniBatchNMF's `partial_fit`
solves each minibatch's rows afresh (its `fit` keeps every row's solution between passes, a
documents × topics matrix) and starts from topics fitted on the K sweep's sample (its `fit`
starts from an SVD of the whole matrix), so its topics are close to, not equal to, the
in-memory path's.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import NMF, LatentDirichletAllocation, MiniBatchNMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfTransformer

from pipeline.model.engines import (
    ONLINE_BATCH_SIZE,
    ONLINE_LDA_UPDATES,
    EngineSpec,
    NMFTopics,
    SklearnLDA,
    make_model,
)
from pipeline.model.placing import PlaceBlock, place_block

MAX_PASSES = 3  # passes over the corpus of the streamed NMF fit, at the most
PASS_TOL = 1e-3  # ... which stops once a pass moves the topics less than this (relative)
START_ITER = 50  # iterations of the batch NMF on the sample that gives the starting topics


@dataclass(frozen=True)
class OnlineData:
    """What a streamed fit reads: every document's counts (int32, as stored), each one's
    weight (None: all 1), the K sweep's sample rows (the NMF's starting topics) and the
    rows of a placing block."""

    counts: sp.csr_matrix
    weights: np.ndarray | None
    sample: np.ndarray
    block_rows: int

    def minibatches(self, seed: int) -> Iterator[np.ndarray]:
        """One pass: the rows in a fixed random order (minutes come sorted by meeting), a
        minibatch of row numbers at a time."""
        order = np.random.default_rng(seed).permutation(self.counts.shape[0])
        return (order[start:start + ONLINE_BATCH_SIZE]
                for start in range(0, len(order), ONLINE_BATCH_SIZE))

    def weighted(self, rows: np.ndarray | slice, matrix: sp.csr_matrix) -> sp.csr_matrix:
        """`matrix` (those rows' counts or TF-IDF) with each row scaled by its weight."""
        if self.weights is None:
            return matrix
        return sp.csr_matrix(sp.diags(self.weights[rows]) @ matrix)

    def blocks(self) -> Iterator[slice]:
        """The placing blocks, in row order: fixed by the rows alone (placing.py)."""
        rows = self.block_rows
        return (slice(start, start + rows)
                for start in range(0, max(self.counts.shape[0], 1), rows))


def fit_online(data: OnlineData, spec: EngineSpec, n_topics: int, seed: int):
    """A fitted engine (NMFTopics or SklearnLDA, solver online) from passes of minibatches."""
    model = make_model(spec, n_topics, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if isinstance(model, NMFTopics):
            return _fit_nmf(model, data)
        if isinstance(model, SklearnLDA):
            return _fit_lda(model, data)
    raise ValueError(f"{spec.name} has no streamed online fit")


def _fit_lda(model: SklearnLDA, data: OnlineData) -> SklearnLDA:
    """Online LDA's fit, a minibatch at a time (its `fit` makes the same steps: every pass
    the rows in order, ONLINE_BATCH_SIZE at a time; our rows come shuffled as its did)."""
    n_docs = data.counts.shape[0]
    n_batches = -(-n_docs // ONLINE_BATCH_SIZE)
    passes = min(model.max_iter, max(2, -(-ONLINE_LDA_UPDATES // n_batches)))
    lda = LatentDirichletAllocation(
        n_components=model.n_topics, learning_method="online", batch_size=ONLINE_BATCH_SIZE,
        total_samples=n_docs, max_iter=passes, random_state=model.random_state)
    for _ in range(passes):
        for rows in data.minibatches(model.random_state):
            lda.partial_fit(data.weighted(rows, data.counts[rows]))
    model.lda_ = lda
    model.components_ = lda.components_
    return model


def _fit_nmf(model: NMFTopics, data: OnlineData) -> NMFTopics:
    """MiniBatchNMF by partial_fit on the TF-IDF of each minibatch, from topics fitted on
    the sample, until a pass moves the topics by less than PASS_TOL."""
    # idf from every document's counts as stored: TfidfTransformer.fit counts document
    # frequencies without a float copy of the matrix.
    model.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(data.counts)
    start = _start_topics(model, data)
    nmf = MiniBatchNMF(n_components=model.n_topics, init="custom", random_state=model.random_state,
                       batch_size=ONLINE_BATCH_SIZE, max_iter=model.max_iter, tol=1e-4)
    for _ in range(min(model.max_iter, MAX_PASSES)):
        # A copy: partial_fit updates its topics in place (the start's array, at first).
        before = (nmf.components_ if hasattr(nmf, "components_") else start).copy()
        for rows in data.minibatches(model.random_state):
            # Weights scale a row's TF-IDF, as NMFTopics.fit does.
            x = data.weighted(rows, model.tfidf_.transform(data.counts[rows]))
            if hasattr(nmf, "components_"):
                nmf.partial_fit(x)
            else:
                nmf.partial_fit(x, W=np.full((x.shape[0], model.n_topics), 1e-3), H=start)
        change = np.linalg.norm(nmf.components_ - before) / max(
            float(np.linalg.norm(nmf.components_)), 1e-300)
        if change < PASS_TOL:
            break
    # The running sums partial_fit keeps (two topics × terms matrices) are not needed to
    # place documents: each placing task ships the model, so it goes without them.
    for name in ("_components_numerator", "_components_denominator"):
        if hasattr(nmf, name):
            delattr(nmf, name)
    model.nmf_ = nmf
    model.components_ = nmf.components_
    return model


def _start_topics(model: NMFTopics, data: OnlineData) -> np.ndarray:
    """Starting topics from the sample: seeded themes' as NMFTopics.fit starts them (on their
    seed words, the free topics off them), free topics from a short batch NMF."""
    x = data.weighted(data.sample, model.tfidf_.transform(data.counts[data.sample]))
    seeded = [cols for cols in model.seed_topics if cols][: model.n_topics]
    if seeded:
        return model._seeded_start(x, seeded)[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        nmf = NMF(n_components=model.n_topics, init="nndsvdar", random_state=model.random_state,
                  max_iter=START_ITER).fit(x)
    return np.ascontiguousarray(nmf.components_)


Placer = Callable[[Iterator[PlaceBlock]], Iterator[np.ndarray]]


def place_blocks(model, data: OnlineData, placer: Placer) -> Iterator[np.ndarray]:
    """Each placing block's topic shares, in row order (NMF: of the counts, as the in-memory
    path places documents again; LDA: of the weighted counts it was fitted on)."""
    weighted = isinstance(model, SklearnLDA)
    tasks = (PlaceBlock(model, data.weighted(block, data.counts[block]) if weighted
                        else sp.csr_matrix(data.counts[block])) for block in data.blocks())
    return placer(tasks)


def serial_placer(tasks: Iterator[PlaceBlock]) -> Iterator[np.ndarray]:
    """Placing blocks in this process, one after the other."""
    return map(place_block, tasks)


def prevalence_of(model, data: OnlineData, placer: Placer) -> np.ndarray:
    """Each topic's token-weighted share of the corpus, summed a block at a time."""
    total = np.zeros(model.components_.shape[0])
    tokens_total = 0.0
    for block, theta in zip(data.blocks(), place_blocks(model, data, placer), strict=True):
        tokens = np.asarray(data.counts[block].sum(axis=1)).ravel().astype(float)
        if data.weights is not None:
            tokens = tokens * data.weights[block]
        total += (theta * tokens[:, None]).sum(axis=0)
        tokens_total += float(tokens.sum())
    return total / tokens_total
