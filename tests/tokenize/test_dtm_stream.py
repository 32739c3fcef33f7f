"""The matrix pruned a block at a time equals the one pruned whole (dtm.py), byte for byte."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.common.atomic import sparse_to_npz_bytes
from pipeline.common.config import VectorizeConfig
from pipeline.common.errors import PipelineError
from pipeline.tokenize.dtm import build_dtm_from_counts, count_terms
from pipeline.tokenize.dtm_stream import stream_dtm

WORDS = ["拉致", "北朝鮮", "物価", "日銀", "解決", "防衛", "教育", "災害", "賃金", "税", "国民",
         "実現"]
documents = st.lists(st.tuples(st.lists(st.sampled_from(WORDS), max_size=8),
                               st.integers(0, 29)), min_size=1, max_size=80)


def _whole(docs, cfg):
    try:
        return build_dtm_from_counts(count_terms(iter(docs)), cfg)
    except PipelineError as exc:
        return str(exc)


def _streamed(docs, cfg, block):
    try:
        return stream_dtm(iter(docs), cfg, block)
    except PipelineError as exc:
        return str(exc)


def _same(a, b):
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert a.vocabulary == b.vocabulary and a.doc_ids == b.doc_ids and a.common == b.common
    assert sparse_to_npz_bytes(a.counts) == sparse_to_npz_bytes(b.counts)


@settings(max_examples=80, deadline=None)
@given(docs=documents, block=st.integers(1, 9), min_df=st.integers(1, 3),
       max_features=st.none() | st.integers(1, 8), min_doc_terms=st.integers(1, 3),
       max_meeting_df=st.sampled_from([0.3, 0.6, 1.0]), together=st.booleans())
def test_blocks_prune_as_the_whole_matrix_does(docs, block, min_df, max_features,  # noqa: PLR0913
                                               min_doc_terms, max_meeting_df, together):
    # Meetings in runs (as tokens.jsonl has them), or scattered (the whole-matrix fallback);
    # up to 30 meetings, so that max_meeting_df applies from 20 on.
    if together:
        docs = sorted(docs, key=lambda d: d[1])
    triples = [(f"d{i}", terms, f"m{meeting}") for i, (terms, meeting) in enumerate(docs)]
    cfg = VectorizeConfig(min_df=min_df, max_df=0.9, max_features=max_features,
                          max_meeting_df=max_meeting_df, min_doc_terms=min_doc_terms)
    _same(_streamed(triples, cfg, block), _whole(triples, cfg))


def test_common_terms_counted_across_blocks_and_meetings_split_by_them():
    # 24 meetings of 3 documents, blocks of 2: every meeting crosses or ends a block.
    triples = [(f"d{m}.{i}", ["国民", f"語{m}", f"語{m + 1}"] if i == 0 else [f"語{m}", "税"],
                f"m{m}") for m in range(24) for i in range(3)]
    cfg = VectorizeConfig(min_df=1, max_df=1.0, max_meeting_df=0.5)
    streamed = stream_dtm(iter(triples), cfg, block_size=2)
    assert set(streamed.common) == {"国民", "税"}
    _same(streamed, build_dtm_from_counts(count_terms(iter(triples)), cfg))


def test_every_document_too_short_is_one_clear_error():
    cfg = VectorizeConfig(min_df=1, min_doc_terms=5)
    with pytest.raises(PipelineError, match="min_doc_terms"):
        stream_dtm(iter([("a", ["税"], "m"), ("b", ["物価"], "m")]), cfg, block_size=1)


def test_scattered_meetings_give_the_same_matrix():
    triples = [(f"d{i}", ["税", f"語{i % 21}"], f"m{i % 21}") for i in range(63)]
    cfg = VectorizeConfig(min_df=1, max_df=1.0, max_meeting_df=0.9)
    streamed = stream_dtm(iter(triples), cfg, block_size=5)
    assert streamed.common == ("税",)
    assert np.array_equal(streamed.counts.toarray(),
                          build_dtm_from_counts(count_terms(iter(triples)), cfg).counts.toarray())
