"""Topic model engines behind one scikit-learn face: fit(counts) / transform / components_.

Every engine takes raw term counts; any re-weighting (TF-IDF for NMF) happens inside, so
callers never branch on the engine.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, clone
from sklearn.decomposition import NMF, LatentDirichletAllocation, MiniBatchNMF
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfTransformer

ENGINES = ("nmf", "lda", "gensim_lda", "author_topic", "tomotopy_lda")  # see BUILDERS
ONLINE_ENGINES = ("nmf", "lda")  # engines with a minibatch (online) solver
SEEDED_ENGINES = ("nmf", "tomotopy_lda")  # engines whose topics seed words can guide
ONLINE_BATCH_SIZE = 2048  # documents per minibatch
ROUGH_MAX_ITER = 100  # a K sweep's CD fit stops here (tolerance 1e-3 took up to 200 at K 20)
MU_FLOOR = 1e-10  # L1 weight that keeps multiplicative updates off 0/denormal (see NMFTopics)
ONLINE_LDA_UPDATES = 200  # minibatch updates online LDA makes at the least (small corpora)


def choose_solver(solver: str, engine: str, n_docs: int, online_min_docs: int) -> tuple[str, str]:
    """The solver a fit on n_docs documents uses (batch | online), and why, for the log."""
    if engine == "gensim_lda":
        return "batch", "gensim_lda trains in chunks of its own; model.solver does not apply"
    if solver == "auto":
        online = n_docs >= online_min_docs
        wanted = "online" if online else "batch"
        reason = (f"model.solver auto: {n_docs} documents, "
                  f"{'at least' if online else 'fewer than'} model.online_min_docs "
                  f"({online_min_docs})")
    else:
        wanted, reason = solver, f"model.solver: {solver}"
    if wanted == "online" and engine not in ONLINE_ENGINES:
        return "batch", f"{reason}, but {engine} has no online solver: fitted batch"
    return wanted, reason


def _shuffled_rows(n_rows: int, seed: int) -> np.ndarray:
    """A fixed random order of the rows for minibatches: minutes come sorted by meeting, and
    passes in that order would pull the topics towards the last meetings read."""
    return np.random.default_rng(seed).permutation(n_rows)


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows that sum to 1; an all-zero row (nothing the model knows) becomes uniform."""
    matrix = np.asarray(matrix, dtype=float)
    totals = matrix.sum(axis=1, keepdims=True)
    uniform = np.full_like(matrix, 1.0 / matrix.shape[1])
    return np.where(totals > 0, matrix / np.where(totals > 0, totals, 1), uniform)


class NMFTopics(BaseEstimator):
    """NMF on sublinear TF-IDF: the default engine.

    Free topics start from NNDSVD with zeros filled from the seed (nndsvdar), so fits under
    several seeds measure stability honestly. With `seed_topics` (column indices per theme),
    each theme's topic starts on its seed words and the documents that use them, and keeps
    them (multiplicative updates; see _seeded_start). solver="online" fits by minibatches
    (MiniBatchNMF, multiplicative updates too, from the same start) for large corpora.
    """

    # A scikit-learn estimator takes its settings as arguments (get_params, clone).
    def __init__(self, n_topics: int = 8, random_state: int = 0, max_iter: int = 400,  # noqa: PLR0913
                 seed_topics: tuple[tuple[int, ...], ...] = (), solver: str = "batch",
                 tol: float = 1e-5):
        self.n_topics = n_topics
        self.random_state = random_state
        self.max_iter = max_iter
        self.seed_topics = seed_topics
        self.solver = solver
        self.tol = tol

    def fit(self, counts: sp.spmatrix, y=None, sample_weight=None) -> NMFTopics:
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        x = self.tfidf_.transform(counts)
        if sample_weight is not None:
            # Weights scale a document's TF-IDF row: scaling its counts instead would make
            # sublinear tf (1 + log tf) negative below one occurrence.
            x = sp.csr_matrix(sp.diags(np.asarray(sample_weight, dtype=float)) @ x)
        seeded = [cols for cols in self.seed_topics if cols][: self.n_topics]
        if self.solver == "online":
            return self._fit_online(x, seeded)
        # Multiplicative updates change each weight in proportion to itself, so a seeded topic
        # grows around its seed words instead of being reassigned wholesale (as with CD).
        # scikit-learn's updates divide by a denominator as it is unless it is exactly 0: a
        # topic whose weights shrink to denormals overflows to inf, then NaN (every topic
        # empty; seen on 10M characters). A tiny L1 term (MU_FLOOR) floors every denominator.
        self.nmf_ = NMF(n_components=self.n_topics, random_state=self.random_state,
                        max_iter=self.max_iter, tol=self.tol,
                        init="custom" if seeded else "nndsvdar", solver="mu" if seeded else "cd",
                        **({"alpha_W": MU_FLOOR, "alpha_H": "same", "l1_ratio": 1.0}
                           if seeded else {}))
        if seeded:
            w, h = self._seeded_start(x, seeded)
            self.embedding_ = self.nmf_.fit_transform(x, W=w, H=h)
        else:
            self.embedding_ = self.nmf_.fit_transform(x)
        self.components_ = self.nmf_.components_
        return self

    def fit_transform(self, counts: sp.spmatrix, y=None, sample_weight=None) -> np.ndarray:
        """Fit, and the documents' topic shares from the fit itself: transform would solve
        for them again (as long as the fit on a large corpus), and the fit's own shares keep
        a seeded topic off the documents without its seed words."""
        return normalize_rows(self.fit(counts, sample_weight=sample_weight).embedding_)

    def _fit_online(self, x: sp.spmatrix, seeded: list[tuple[int, ...]]) -> NMFTopics:
        order = _shuffled_rows(x.shape[0], self.random_state)
        self.nmf_ = MiniBatchNMF(n_components=self.n_topics, random_state=self.random_state,
                                 init="custom" if seeded else "nndsvdar",
                                 batch_size=ONLINE_BATCH_SIZE, max_iter=self.max_iter,
                                 tol=1e-4)
        if seeded:
            w, h = self._seeded_start(x, seeded)
            shuffled = self.nmf_.fit_transform(x[order], W=np.ascontiguousarray(w[order]), H=h)
        else:
            shuffled = self.nmf_.fit_transform(x[order])
        self.embedding_ = np.empty_like(shuffled)
        self.embedding_[order] = shuffled
        self.components_ = self.nmf_.components_
        return self

    def _seeded_start(self, x: sp.spmatrix, seeded: list[tuple[int, ...]]):
        """Start W, H: free topics from the text without seed words, seeded topics
        concentrated on their seed words and on the documents that use them."""
        n_docs, n_terms = x.shape
        n_free = self.n_topics - len(seeded)
        avg = np.sqrt(x.mean() / self.n_topics)
        w = np.zeros((n_docs, self.n_topics))
        h = np.zeros((self.n_topics, n_terms))
        # Free topics start from a short NMF of the text without the seed words (batch, also
        # for the online solver: a minibatch start gave vaguer topics), so they
        # start (and, under multiplicative updates, stay) off them: a theme's words belong
        # to its topic.
        all_seeded = sorted({c for cols in seeded for c in cols})
        if n_free:
            keep = np.ones(n_terms)
            keep[all_seeded] = 0.0
            rest = sp.csr_matrix(x @ sp.diags(keep))
            rest.eliminate_zeros()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                free = NMF(n_components=n_free, init="nndsvdar", random_state=self.random_state,
                           max_iter=50)
                w[:, len(seeded):] = free.fit_transform(rest)
            h[len(seeded):] = free.components_
            h[len(seeded):, all_seeded] = 0.0
        for k, cols in enumerate(seeded):
            h[k] = 1e-3 * avg
            h[k, list(cols)] = avg * 10
            # Multiplicative updates never move an exact zero: a document with no seed word
            # starts, and stays, off the seeded topic.
            w[:, k] = np.asarray(x[:, list(cols)].sum(axis=1)).ravel()
        # ...but a document with no weight anywhere would give 0/0 (NaN): lift it, on the
        # free topics only.
        empty = ~w.any(axis=1)
        w[empty, len(seeded):] = 1e-9 * avg
        if len(seeded) == self.n_topics:
            w[empty] = 1e-9 * avg
        return np.ascontiguousarray(w), np.ascontiguousarray(h)

    def transform(self, counts: sp.spmatrix) -> np.ndarray:
        return normalize_rows(self.nmf_.transform(self.tfidf_.transform(counts)))

    def without_topics(self, keep: Sequence[int]) -> NMFTopics:
        """This model with only the topics `keep` (indices into components_): their terms as
        fitted; documents are placed on them again by transform (H fixed), so a dropped
        topic's words go to the topics that share them."""
        out = clone(self).set_params(n_topics=len(keep))
        out.tfidf_ = self.tfidf_
        out.nmf_ = clone(self.nmf_).set_params(n_components=len(keep), init=None)
        out.nmf_.components_ = np.ascontiguousarray(self.nmf_.components_[list(keep)])
        out.nmf_.n_components_ = len(keep)
        out.nmf_.n_features_in_ = self.nmf_.n_features_in_
        # MiniBatchNMF's transform reads what its fit worked out (batch NMF's works them out
        # again): without them, dropping dead topics of an online fit failed (30M big).
        for name in ("_beta_loss", "_gamma", "_transform_max_iter"):
            if hasattr(self.nmf_, name):
                setattr(out.nmf_, name, getattr(self.nmf_, name))
        out.nmf_._n_components = len(keep)
        out.components_ = out.nmf_.components_
        return out


class SklearnLDA(BaseEstimator):
    """scikit-learn's variational LDA on counts: batch, or online (minibatches) for large
    corpora."""

    def __init__(self, n_topics: int = 8, random_state: int = 0, max_iter: int = 400,
                 solver: str = "batch"):
        self.n_topics = n_topics
        self.random_state = random_state
        self.max_iter = max_iter
        self.solver = solver

    def fit(self, counts: sp.spmatrix, y=None) -> SklearnLDA:
        if self.solver == "online":
            # Passes over the corpus: at least two, and enough for ONLINE_LDA_UPDATES
            # minibatch updates on a small one (a pass of 150,000 documents takes ~15 s).
            n_batches = -(-counts.shape[0] // ONLINE_BATCH_SIZE)
            passes = min(self.max_iter, max(2, -(-ONLINE_LDA_UPDATES // n_batches)))
            order = _shuffled_rows(counts.shape[0], self.random_state)
            self.lda_ = LatentDirichletAllocation(
                n_components=self.n_topics, learning_method="online",
                batch_size=ONLINE_BATCH_SIZE, total_samples=counts.shape[0],
                max_iter=passes, random_state=self.random_state,
            ).fit(sp.csr_matrix(counts)[order])
            self.components_ = self.lda_.components_
            return self
        self.lda_ = LatentDirichletAllocation(
            n_components=self.n_topics, learning_method="batch",
            max_iter=min(self.max_iter, 200), random_state=self.random_state,
        ).fit(counts)
        self.components_ = self.lda_.components_
        return self

    def transform(self, counts: sp.spmatrix) -> np.ndarray:
        return normalize_rows(self.lda_.transform(counts))


class GensimLDA(BaseEstimator):
    """gensim's LdaModel behind the same face."""

    def __init__(self, n_topics: int = 8, random_state: int = 0, max_iter: int = 400):
        self.n_topics = n_topics
        self.random_state = random_state
        self.max_iter = max_iter

    def fit(self, counts: sp.spmatrix, y=None) -> GensimLDA:
        from gensim.matutils import Sparse2Corpus
        from gensim.models import LdaModel

        corpus = Sparse2Corpus(sp.csc_matrix(counts), documents_columns=False)
        self.model_ = LdaModel(
            corpus, num_topics=self.n_topics, id2word={i: str(i) for i in range(counts.shape[1])},
            random_state=self.random_state, passes=20, iterations=self.max_iter,
            alpha="auto", eta="auto",
        )
        self.components_ = self.model_.get_topics()
        return self

    def transform(self, counts: sp.spmatrix) -> np.ndarray:
        from gensim.matutils import Sparse2Corpus, corpus2dense

        corpus = Sparse2Corpus(sp.csc_matrix(counts), documents_columns=False)
        gammas, _ = self.model_.inference(list(corpus))
        dense = corpus2dense([[(k, v) for k, v in enumerate(row)] for row in gammas],
                             num_terms=self.n_topics).T
        return normalize_rows(dense)


class GensimAuthorTopic(BaseEstimator):
    """gensim's AuthorTopicModel with speakers as authors (Rosen-Zvi et al. 2004).

    Each document is written by its speaker and by a pseudo-author of its own, so the model
    gives document-level topics (for doc_topics.csv) while pooling each speaker's documents.
    It describes the documents it was fitted on: transform takes those same counts.
    """

    def __init__(self, n_topics: int = 8, random_state: int = 0, max_iter: int = 400,
                 authors: tuple[str, ...] = ()):
        self.n_topics = n_topics
        self.random_state = random_state
        self.max_iter = max_iter
        self.authors = authors

    def fit(self, counts: sp.spmatrix, y=None) -> GensimAuthorTopic:
        from gensim.matutils import Sparse2Corpus
        from gensim.models import AuthorTopicModel

        authors = self.authors or tuple(f"doc:{i}" for i in range(counts.shape[0]))
        if len(authors) != counts.shape[0]:
            raise ValueError("authors must name the speaker of every row of counts")
        author2doc: dict[str, list[int]] = {}
        for i, author in enumerate(authors):
            author2doc.setdefault(f"speaker:{author}", []).append(i)
            author2doc[f"doc:{i}"] = [i]
        corpus = list(Sparse2Corpus(sp.csc_matrix(counts), documents_columns=False))
        self.model_ = AuthorTopicModel(
            corpus, num_topics=self.n_topics, author2doc=author2doc,
            id2word={i: str(i) for i in range(counts.shape[1])}, passes=10,
            iterations=min(self.max_iter, 100), random_state=self.random_state,
        )
        self.components_ = self.model_.get_topics()
        self.n_rows_ = counts.shape[0]
        return self

    def _distribution(self, author: str) -> np.ndarray:
        row = np.zeros(self.n_topics)
        for k, p in self.model_.get_author_topics(author, minimum_probability=0.0):
            row[k] = p
        return row

    def transform(self, counts: sp.spmatrix) -> np.ndarray:
        if counts.shape[0] != self.n_rows_:
            raise ValueError("the author-topic model describes only the documents it was fit on")
        return normalize_rows(np.array([self._distribution(f"doc:{i}")
                                         for i in range(self.n_rows_)]))


def load_tomotopy():
    """The tomotopy module; an optional engine: say how to get it."""
    try:
        import tomotopy
    except ImportError:
        from pipeline.common.errors import PipelineError

        raise PipelineError("model.engine: tomotopy_lda needs the tomotopy package; "
                            "pip install '.[tomotopy]'") from None
    return tomotopy


def _row_words(rows: sp.csr_matrix, i: int, known: frozenset[str] | None = None) -> list[str]:
    """Row i of a count matrix as tomotopy words: each column's index, repeated count times
    (rounded), keeping only `known` words if given."""
    start, end = rows.indptr[i], rows.indptr[i + 1]
    words = [str(j) for j, c in zip(rows.indices[start:end], rows.data[start:end], strict=True)
             for _ in range(int(round(c)))]
    return words if known is None else [w for w in words if w in known]


class TomotopyLDA(BaseEstimator):
    """tomotopy's collapsed-Gibbs LDA (C++), an optional extra: `pip install '.[tomotopy]'`.

    Words are the count matrix's column indices. transform puts new documents on the fitted
    topics with tomotopy's `infer` (one worker, no parallel scheme: same model and counts,
    same shares; the sampler is seeded from the model's seed, also after `loads`). With
    `seed_topics`, theme k's topic is topic k: its seed words get word prior SEED_PRIOR there
    and exactly 0 on every other topic, so (as with seeded NMF) they start and stay on it.
    """

    # Gibbs sweeps, at the least, whatever model.max_iter says: a sweep is one pass of
    # sampling, far less than one NMF or variational iteration (the shipped max_iter, 400,
    # suits those).
    MIN_SWEEPS = 1000
    # Sweeps of `infer` per new document: the topics are fixed, only the document's own
    # assignments move (tomotopy's default).
    INFER_SWEEPS = 100
    # A seed word's prior on its theme's topic (tomotopy's eta is 0.01 elsewhere). Tokens start
    # where the prior puts them; an exact 0 elsewhere means a seed word's token can never move
    # to another topic (a prior of 1e-4 there let one token through, then all followed).
    SEED_PRIOR = 1.0

    # A scikit-learn estimator takes its settings as arguments (get_params, clone).
    def __init__(self, n_topics: int = 8, random_state: int = 0, max_iter: int = MIN_SWEEPS,
                 seed_topics: tuple[tuple[int, ...], ...] = ()):
        self.n_topics = n_topics
        self.random_state = random_state
        self.max_iter = max_iter
        self.seed_topics = seed_topics

    def fit(self, counts: sp.spmatrix, y=None) -> TomotopyLDA:
        tomotopy = load_tomotopy()
        rows = sp.csr_matrix(counts)
        model = tomotopy.LDAModel(k=self.n_topics, seed=self.random_state)
        words = [_row_words(rows, i) for i in range(rows.shape[0])]
        # tomotopy skips an empty document: remember which rows it holds.
        held = np.array([bool(w) for w in words])
        for row in words:
            if row:
                model.add_doc(row)
        for word, prior in self._word_priors(set(model.vocabs)).items():
            model.set_word_prior(word, prior)
        # One worker, no parallel scheme: tomotopy's parallel sampler is not reproducible.
        model.train(max(self.max_iter, 200), workers=1,
                    parallel=tomotopy.ParallelScheme.NONE)
        theta = np.zeros((rows.shape[0], self.n_topics))
        theta[held] = [doc.get_topic_dist() for doc in model.docs]
        self.model_ = model
        self.infer_sweeps_ = self.INFER_SWEEPS
        self.embedding_ = normalize_rows(theta)
        self.components_ = self._components(rows.shape[1])
        return self

    def _word_priors(self, vocabulary: set[str]) -> dict[str, list[float]]:
        """Each seed word's prior over the topics: SEED_PRIOR on its themes' topics (a word
        of two themes serves both), 0 elsewhere."""
        seeded = [cols for cols in self.seed_topics if cols][: self.n_topics]
        priors: dict[str, list[float]] = {}
        for k, cols in enumerate(seeded):
            for j in cols:
                if str(j) in vocabulary:
                    priors.setdefault(str(j), [0.0] * self.n_topics)[k] = self.SEED_PRIOR
        return priors

    def _components(self, n_terms: int) -> np.ndarray:
        components = np.zeros((self.n_topics, n_terms))
        columns = [int(word) for word in self.model_.used_vocabs]
        for k in range(self.n_topics):
            components[k, columns] = self.model_.get_topic_word_dist(k)
        return components

    def fit_transform(self, counts: sp.spmatrix, y=None) -> np.ndarray:
        """Fit, and the documents' topic shares from the fit's own sampling (as NMF's
        fit_transform: inferring them again would cost another pass per document)."""
        return self.fit(counts).embedding_

    def transform(self, counts: sp.spmatrix) -> np.ndarray:
        """New documents' topic shares by `infer`; a document with no word the model knows
        is spread evenly."""
        tomotopy = load_tomotopy()
        rows = sp.csr_matrix(counts)
        known = frozenset(self.model_.used_vocabs)
        words = [_row_words(rows, i, known) for i in range(rows.shape[0])]
        theta = np.zeros((rows.shape[0], self.n_topics))
        held = [i for i, row in enumerate(words) if row]
        if held:
            # make_doc of an empty list aborts the process (a C++ exception): never called.
            docs = [self.model_.make_doc(words[i]) for i in held]
            dists, _ = self.model_.infer(docs, iterations=self.infer_sweeps_, workers=1,
                                         parallel=tomotopy.ParallelScheme.NONE)
            theta[held] = np.asarray(dists, dtype=float)
        return normalize_rows(theta)

    def model_bytes(self) -> bytes:
        """The fitted tomotopy model as bytes (without its training documents: `infer`
        needs only the topics and priors)."""
        return bytes(self.model_.saves(full=False))

    @classmethod
    def from_bytes(cls, data: bytes, n_terms: int, seed: int, infer_sweeps: int) -> TomotopyLDA:
        """A fitted model from model_bytes (fitted with `seed`), ready to transform counts
        of n_terms columns with infer_sweeps sweeps."""
        model = load_tomotopy().LDAModel.loads(data)
        out = cls(n_topics=model.k, random_state=seed)
        out.model_, out.infer_sweeps_ = model, infer_sweeps
        out.components_ = out._components(n_terms)
        return out


@dataclass(frozen=True)
class EngineSpec:
    """How a model is fitted: the engine (ENGINES) and its settings.
    seed_topics: each seeded theme's columns; solver: batch | online; rough: the K sweep's
    looser fit (see make_model)."""

    name: str
    max_iter: int = 400
    n_top_terms: int = 10
    seed_topics: tuple[tuple[int, ...], ...] = ()
    solver: str = "batch"
    rough: bool = False


Builder = Callable[[EngineSpec, int, int, tuple[str, ...]], BaseEstimator]


def _nmf(spec: EngineSpec, n_topics: int, seed: int, authors: tuple[str, ...]) -> NMFTopics:
    # rough: a looser tolerance for the K sweep, 1e-3 (on diet-dev it chose the same K with
    # the same good-topic counts but one, in 18 s of sweep instead of 30), and CD fits capped
    # at ROUGH_MAX_ITER (at K 65 on 18,000 documents 50 iterations gave the same dead topics
    # as 80). Seeded themes fit by multiplicative updates, which move little per iteration:
    # their sweep keeps 1e-4 and no cap; 1e-3 was measured for CD fits only.
    seeded = any(cols for cols in spec.seed_topics)
    max_iter, tol = spec.max_iter, 1e-5
    if spec.rough:
        tol = 1e-4 if seeded else 1e-3
        max_iter = max_iter if seeded else min(max_iter, ROUGH_MAX_ITER)
    return NMFTopics(n_topics, seed, max_iter, spec.seed_topics, spec.solver, tol)


# Each engine from its settings (seed_topics guide NMF and tomotopy_lda; authors, one speaker
# per row, feed the author-topic model; solver online applies to ONLINE_ENGINES, see
# choose_solver). Iteration floors and caps are the engines' own (their classes say why).
BUILDERS: dict[str, Builder] = {
    "nmf": _nmf,
    "lda": lambda spec, k, seed, _: SklearnLDA(k, seed, spec.max_iter, spec.solver),
    "gensim_lda": lambda spec, k, seed, _: GensimLDA(n_topics=k, random_state=seed,
                                                     max_iter=spec.max_iter),
    "author_topic": lambda spec, k, seed, authors: GensimAuthorTopic(k, seed, spec.max_iter,
                                                                     authors),
    "tomotopy_lda": lambda spec, k, seed, _: TomotopyLDA(
        k, seed, max(spec.max_iter, TomotopyLDA.MIN_SWEEPS), spec.seed_topics),
}


def make_model(spec: EngineSpec, n_topics: int, seed: int,
               authors: tuple[str, ...] = ()) -> BaseEstimator:
    """A fresh, unfitted model of spec's engine with n_topics topics."""
    if spec.name not in BUILDERS:
        raise ValueError(f"unknown engine {spec.name!r}; one of {', '.join(ENGINES)}")
    return BUILDERS[spec.name](spec, n_topics, seed, authors)
