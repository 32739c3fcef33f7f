"""doc_topics.csv and dtm.npz read in blocks (report/doc_topic_blocks.py): the rows kept and
the sums equal those of the whole table and matrix, over several blocks, in the pipeline's
row order and in another."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from pipeline.common.atomic import write_csv
from pipeline.common.errors import PipelineError
from pipeline.common.io import read_doc_topics, read_index, read_matrix
from pipeline.report import doc_topic_blocks
from pipeline.report.doc_topic_blocks import (
    DocTopicSources,
    QuoteRule,
    add_term_counts,
    read_doc_topic_blocks,
    summarize,
)
from pipeline.report.quotes import best_documents

N_DOCS, N_TOPICS, N_TERMS = 61, 4, 30
RULE = QuoteRule(tuple(range(1, N_TOPICS + 1)), n=3, min_share=0.5)


def _matrix(rng: np.random.Generator) -> sp.csr_matrix:
    """Counts whose rows store their terms out of order, as vectorize's may: the products
    add in stored order."""
    dense = rng.integers(0, 4, size=(N_DOCS, N_TERMS)) * (rng.random((N_DOCS, N_TERMS)) < 0.3)
    rows = sp.csr_matrix(dense.astype("int32"))
    indices = rows.indices.copy()
    for r in range(N_DOCS):
        indices[rows.indptr[r]:rows.indptr[r + 1]] = indices[rows.indptr[r]:rows.indptr[r + 1]
                                                             ][::-1]
    data = np.concatenate([rows.data[rows.indptr[r]:rows.indptr[r + 1]][::-1]
                           for r in range(N_DOCS)])
    return sp.csr_matrix((data, indices, rows.indptr), shape=rows.shape)


def _project(tmp_path, order: np.ndarray | None = None):
    """doc_topics.csv (rows in `order`, else the index's), dtm_documents.json, dtm.npz."""
    rng = np.random.default_rng(11)
    shares = rng.dirichlet(np.full(N_TOPICS, 0.3), size=N_DOCS).round(6)
    shares[5:9] = [1.0, 0.0, 0.0, 0.0]  # ties at the top: doc_id decides
    ids = [f"m{i % 5}#{i}.1" for i in range(N_DOCS)]
    table = pd.DataFrame({"doc_id": ids, "meeting": [f"m{i % 5}" for i in range(N_DOCS)],
                          "speaker": ["甲", "乙", "丙"] * 20 + ["甲"], "turn": range(N_DOCS),
                          **{f"topic_{k + 1}": shares[:, k] for k in range(N_TOPICS)},
                          "source_id": ""})
    write_csv(tmp_path / "doc_topics.csv", table if order is None else table.iloc[order])
    index = [{"doc_id": d, "n_tokens": int(n)} for d, n in
             zip(ids, rng.integers(1, 12, size=N_DOCS), strict=True)]
    (tmp_path / "index.json").write_text(json.dumps(index), encoding="utf-8")
    sp.save_npz(tmp_path / "dtm.npz", _matrix(rng))
    whole = read_doc_topics(tmp_path / "doc_topics.csv", read_index(tmp_path / "index.json"))
    position = {d: i for i, d in enumerate(ids)}
    matrix = read_matrix(tmp_path / "dtm.npz")[[position[d] for d in whole["doc_id"]]]
    return whole, matrix


def _read(tmp_path, searched=None):
    return read_doc_topic_blocks(DocTopicSources(
        tmp_path / "doc_topics.csv", tmp_path / "index.json", tmp_path / "dtm.npz", searched),
        RULE)


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch):
    monkeypatch.setattr(doc_topic_blocks, "BLOCK_ROWS", 7)  # nine blocks of the 61 rows


def test_term_counts_added_block_by_block_are_the_whole_products_bits():
    rng = np.random.default_rng(3)
    matrix, theta = _matrix(rng), rng.dirichlet(np.ones(N_TOPICS), size=N_DOCS)
    counts = None
    for start in range(0, N_DOCS, 7):
        counts = add_term_counts(counts, theta[start:start + 7], matrix[start:start + 7])
    assert counts is not None
    assert np.array_equal(counts, np.asarray(matrix.T @ theta))


@pytest.mark.parametrize("shuffled", [False, True])
def test_every_row_kept_is_the_whole_table(tmp_path, shuffled):
    order = np.random.default_rng(2).permutation(N_DOCS) if shuffled else None
    whole, matrix = _project(tmp_path, order)
    shown, summary = _read(tmp_path)
    pd.testing.assert_frame_equal(shown, whole)
    expected = summarize(whole, matrix)
    assert (summary.n_rows, summary.meetings, summary.columns, summary.n_tokens) == (
        expected.n_rows, expected.meetings, expected.columns, expected.n_tokens)
    assert summary.term_counts is not None and expected.term_counts is not None
    assert np.array_equal(summary.term_counts, expected.term_counts)


def test_a_sample_keeps_its_rows_and_every_topics_quotes(tmp_path):
    whole, matrix = _project(tmp_path)
    searched = frozenset((f"m{t % 5}", t) for t in range(0, N_DOCS, 4))
    shown, summary = _read(tmp_path, searched)
    pd.testing.assert_frame_equal(shown, whole.loc[shown.index])
    assert set(shown["turn"]) >= {t for _, t in searched}
    assert len(shown) < len(whole)
    for topic in RULE.topics:
        pd.testing.assert_frame_equal(best_documents(shown, topic, RULE.n, RULE.min_share),
                                      best_documents(whole, topic, RULE.n, RULE.min_share))
    assert summary.n_rows == N_DOCS and summary.meetings == frozenset(whole["meeting"])
    assert np.array_equal(summary.term_counts, summarize(whole, matrix).term_counts)


def test_a_document_not_in_the_index_is_one_line(tmp_path):
    _project(tmp_path)
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    (tmp_path / "index.json").write_text(json.dumps(index[1:]), encoding="utf-8")
    with pytest.raises(PipelineError, match=r"doc_topics.csv: document m0#0.1 is not in .*"
                                            r"\(1 such\).*rerun `dvc repro`"):
        _read(tmp_path)
