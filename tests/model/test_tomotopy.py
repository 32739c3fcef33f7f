"""tomotopy_lda as a complete engine: new documents by `infer`, seeded themes by word priors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from pipeline.model.engines import EngineSpec, TomotopyLDA, make_model
from pipeline.model.topics import TermCounts, fit_topics

pytest.importorskip("tomotopy", reason="the tomotopy extra (in the dev extra) is not installed")


def planted(n_topics=3, docs_per_topic=20, terms_per_topic=8, seed=0):
    """Documents that each use only their own topic's block of terms."""
    rng = np.random.default_rng(seed)
    rows = np.zeros((n_topics * docs_per_topic, n_topics * terms_per_topic))
    for k in range(n_topics):
        for d in range(docs_per_topic):
            rows[k * docs_per_topic + d, k * terms_per_topic:(k + 1) * terms_per_topic] = \
                rng.integers(1, 5, terms_per_topic)
    vocab = [f"w{k}_{i}" for k in range(n_topics) for i in range(terms_per_topic)]
    return sp.csr_matrix(rows), np.repeat(np.arange(n_topics), docs_per_topic), vocab


def _new_documents(n_terms=24):
    """One document per block made of that block's words only, one of words the model never
    saw (no column with counts), and an empty one."""
    rows = np.zeros((5, n_terms + 1))
    for k in range(3):
        rows[k, k * 8:k * 8 + 5] = [3, 1, 2, 1, 2]
    rows[3, n_terms] = 4
    return sp.csr_matrix(rows)


def test_new_documents_go_to_their_blocks_topic_reproducibly():
    counts, labels, _ = planted()
    wide = sp.hstack([counts, sp.csr_matrix((counts.shape[0], 1))]).tocsr()  # a column unseen
    model = make_model(EngineSpec("tomotopy_lda"), 3, seed=3).fit(wide)
    fitted = model.embedding_.argmax(axis=1)
    topic_of_block = [np.bincount(fitted[labels == k]).argmax() for k in range(3)]
    assert sorted(topic_of_block) == [0, 1, 2]
    theta = model.transform(_new_documents())
    assert theta.shape == (5, 3)
    assert np.allclose(theta.sum(axis=1), 1)
    assert list(theta[:3].argmax(axis=1)) == topic_of_block
    assert (theta[:3].max(axis=1) > 0.8).all()
    # Nothing the model knows: spread evenly (never handed to tomotopy, which aborts on it).
    assert np.allclose(theta[3:], 1 / 3)
    # Same model, same counts: the same shares; and a model fitted again with the same seed
    # gives them too (one worker, no parallel scheme).
    assert np.array_equal(theta, model.transform(_new_documents()))
    again = make_model(EngineSpec("tomotopy_lda"), 3, seed=3).fit(wide)
    assert np.array_equal(theta, again.transform(_new_documents()))
    # A document's shares do not depend on the others scored with it.
    assert np.array_equal(theta[1:2], model.transform(_new_documents()[1:2]))


def test_the_fitted_documents_shares_come_from_the_fit_and_keep_empty_rows_in_place():
    counts, labels, _ = planted()
    counts = sp.vstack([sp.csr_matrix((1, counts.shape[1])), counts]).tocsr()  # empty row 0
    model = TomotopyLDA(3, 3).fit(counts)
    theta = model.fit_transform(counts)
    assert theta.shape == (counts.shape[0], 3)
    assert np.allclose(theta[0], 1 / 3)
    found = theta[1:].argmax(axis=1)
    assert all(len(set(found[labels == k])) == 1 for k in range(3))


@pytest.mark.parametrize("seeds", [((16, 17),), ((0, 16),)])
def test_a_seeded_theme_keeps_its_seed_words(seeds):
    # (0, 16): one word of block 0 and one of block 2, which the free fit would put in two
    # topics: the theme's topic keeps both, as seeded NMF does.
    counts, _, vocab = planted()
    fitted = fit_topics(TermCounts(counts, tuple(vocab)),
                        EngineSpec("tomotopy_lda", 400, 5, seeds), 3, 0)
    k = fitted.origin.index(0)  # a theme's topic is the engine's topic of that theme's index
    columns = list(seeds[0])
    assert {vocab[c] for c in columns} <= set(fitted.terms[k])
    # No other topic holds a token of them: their weight there is the topic's smoothing
    # floor (tomotopy reports eta where a word has no token).
    others = np.delete(fitted.components, k, axis=0)
    floor = others.min(axis=1, keepdims=True)
    assert np.allclose(others[:, columns], floor, rtol=1e-6)
    assert (fitted.components[k, columns] > 10 * floor.max()).all()
    # ...and new documents' seed words land there too.
    model = fitted.model
    row = np.zeros((1, counts.shape[1]))
    row[0, columns] = 3
    assert model.transform(sp.csr_matrix(row))[0].argmax() == fitted.origin[k]


def test_without_themes_the_seed_words_are_free():
    counts, _, vocab = planted()
    fitted = fit_topics(TermCounts(counts, tuple(vocab)), EngineSpec("tomotopy_lda", 400, 5),
                        3, 0)
    # Words 0 and 16 belong to different blocks, so no topic holds both among its top terms.
    assert not any({"w0_0", "w2_0"} <= set(terms) for terms in fitted.terms)
