"""Tests for pipeline/model/topic_tree.py: two levels of topics (topics grouped into parents)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.model.labels import term_distributions
from pipeline.model.topic_labels import FitTables, apply_topic_labels, parse_topic_labels
from pipeline.model.topic_tree import (
    MIN_TOPICS_TO_GROUP,
    group_topics,
    silhouette,
    topic_table,
    with_parents,
    with_topic_names,
)

FAMILIES = {"防衛": ["防衛", "自衛隊", "安全保障", "装備", "基地", "同盟"],
            "財政": ["予算", "財政", "税", "国債", "歳出", "補正"]}


def families(n_per_family: int = 5, n_own: int = 8):
    """Topics in two clear families: each topic puts most of its weight on its family's
    shared words and the rest on words of its own. Returns (φ, vocabulary, family of each)."""
    vocabulary = [word for shared in FAMILIES.values() for word in shared]
    family_of = []
    for f, family in enumerate(FAMILIES):
        for k in range(n_per_family):
            own = [f"{family}{k}語{i}" for i in range(n_own)]
            vocabulary += own
            family_of.append(f)
    phi = np.full((len(family_of), len(vocabulary)), 1e-9)
    for t, f in enumerate(family_of):
        shared = list(FAMILIES)[f]
        for word in FAMILIES[shared]:
            phi[t, vocabulary.index(word)] = 0.7 / len(FAMILIES[shared])
        k = t - f * n_per_family
        for i in range(n_own):
            phi[t, vocabulary.index(f"{shared}{k}語{i}")] = 0.3 / n_own
    return phi / phi.sum(axis=1, keepdims=True), vocabulary, family_of


def grouped(phi, vocabulary, prevalence=None):
    n = len(phi)
    prevalence = prevalence if prevalence is not None else [1 / n] * n
    share = np.asarray(prevalence) @ phi
    topics = [{"prevalence": p, "label": f"T{k + 1}の語"} for k, p in enumerate(prevalence)]
    return group_topics(phi, topics, share, vocabulary, 0.6)


def test_two_planted_families_give_two_parents():
    phi, vocabulary, family_of = families()
    groups = grouped(phi, vocabulary)
    assert len(groups.labels) == 2
    # One parent per family, whichever number each gets.
    assert len(set(zip(groups.parents, family_of, strict=True))) == 2
    for g, label in enumerate(groups.labels, start=1):
        family = list(FAMILIES)[family_of[groups.parents.index(g)]]
        assert set(label.split("・")) <= set(FAMILIES[family])


def test_the_larger_family_is_parent_one():
    phi, vocabulary, family_of = families()
    prevalence = [0.04 if f == 0 else 0.16 for f in family_of]
    groups = grouped(phi, vocabulary, prevalence)
    assert [p for p, f in zip(groups.parents, family_of, strict=True) if f == 1] == [1] * 5


def test_same_distributions_give_the_same_groups():
    phi, vocabulary, _ = families(n_per_family=7)
    first, again = grouped(phi, vocabulary), grouped(phi.copy(), list(vocabulary))
    assert first.parents == again.parents and first.labels == again.labels
    np.testing.assert_array_equal(first.tree, again.tree)


@pytest.mark.parametrize("n_topics", [2, 5, MIN_TOPICS_TO_GROUP - 1])
def test_few_topics_stay_one_level(n_topics):
    phi, vocabulary, _ = families(n_per_family=5)
    groups = grouped(phi[:n_topics], vocabulary)
    assert groups.parents == () and groups.labels == ()
    topics = [{"topic": k + 1, "label": "x", "prevalence": 0.1, "terms": ["x"]}
              for k in range(n_topics)]
    assert all(t["parent"] is None and t["parent_label"] is None
               for t in with_parents(topics, groups))


@pytest.mark.parametrize("n_topics", [16, 30])
def test_without_families_about_root_k_groups(n_topics):
    """Topics on disjoint words, all equally far apart: no structure, so round(√K) groups."""
    rng = np.random.default_rng(0)
    n_words = 6 * n_topics
    phi = np.full((n_topics, n_words), 1e-9)
    for k in range(n_topics):
        phi[k, 6 * k:6 * k + 6] = rng.dirichlet(np.ones(6))
    phi = term_distributions(phi)
    groups = grouped(phi, [f"w{i}" for i in range(n_words)])
    assert len(groups.labels) == round(math.sqrt(n_topics))
    assert sorted(set(groups.parents)) == list(range(1, len(groups.labels) + 1))


def test_a_group_of_one_topic_takes_its_label():
    phi, vocabulary, _ = families()
    # An eleventh topic on words of its own, far from both families.
    lone = np.full((1, phi.shape[1] + 3), 1e-9)
    lone[0, -3:] = 1 / 3
    phi = term_distributions(np.vstack([np.hstack([phi, np.full((len(phi), 3), 1e-9)]), lone]))
    groups = grouped(phi, [*vocabulary, "拉致", "被害者", "帰国"])
    assert groups.labels[groups.parents[-1] - 1] == "T11の語"
    assert groups.parents.count(groups.parents[-1]) == 1


def test_topic_table_and_every_topic_table_carry_the_parent():
    phi, vocabulary, _ = families()
    groups = grouped(phi, vocabulary)
    topics = with_parents([{"topic": k + 1, "label": f"T{k + 1}の語", "prevalence": 0.1,
                            "terms": ["a", "b"]} for k in range(len(phi))], groups)
    table = topic_table(topics)
    assert list(table.columns) == ["topic", "topic_label", "prevalence", "parent",
                                   "parent_label", "terms"]
    assert list(table["parent"]) == list(groups.parents)
    shares = pd.DataFrame({"speaker": ["岸", "岸"], "topic": [1, 10], "share": [0.5, 0.5]})
    named = with_topic_names(shares, topics)
    assert list(named.columns)[-3:] == ["topic_label", "parent", "parent_label"]
    assert list(named["parent"]) == [groups.parents[0], groups.parents[9]]
    assert list(named["parent_label"]) == [groups.labels[groups.parents[0] - 1],
                                           groups.labels[groups.parents[9] - 1]]


def test_merged_topics_are_grouped_as_one_and_stay_in_their_family():
    """The label stage groups the topics as merged: a merge of two topics of one family gives
    one topic, its distribution their mixture, in that family's parent."""
    phi, vocabulary, family_of = families()
    n = len(phi)
    doc_topics = pd.DataFrame({"doc_id": ["d0"], **{f"topic_{k + 1}": [1 / n]
                                                    for k in range(n)}})
    topics = [{"topic": k + 1, "label": f"T{k + 1}", "theme": None, "procedural": False,
               "prevalence": 1 / n, "terms": [], "top_terms_by_weight": [], "npmi": None}
              for k in range(n)]
    share = phi.mean(axis=0)
    fit = FitTables(doc_topics=doc_topics,
                    topic_terms=pd.DataFrame(columns=["topic", "rank", "term", "weight"]),
                    topics=topics, relevance={"lambda": 0.6, "topics": []}, components=phi,
                    term_share=share, vocabulary=vocabulary)
    labels = parse_topic_labels({"merge": [[1, 2]]}, "configs/topic_labels.yaml")
    result = apply_topic_labels(fit, labels, 0.6, 3, "configs/topic_labels.yaml")
    assert result.phi.shape == (n - 1, len(vocabulary))
    np.testing.assert_allclose(result.phi[0], (phi[0] + phi[1]) / 2, atol=1e-9)
    groups = group_topics(result.phi, result.topics, share, vocabulary, 0.6)
    kept = [t["topic"] - 1 for t in result.topics]
    assert len(set(zip(groups.parents, [family_of[k] for k in kept], strict=True))) == 2


@pytest.mark.parametrize("seed", range(5))
def test_silhouette_is_scikit_learns(seed):
    """Ours avoids loading scikit-learn in the label stage; it must agree with it, a cluster
    of one topic included."""
    from scipy.spatial.distance import pdist, squareform
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(seed)
    distances = squareform(pdist(rng.random((15, 4))))
    cut = np.concatenate([[1, 2, 3, 9], rng.integers(1, 4, 11)])
    assert silhouette(distances, cut) == pytest.approx(
        silhouette_score(distances, cut, metric="precomputed"), abs=1e-12)
