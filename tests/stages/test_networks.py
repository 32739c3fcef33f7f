"""Tests for pipeline/stages/networks.py: the documents streamed in blocks, and the rows of
the correspondence analysis."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from _corpora import noisy_corpus

from pipeline.common.errors import PipelineError
from pipeline.report import network_counts
from pipeline.report.network_counts import TermBlock, mark_terms, tally_blocks
from pipeline.report.networks import (
    cooccurrence_network,
    network_of,
    speaker_term_table,
    term_table_of,
    top_terms,
)
from pipeline.stages.networks import attribute_label, doc_blocks, require_rows

GROUPS = ["自由民主党", "（なし）", "", "公明党"]


def _files(tmp_path, texts, groups, dropped=()):
    """doc_topics.csv of the documents not in `dropped`, tokens.jsonl and documents.jsonl of
    every one (the stages' files, as the pipeline writes them)."""
    n = len(texts)
    shares = np.random.default_rng(3).dirichlet(np.ones(3), size=n).round(6)
    kept = [i for i in range(n) if i not in dropped]
    pd.DataFrame({"doc_id": [f"d{i}" for i in kept], "meeting": [f"m{i % 3}" for i in kept],
                  "speaker": [f"話者{i % 5}" for i in kept],
                  **{f"topic_{k + 1}": shares[kept, k] for k in range(3)}}
                 ).to_csv(tmp_path / "doc_topics.csv", index=False, float_format="%.6f")
    with open(tmp_path / "tokens.jsonl", "w", encoding="utf-8") as out:
        for i, words in enumerate(texts):
            out.write(json.dumps({"doc_id": f"d{i}", "terms": [*words, "外"]}) + "\n")
    with open(tmp_path / "documents.jsonl", "w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps({"doc_id": f"d{i}", "meeting": f"m{i % 3}", "speaker": "",
                                  "attributes": {"group": groups[i % len(groups)]}},
                                 ensure_ascii=False) + "\n")
    vocabulary = sorted({w for words in texts for w in words})
    (tmp_path / "vocabulary.json").write_text(json.dumps(vocabulary), encoding="utf-8")
    return SimpleNamespace(**{name: str(tmp_path / f"{name}.{ext}") for name, ext in (
        ("doc_topics", "csv"), ("tokens", "jsonl"), ("documents", "jsonl"),
        ("vocabulary", "json"))}), shares[kept], kept


def test_streamed_blocks_give_the_maps_of_every_document_at_once(tmp_path, monkeypatch):
    _, _, texts = noisy_corpus(n_docs=90, seed=4)
    args, shares, kept = _files(tmp_path, texts, GROUPS, dropped={0, 17, 40, 89})
    modelled = [texts[i] for i in kept]
    whole = cooccurrence_network(modelled, shares, [1, 2, 3], n_nodes=12, n_edges=15)
    speakers = [f"話者{i % 5}" for i in kept]
    whole_table = speaker_term_table(modelled, speakers, 5, n_speakers=4, n_terms=6)
    monkeypatch.setattr(network_counts, "BLOCK_DOCS", 7)  # many blocks, one cut mid-meeting
    columns = ["topic_1", "topic_2", "topic_3"]
    tally = tally_blocks(TermBlock(b.doc_terms, b.labels)
                         for b in doc_blocks(args, columns, "speaker"))
    terms = top_terms(tally, 12)
    marks = mark_terms(((b.doc_terms, b.shares) for b in doc_blocks(args, columns, None)),
                       terms, 3)
    assert whole.edges and network_of(terms, marks, [1, 2, 3], 15) == whole
    pd.testing.assert_frame_equal(term_table_of(tally, 5, 4, 6), whole_table)
    assert "外" not in tally.terms  # a term outside the vocabulary is not modelled


def test_blocks_carry_each_documents_attribute_and_speakers_without_one_are_no_row(tmp_path):
    texts = [["a", "b"], ["b"], ["c"], ["a"], ["b", "c"]]
    args, _, _ = _files(tmp_path, texts, GROUPS)
    labels = [label for b in doc_blocks(args, ["topic_1"], "group") for label in b.labels]
    assert labels == ["自由民主党", "", "", "公明党", "自由民主党"]
    assert attribute_label({"attributes": {"group": "(なし)"}}, "group") == ""
    assert attribute_label({"role": "委員長"}, "role") == "委員長"


def test_a_doc_topics_of_another_run_is_one_line_naming_the_file(tmp_path):
    args, _, _ = _files(tmp_path, [["a"], ["b"], ["c"]], GROUPS)
    rows = pd.read_csv(args.doc_topics)
    rows.iloc[::-1].to_csv(args.doc_topics, index=False)  # not in tokens.jsonl's order
    with pytest.raises(PipelineError, match=r"tokens\.jsonl: no document d1 of doc_topics"):
        list(doc_blocks(args, ["topic_1"], None))


def test_an_attribute_no_document_has_is_an_error(tmp_path):
    args, _, _ = _files(tmp_path, [["a"], ["b"]], ["（なし）", ""])
    labels = [label for b in doc_blocks(args, ["topic_1"], "group") for label in b.labels]
    with pytest.raises(PipelineError, match="^report.ca_rows: no document has the attribute"):
        require_rows(labels, "group")
    require_rows(["", ""], "speaker")  # speakers are rows whatever their names
