"""Topic model engines behind one scikit-learn face: fit(counts) / transform / components_.

Every engine takes raw term counts; any re-weighting (TF-IDF for NMF) happens inside, so
callers never branch on the engine.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.feature_extraction.text import TfidfTransformer

ENGINES = ("nmf", "lda", "gensim_lda")


def _normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows that sum to 1; an all-zero row (nothing the model knows) becomes uniform."""
    matrix = np.asarray(matrix, dtype=float)
    totals = matrix.sum(axis=1, keepdims=True)
    uniform = np.full_like(matrix, 1.0 / matrix.shape[1])
    return np.where(totals > 0, matrix / np.where(totals > 0, totals, 1), uniform)


class NMFTopics(BaseEstimator):
    """NMF on sublinear TF-IDF from an NNDSVD start whose zeros are filled from the seed.

    The seed matters (nndsvdar), so fits under several seeds measure stability honestly.
    """

    def __init__(self, n_topics: int = 8, random_state: int = 0, max_iter: int = 400,
                 init: str = "nndsvdar"):
        self.n_topics = n_topics
        self.random_state = random_state
        self.max_iter = max_iter
        self.init = init

    def fit(self, counts: sp.spmatrix, y=None) -> NMFTopics:
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts)
        self.nmf_ = NMF(
            n_components=self.n_topics, init=self.init, random_state=self.random_state,
            max_iter=self.max_iter, tol=1e-5,
        )
        self.nmf_.fit(self.tfidf_.transform(counts))
        self.components_ = self.nmf_.components_
        return self

    def transform(self, counts: sp.spmatrix) -> np.ndarray:
        return _normalize_rows(self.nmf_.transform(self.tfidf_.transform(counts)))


class SklearnLDA(BaseEstimator):
    """scikit-learn's batch variational LDA on counts."""

    def __init__(self, n_topics: int = 8, random_state: int = 0, max_iter: int = 400):
        self.n_topics = n_topics
        self.random_state = random_state
        self.max_iter = max_iter

    def fit(self, counts: sp.spmatrix, y=None) -> SklearnLDA:
        self.lda_ = LatentDirichletAllocation(
            n_components=self.n_topics, learning_method="batch",
            max_iter=min(self.max_iter, 200), random_state=self.random_state,
        ).fit(counts)
        self.components_ = self.lda_.components_
        return self

    def transform(self, counts: sp.spmatrix) -> np.ndarray:
        return _normalize_rows(self.lda_.transform(counts))


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
        return _normalize_rows(dense)


def make_model(engine: str, n_topics: int, seed: int, max_iter: int = 400) -> BaseEstimator:
    """A fresh, unfitted model of the named engine."""
    classes = {"nmf": NMFTopics, "lda": SklearnLDA, "gensim_lda": GensimLDA}
    return classes[engine](n_topics=n_topics, random_state=seed, max_iter=max_iter)


def top_terms(components: np.ndarray, vocabulary: tuple[str, ...], n: int) -> list[list[str]]:
    """The n heaviest terms of each topic; ties broken by the term, for stable output."""
    out = []
    for row in components:
        order = sorted(range(len(row)), key=lambda i: (-row[i], vocabulary[i]))[:n]
        out.append([vocabulary[i] for i in order])
    return out
