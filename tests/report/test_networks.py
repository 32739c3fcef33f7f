"""Tests for pipeline/report/networks.py: the co-occurrence network and the correspondence
analysis of speakers × terms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _fuzz import n_examples
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from pipeline.report.networks import (
    ca_biplot,
    cooccurrence_network,
    correspondence_analysis,
    network_chart,
    speaker_term_table,
)

TOPICS = [{"topic": 1, "label": "特区・規制", "terms": ["特区", "規制"], "name": None},
          {"topic": 3, "label": "研究開発", "terms": ["材料", "研究"], "name": "研究開発"}]


def docs():
    """特区 always with 規制; 材料 with 研究; one stray 特区 + 研究."""
    return ([["特区", "規制", "特区"]] * 4 + [["材料", "研究"]] * 3 + [["特区", "研究"]],
            np.array([[0.9, 0.1]] * 4 + [[0.1, 0.9]] * 3 + [[0.5, 0.5]]))


def test_terms_used_together_are_joined_strongest_first():
    doc_terms, shares = docs()
    network = cooccurrence_network(doc_terms, shares, [1, 3])
    assert network.terms == ["特区", "研究", "規制", "材料"]  # by documents, then by name
    assert network.n_docs == [5, 4, 4, 3]
    named = [({network.terms[i], network.terms[j]}, round(w, 3)) for i, j, w in network.edges]
    # Jaccard: 特区-規制 4 of 5 documents, 材料-研究 3 of 4; 特区-研究 once: not an edge.
    assert named == [({"特区", "規制"}, 0.8), ({"材料", "研究"}, 0.75)]
    assert dict(zip(network.terms, network.topic, strict=True)) == {
        "特区": 1, "規制": 1, "研究": 3, "材料": 3}


def test_the_network_chart_names_topics_and_says_when_it_is_empty():
    doc_terms, shares = docs()
    fig = network_chart(cooccurrence_network(doc_terms, shares, [1, 3]), TOPICS, seed=1)
    assert isinstance(fig, Figure)
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"特区", "規制", "材料", "研究"} <= texts
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["T1 特区・規制", "T3 研究開発"]  # a topic's name when it has one
    empty = network_chart(cooccurrence_network([["a"], ["b"]], np.eye(2), [1, 2]), TOPICS, 1)
    assert "共起する語の組がありません" in empty.axes[0].texts[0].get_text()


def test_correspondence_analysis_puts_each_speaker_by_their_own_words():
    table = pd.DataFrame([[20, 18, 1, 1, 2], [1, 2, 19, 22, 2], [2, 1, 2, 1, 20]],
                         index=["甲", "乙", "丙"],
                         columns=["特区", "規制", "材料", "研究", "外交"])
    ca = correspondence_analysis(table)
    for speaker, words in (("甲", ["特区", "規制"]), ("乙", ["材料", "研究"]), ("丙", ["外交"])):
        distance = ((ca.columns - ca.rows.loc[speaker]) ** 2).sum(axis=1)
        assert set(distance.nsmallest(len(words)).index) == set(words), speaker
    # Two axes hold all the inertia of a 3-row table, and it equals chi-square / n.
    assert sum(ca.explained) == pytest.approx(1)
    n = table.to_numpy().sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    chi2 = ((table.to_numpy() - expected) ** 2 / expected).sum()
    total = (ca.rows ** 2).mul(table.sum(axis=1) / n, axis=0).to_numpy().sum()
    assert total == pytest.approx(chi2 / n)
    # Repeatable: the same table gives the same signs.
    again = correspondence_analysis(table.loc[["丙", "甲", "乙"]])
    assert np.allclose(again.rows.loc[["甲", "乙", "丙"]], ca.rows)


def test_speaker_table_keeps_speakers_with_enough_text_and_says_when_too_few():
    doc_terms = [["a", "b"] * 5, ["c", "d"] * 5, ["e", "a"] * 5, ["a"]]
    table = speaker_term_table(doc_terms, ["甲", "乙", "丙", "丁"], min_tokens=5)
    assert list(table.index) == ["丙", "乙", "甲"] and "丁" not in table.index
    assert table.loc["甲", "a"] == 5
    assert speaker_term_table(doc_terms, ["甲", "乙", "丙", "丁"], min_tokens=11).empty
    fig = ca_biplot(pd.DataFrame())
    assert "3 人以上" in fig.axes[0].texts[0].get_text()
    drawn = ca_biplot(table)
    assert {"甲", "乙", "丙"} <= {t.get_text() for t in drawn.axes[0].texts}


def _crosstab_table(doc_terms, speakers, min_tokens, n_speakers, n_terms):
    """The table as first written: a crosstab of every token (the reference)."""
    counts = pd.DataFrame([(s, w) for s, words in zip(speakers, doc_terms, strict=True)
                           for w in words], columns=["speaker", "term"])
    if counts.empty:
        return pd.DataFrame()
    table = pd.crosstab(counts["speaker"], counts["term"])
    sizes = table.sum(axis=1)
    keep = sorted(sizes[sizes >= min_tokens].index, key=lambda s: (-sizes[s], s))[:n_speakers]
    table = table.loc[keep]
    totals = table.sum(axis=0)
    terms = sorted(totals[totals > 0].index, key=lambda w: (-totals[w], w))[:n_terms]
    table = table[terms]
    table = table.loc[table.sum(axis=1) > 0]
    if table.shape[0] < 3 or table.shape[1] < 3:
        return pd.DataFrame()
    return table.sort_index().sort_index(axis=1)


@settings(max_examples=n_examples(300), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["甲", "乙", "丙", "丁", "戊"]),
                          st.lists(st.sampled_from(list("abcdef")), min_size=1, max_size=4)),
                min_size=3, max_size=20),
       st.integers(0, 8), st.integers(3, 5), st.integers(3, 6))
def test_speaker_table_counts_as_a_crosstab_of_every_token(docs, min_tokens, n_speakers,
                                                            n_terms):
    speakers = [s for s, _ in docs]
    doc_terms = [terms for _, terms in docs]
    expected = _crosstab_table(doc_terms, speakers, min_tokens, n_speakers, n_terms)
    got = speaker_term_table(doc_terms, speakers, min_tokens, n_speakers, n_terms)
    if expected.empty:
        assert got.empty
    else:
        pd.testing.assert_frame_equal(got, expected)
