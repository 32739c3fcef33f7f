"""The temporary store of documents' topic shares (pipeline/model/share_store.py)."""

from __future__ import annotations

import numpy as np

from pipeline.model.share_store import ShareStore


def test_rows_written_in_any_order_read_back_as_written():
    rng = np.random.default_rng(0)
    values = rng.random((1000, 7))
    store = ShareStore(*values.shape)
    order = rng.permutation(1000)
    for start in range(0, 1000, 128):  # scattered rows, as a minibatch's
        rows = order[start:start + 128]
        store.write(rows, values[rows])
    assert np.array_equal(store.read(slice(None)), values)
    assert np.array_equal(store.read(slice(100, 300)), values[100:300])
    assert np.array_equal(store.read(order[:5]), values[order[:5]])
    # A copy: changing what was read leaves the store as it was.
    block = store.read(slice(0, 10))
    block[:] = -1
    assert np.array_equal(store.read(slice(0, 10)), values[:10])
    store.close()


def test_rows_never_written_read_as_zeros():
    store = ShareStore(50, 3)
    store.write(slice(10, 20), np.ones((10, 3)))
    assert store.read(slice(None)).sum() == 30
    assert not store.read(slice(0, 10)).any()
    store.close()
