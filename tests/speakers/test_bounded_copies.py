"""The speakers stage's matrices made with fewer copies are the ones it made before: the
documents × (group, topic) matrix built directly, the groups cut without sorting the frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.speakers.groups import in_blocks
from pipeline.speakers.shares import sorted_groups


@settings(max_examples=40, deadline=None)
@given(n_rows=st.integers(0, 30), width=st.integers(1, 5), n_blocks=st.integers(1, 4),
       seed=st.integers(0, 1000))
def test_in_blocks_has_the_arrays_of_the_coordinate_construction(n_rows, width, n_blocks, seed):
    rng = np.random.default_rng(seed)
    values = rng.random((n_rows, width))
    block = rng.integers(0, n_blocks, n_rows)
    coordinates = sp.csr_matrix((values.ravel(), (np.repeat(np.arange(n_rows), width),
                                                  (block[:, None] * width
                                                   + np.arange(width)).ravel())),
                                shape=(n_rows, n_blocks * width))
    direct = in_blocks(values, block, n_blocks)
    assert direct.shape == coordinates.shape
    assert np.array_equal(direct.indptr, coordinates.indptr)
    assert np.array_equal(direct.indices, coordinates.indices)
    assert np.array_equal(direct.data, coordinates.data)
    resamples = rng.random((n_rows, 3))
    assert np.array_equal(direct.T @ resamples, coordinates.T @ resamples)  # bit for bit


def _sorted_groups_by_sorting_the_frame(doc_topics, columns, by):
    """sorted_groups as it was: the whole frame sorted by doc_id, then cut."""
    ordered = doc_topics.sort_values("doc_id", kind="stable")
    codes, keys = pd.factorize(ordered[by], sort=True)
    kept = codes >= 0
    order = np.argsort(codes[kept], kind="stable")
    return (np.asarray(keys, dtype=object), ordered[columns].to_numpy(dtype=float)[kept][order],
            ordered["n_tokens"].to_numpy(dtype=float)[kept][order],
            np.searchsorted(codes[kept][order], np.arange(len(keys) + 1)))


@settings(max_examples=40, deadline=None)
@given(n_docs=st.integers(1, 40), seed=st.integers(0, 1000))
def test_sorted_groups_equal_those_of_the_sorted_frame(n_docs, seed):
    rng = np.random.default_rng(seed)
    theta = rng.dirichlet(np.ones(3), n_docs)
    frame = pd.DataFrame({
        "doc_id": [f"m{rng.integers(0, 9)}#{i}.1" for i in rng.permutation(n_docs)],
        "role": rng.choice(["委員長", "大臣", "", None], n_docs),
        "topic_1": theta[:, 0], "topic_2": theta[:, 1], "topic_3": theta[:, 2],
        "n_tokens": rng.integers(1, 50, n_docs)})
    columns = ["topic_1", "topic_2", "topic_3"]
    groups = sorted_groups(frame, columns, "role")
    keys, thetas, tokens, bounds = _sorted_groups_by_sorting_the_frame(frame, columns, "role")
    assert list(groups.keys) == list(keys)
    assert np.array_equal(groups.thetas, thetas) and groups.thetas.flags.c_contiguous
    assert np.array_equal(groups.tokens, tokens) and np.array_equal(groups.bounds, bounds)
