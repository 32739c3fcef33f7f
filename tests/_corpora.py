"""Synthetic corpora shared by tests of the model and its users."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def noisy_corpus(n_docs=150, n_topics=3, terms_per_topic=10, seed=0):
    """Planted topics with a shared background, so runs under different seeds differ."""
    rng = np.random.default_rng(seed)
    n_terms = n_topics * terms_per_topic + 10
    rows, texts = [], []
    for d in range(n_docs):
        k = d % n_topics
        row = np.zeros(n_terms, dtype=int)
        own = rng.integers(k * terms_per_topic, (k + 1) * terms_per_topic, 12)
        other = rng.integers(0, n_terms, 4)  # any term, background included
        for term in np.concatenate([own, other]):
            row[term] += 1
        rows.append(row)
        words = [f"t{t}" for t in np.concatenate([own, other])]
        texts.append([str(w) for w in rng.permutation(words)])
    vocab = [f"t{i}" for i in range(n_terms)]
    return sp.csr_matrix(np.array(rows)), vocab, texts
