"""The speakers stage's blocks of doc_topics.csv (pipeline/stages/speakers.py): each
document's tokens from the index, its doc_id the index's own string."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from pipeline.stages.speakers import with_tokens


def _inputs():
    ids = np.array([f"m{i % 7}#{i}.1" for i in range(50)], dtype=object)
    n_tokens = pd.Series(np.arange(50, dtype=np.int64) * 3, index=ids)
    text = "doc_id,meeting\n" + "".join(f"{d},{d[:2]}\n" for d in ids[::-1][:20])
    return n_tokens, pd.read_csv(io.StringIO(text))


def test_a_block_gets_the_tokens_the_map_gives_and_shares_the_index_strings():
    n_tokens, block = _inputs()
    ids = n_tokens.index.to_numpy()
    found = with_tokens(block, n_tokens, ids)
    expected = block.assign(n_tokens=block["doc_id"].map(n_tokens))
    pd.testing.assert_frame_equal(found, expected, check_exact=True)
    # One string per document: the index's, not a second copy read from the file.
    assert all(a is b for a, b in zip(found["doc_id"], ids[::-1][:20], strict=True))
    assert not any(a is b for a, b in zip(block["doc_id"], ids[::-1][:20], strict=True))


def test_a_document_the_index_lacks_has_no_tokens_as_before():
    n_tokens, block = _inputs()
    block.loc[3, "doc_id"] = "外#1.1"
    found = with_tokens(block, n_tokens, n_tokens.index.to_numpy())
    pd.testing.assert_frame_equal(found, block.assign(n_tokens=block["doc_id"].map(n_tokens)))
    assert np.isnan(found.loc[3, "n_tokens"])
