"""The final fit of a corpus fitted online, in bounded memory: the counts are held once, as
stored (int32), and everything that follows the documents (the TF-IDF rows, the documents'
topic shares) exists only a block of rows at a time.

Minibatches are the rows of one fixed random order (as the in-memory online fit's), each
made on its own. Online LDA learns by `partial_fit`, its `fit`'s minibatches one by one, so
its topics and shares are those of the in-memory path (its documents placed by the blocks
of placing.py, the same rows per block whatever the executor). MiniBatchNMF makes its
`fit`'s steps, a minibatch at a time: each minibatch's W (documents × topics) is kept
between passes in a temporary file (share_store.py) and updated once a pass, as `fit` keeps
it in memory; it starts from topics fitted on the K sweep's sample (`fit` starts from an SVD
of the whole matrix), and its first pass solves each minibatch's W from nothing (as
`partial_fit` does), so its topics are close to, not equal to, the in-memory path's. Its
last W, normalized, are the documents' shares, as the in-memory fit's are. The shares of
every document (or, after a topic is dropped, the shares placed again) wait in the store
for doc_topics.csv, read back a block at a time.
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
    normalize_rows,
)
from pipeline.model.placing import PlaceBlock, place_block
from pipeline.model.share_store import ShareStore

MAX_PASSES = 5  # passes over the corpus of the streamed NMF fit, at the most
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

    @property
    def n_docs(self) -> int:
        """Documents (rows) of the corpus."""
        return self.counts.shape[0]

    def blocks(self) -> Iterator[slice]:
        """The placing blocks, in row order: fixed by the rows alone (placing.py)."""
        rows = self.block_rows
        return (slice(start, start + rows)
                for start in range(0, max(self.counts.shape[0], 1), rows))


@dataclass(frozen=True)
class OnlineFit:
    """A streamed fit: the fitted engine and, if the fit itself gives them (NMF: its W),
    the documents' topic weights in a store (rows not normalized); None: placed after."""

    model: NMFTopics | SklearnLDA
    shares: ShareStore | None = None


def fit_online(data: OnlineData, spec: EngineSpec, n_topics: int, seed: int,
               log: Callable[[str], None] = lambda line: None) -> OnlineFit:
    """A fitted engine (NMFTopics or SklearnLDA, solver online) from passes of minibatches;
    `log` gets a line per pass (NMF)."""
    model = make_model(spec, n_topics, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if isinstance(model, NMFTopics):
            return _fit_nmf(model, data, log)
        if isinstance(model, SklearnLDA):
            return _fit_lda(model, data)
    raise ValueError(f"{spec.name} has no streamed online fit")


def _fit_lda(model: SklearnLDA, data: OnlineData) -> OnlineFit:
    """Online LDA's fit, a minibatch at a time (its `fit` makes the same steps: every pass
    the rows in order, ONLINE_BATCH_SIZE at a time; our rows come shuffled as its did)."""
    n_docs = data.n_docs
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
    return OnlineFit(model)


def _fit_nmf(model: NMFTopics, data: OnlineData, log: Callable[[str], None]) -> OnlineFit:
    """MiniBatchNMF's fit, a minibatch at a time, on the TF-IDF of each, from topics fitted
    on the sample, until a pass moves the topics by less than PASS_TOL: the first pass
    solves each minibatch's W from nothing (as partial_fit does); later passes take one
    update from the W the pass before left, kept in a temporary file (as fit keeps it in
    memory). The last W, normalized, are the documents' shares (as the in-memory fit's)."""
    # idf from every document's counts as stored: TfidfTransformer.fit counts document
    # frequencies without a float copy of the matrix.
    model.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(data.counts)
    nmf = _started(model, data, _start_topics(model, data))
    store = ShareStore(data.n_docs, model.n_topics)
    for done in range(min(model.max_iter, MAX_PASSES)):
        before = nmf.components_.copy()  # updated in place by every step
        for rows in data.minibatches(model.random_state):
            # Weights scale a row's TF-IDF, as NMFTopics.fit does.
            x = data.weighted(rows, model.tfidf_.transform(data.counts[rows]))
            store.write(rows, minibatch_step(nmf, x, None if done == 0 else store.read(rows)))
        before -= nmf.components_  # in place: no third topics × terms matrix
        change = np.linalg.norm(before) / max(float(np.linalg.norm(nmf.components_)), 1e-300)
        log(f"fit: pass {done + 1} over the documents moved the topics by {change:.2%}")
        if change < PASS_TOL:
            break
    # The running sums of the steps (two topics × terms matrices) are not needed to place
    # documents: each placing task ships the model, so it goes without them.
    for name in ("_components_numerator", "_components_denominator"):
        delattr(nmf, name)
    model.nmf_ = nmf
    model.components_ = nmf.components_
    return OnlineFit(model, store)


def _started(model: NMFTopics, data: OnlineData, start: np.ndarray) -> MiniBatchNMF:
    """A MiniBatchNMF ready for minibatch_step, as its fit starts on the whole corpus (the
    same forgetting factor and batch size, from the number of documents; topics `start`)."""
    nmf = MiniBatchNMF(n_components=model.n_topics, init="custom", random_state=model.random_state,
                       batch_size=ONLINE_BATCH_SIZE, max_iter=model.max_iter, tol=1e-4)
    # An empty matrix of the corpus's shape: the settings follow from its shape alone.
    nmf._check_params(sp.csr_matrix((data.n_docs, data.counts.shape[1])))
    nmf.components_ = np.array(start, dtype=np.float64)
    nmf._components_numerator = nmf.components_.copy()
    nmf._components_denominator = np.ones_like(nmf.components_)
    nmf.n_components_, nmf.n_features_in_, nmf.n_steps_ = model.n_topics, start.shape[1], 0
    return nmf


def minibatch_step(nmf: MiniBatchNMF, x: sp.csr_matrix, w: np.ndarray | None) -> np.ndarray:
    """One step of MiniBatchNMF's fit on minibatch x: its W updated once from `w` (None:
    solved from nothing, as partial_fit does), then the topics; the new W.

    scikit-learn's private steps (1.9: _solve_W, _minibatch_step, which updates W in place),
    pinned by tests/model/test_online.py against MiniBatchNMF.fit: partial_fit would solve
    every minibatch's W from nothing in every pass, up to 30 updates where fit takes one."""
    if w is None:
        w = nmf._solve_W(x, nmf.components_, nmf.fresh_restarts_max_iter)
    w = np.array(w, dtype=np.float64)  # a copy: the step updates it in place
    nmf._minibatch_step(x, w, nmf.components_, update_H=True)
    nmf.n_steps_ += 1
    return w


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


def shares_of(fit: OnlineFit, data: OnlineData, placer: Placer) -> tuple[np.ndarray, ShareStore]:
    """Each topic's token-weighted share of the corpus, summed a block at a time, and every
    document's shares in a store (for doc_topics.csv): the fit's own (NMF's W, normalized
    into its store) or placed by blocks (on `placer`) as they come."""
    n_topics = fit.model.components_.shape[0]
    store = fit.shares if fit.shares is not None else ShareStore(data.n_docs, n_topics)
    thetas = place_blocks(fit.model, data, placer) if fit.shares is None else \
        (normalize_rows(store.read(block)) for block in data.blocks())
    total, tokens_total = np.zeros(n_topics), 0.0
    for block, theta in zip(data.blocks(), thetas, strict=True):
        store.write(block, theta)
        tokens = np.asarray(data.counts[block].sum(axis=1)).ravel().astype(float)
        if data.weights is not None:
            tokens = tokens * data.weights[block]
        total += (theta * tokens[:, None]).sum(axis=0)
        tokens_total += float(tokens.sum())
    return total / tokens_total, store
