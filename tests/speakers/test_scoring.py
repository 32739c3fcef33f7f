"""Tests for pipeline/speakers/scoring.py and pipeline/tokenize/new_texts.py: new documents on
the fitted topics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _corpora import noisy_corpus

from pipeline.common.config import SpeakersConfig, TokensConfig
from pipeline.model.artifact import export_model
from pipeline.model.engines import EngineSpec
from pipeline.model.topics import TermCounts, fit_topics
from pipeline.speakers.scoring import FixedTopics, count_matrix, score_documents
from pipeline.tokenize.new_texts import document_terms
from pipeline.tokenize.rules import shipped_stopwords


@pytest.fixture(scope="module")
def saved():
    counts, vocabulary, _ = noisy_corpus(n_docs=90)
    fitted = fit_topics(TermCounts(counts, tuple(vocabulary)), EngineSpec("nmf", 300, 5), 3, 0)
    share = np.asarray(counts.sum(axis=0)).ravel() / counts.sum()
    model = export_model(fitted.model, "nmf", fitted.origin, vocabulary, share)
    # Which table topic holds each planted block of terms (t0-9, t10-19, t20-29).
    block_topic = [int(np.argmax(model.arrays["components"][:, b * 10:(b + 1) * 10].sum(axis=1)))
                   for b in range(3)]
    assert sorted(block_topic) == [0, 1, 2]
    return model, block_topic


def topics_json(n=3, merged=None):
    topics = [{"topic": k + 1, "label": f"L{k + 1}"} for k in range(n)]
    if merged:
        first, *rest = merged
        topics = [t for t in topics if t["topic"] not in rest]
        next(t for t in topics if t["topic"] == first)["merged_from"] = list(merged)
    return topics


def documents(n):
    return pd.DataFrame({"doc_id": [f"new#{i}" for i in range(n)], "meeting": "new",
                         "speaker": ["甲", "甲", "乙", "乙", "丙", "丙"][:n],
                         "turn": range(1, n + 1), "source_id": ""})


def test_a_speaker_who_only_talks_of_one_block_lands_on_its_topic(saved):
    model, block_topic = saved
    terms = [[f"t{i}" for i in range(10)] * 2, [f"t{i}" for i in range(3, 9)],   # 甲: block 0
             [f"t{i}" for i in range(20, 30)], [f"t{i}" for i in range(22, 28)],  # 乙: block 2
             ["未知語", "新語"],  # 丙: nothing the model knows
             None]  # 丙: procedure
    result = score_documents(FixedTopics(model, topics_json()), documents(6), terms,
                             SpeakersConfig(), 1)
    docs = result.doc_topics
    assert list(docs["doc_id"]) == ["new#0", "new#1", "new#2", "new#3"]
    shares = docs[["topic_1", "topic_2", "topic_3"]].to_numpy()
    assert np.allclose(shares.sum(axis=1), 1) and (shares >= 0).all()
    assert list(shares.argmax(axis=1)) == [block_topic[0]] * 2 + [block_topic[2]] * 2
    speakers = result.speaker_topics
    assert set(speakers["speaker"]) == {"甲", "乙"}
    assert np.allclose(speakers.groupby("speaker")["share"].sum(), 1)
    top = speakers.loc[speakers.groupby("speaker")["share"].idxmax()].set_index("speaker")
    assert top.loc["甲", "topic"] == block_topic[0] + 1
    assert top.loc["甲", "topic_label"] == f"L{block_topic[0] + 1}"
    m = result.metrics
    assert (m["n_documents"], m["n_documents_scored"], m["n_documents_procedural"],
            m["n_documents_without_known_terms"]) == (6, 4, 1, 1)
    assert m["share_of_terms_known"] == pytest.approx(42 / 44)


def test_merged_topics_are_merged_in_new_documents_too(saved):
    model, _ = saved
    terms = [[f"t{i}" for i in range(30)]]
    plain = score_documents(FixedTopics(model, topics_json()), documents(1), terms,
                            SpeakersConfig(), 1)
    merged = score_documents(FixedTopics(model, topics_json(merged=(1, 3))), documents(1), terms,
                             SpeakersConfig(), 1)
    assert [c for c in merged.doc_topics if c.startswith("topic_")] == ["topic_1", "topic_2"]
    row, whole = merged.doc_topics.iloc[0], plain.doc_topics.iloc[0]
    assert row["topic_1"] == pytest.approx(whole["topic_1"] + whole["topic_3"])
    assert sorted(merged.speaker_topics["topic"]) == [1, 2]


def test_nothing_known_gives_empty_tables_not_an_error(saved):
    model, _ = saved
    result = score_documents(FixedTopics(model, topics_json()), documents(1), [["未知語"]],
                             SpeakersConfig(), 1)
    assert result.doc_topics.empty and result.speaker_topics.empty
    assert "topic_label" in result.speaker_topics.columns


def test_count_matrix_counts_repeats_and_leaves_unknown_terms_out():
    counts = count_matrix([["a", "b", "a", "zz"], []], ["a", "b", "c"])
    assert counts.toarray().tolist() == [[2, 1, 0], [0, 0, 0]]


def test_a_compound_the_model_knows_stays_whole_in_a_short_new_text():
    docs = [{"doc_id": "n#1.1", "meeting": "n", "speaker": "甲",
             "text": "経済安全保障について伺います。"}]
    roster = [{"speaker": "甲", "speaker_label": "甲", "role": ""}]
    cfg = TokensConfig()
    # Said once, under tokens.compound_min_count: cut into its parts, as the fit would...
    [alone] = document_terms(docs, roster, cfg, shipped_stopwords(), frozenset())
    assert "経済安全保障" not in alone and "安全保障" not in alone
    # ...unless the model knows the compound.
    [known] = document_terms(docs, roster, cfg, shipped_stopwords(), frozenset({"経済安全保障"}))
    assert "経済安全保障" in known


def test_a_speaker_with_one_scored_document_gets_a_pooled_interval_not_a_point(saved):
    """As in the speakers stage: one document never reads as certainty (share–share)."""
    model, _ = saved
    terms = [[f"t{i}" for i in range(10)] * 2, [f"t{i}" for i in range(3, 9)],   # 甲: two
             [f"t{i}" for i in range(20, 30)]]                                     # 乙: one
    result = score_documents(FixedTopics(model, topics_json()), documents(3), terms,
                             SpeakersConfig(), 1)
    one = result.speaker_topics[result.speaker_topics["speaker"] == "乙"]
    assert one["pooled"].all()
    inside = one[(one["share"] > 0) & (one["share"] < 1)]
    assert len(inside) and (inside["ci_low"] < inside["ci_high"]).all()


def test_each_scored_meeting_gets_a_mix_and_the_share_of_its_terms_the_model_knows(saved):
    model, block_topic = saved
    frame = pd.DataFrame({"doc_id": ["a#1", "a#2", "b#1", "c#1"],
                          "meeting": ["a", "a", "b", "c"], "speaker": ["甲", "乙", "甲", "丙"],
                          "turn": [1, 2, 1, 1], "source_id": ""})
    terms = [[f"t{i}" for i in range(10)], [f"t{i}" for i in range(2, 8)],  # a: block 0, known
             [f"t{i}" for i in range(20, 26)] + ["未知語"] * 6,  # b: block 2, half unknown
             ["未知語", "新語"]]  # c: nothing known
    result = score_documents(FixedTopics(model, topics_json()), frame, terms,
                             SpeakersConfig(), 1)
    meetings = result.meeting_topics
    assert set(meetings["meeting"]) == {"a", "b"}
    assert result.metrics["meetings_unscored"] == ["c"]
    assert np.allclose(meetings.groupby("meeting")["share"].sum(), 1)
    top = meetings.loc[meetings.groupby("meeting")["share"].idxmax()].set_index("meeting")
    assert top.loc["a", "topic"] == block_topic[0] + 1
    assert top.loc["b", "topic"] == block_topic[2] + 1
    assert top.loc["b", "topic_label"] == f"L{block_topic[2] + 1}"
    known = meetings.drop_duplicates("meeting").set_index("meeting")
    assert known.loc["a", "share_known"] == pytest.approx(1.0)
    assert known.loc["b", "share_known"] == pytest.approx(0.5)
    assert (known.loc["b", "n_terms"], known.loc["b", "n_tokens"]) == (12, 6)
    assert (meetings["ci_low"] <= meetings["share"]).all()
    assert (meetings["share"] <= meetings["ci_high"]).all()
