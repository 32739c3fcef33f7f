"""Tests for pipeline/model/topic_labels.py: names and merges applied without refitting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from _project import ROOT

from pipeline.common.errors import PipelineError
from pipeline.common.io import n_fitted_topics
from pipeline.model.labels import slider_data, term_distributions
from pipeline.model.topic_labels import FitTables, apply_topic_labels, parse_topic_labels

SOURCE = "configs/topic_labels.yaml"
VOCAB = ["特区", "規制", "地方", "安全保障", "サイバー", "防衛", "材料", "研究", "開発"]


def fit_tables() -> FitTables:
    """Three topics over three blocks of terms; topic 3 is small."""
    components = np.array([[5, 4, 3, 0, 0, 0, 0, 0, 1],
                           [0, 0, 0, 5, 4, 3, 0, 1, 0],
                           [0, 1, 0, 0, 0, 0, 5, 4, 3]], dtype=float)
    share = components.sum(axis=0) / components.sum()
    theta = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]])
    doc_topics = pd.DataFrame({"doc_id": [f"d{i}" for i in range(4)], "meeting": "m",
                               "speaker": ["a", "b", "c", "a"], "turn": [1, 2, 3, 4]})
    for k in range(3):
        doc_topics[f"topic_{k + 1}"] = theta[:, k]
    doc_topics["source_id"] = ""
    terms = [{"topic": k + 1, "rank": r + 1, "term": VOCAB[i], "weight": components[k, i]}
             for k in range(3)
             for r, i in enumerate(np.argsort(-components[k], kind="stable")[:3])]
    topics = [{"topic": k + 1, "label": "・".join(VOCAB[3 * k:3 * k + 3]), "theme": None,
               "procedural": False, "prevalence": p, "terms": VOCAB[3 * k:3 * k + 3],
               "top_terms_by_weight": VOCAB[3 * k:3 * k + 3], "npmi": 0.1}
              for k, p in enumerate((0.5, 0.35, 0.15))]
    phi = term_distributions(components)
    return FitTables(doc_topics=doc_topics, topic_terms=pd.DataFrame(terms), topics=topics,
                     relevance={"lambda": 0.6, "topics": slider_data(phi, share, VOCAB)},
                     components=components, term_share=share, vocabulary=VOCAB)


def apply(text: str):
    labels = parse_topic_labels(yaml.safe_load(text), SOURCE)
    return apply_topic_labels(fit_tables(), labels, 0.6, 3, SOURCE)


@pytest.mark.parametrize("text", ["", "topics: {}\nmerge: []\n", "# only comments\n"])
def test_an_empty_file_leaves_every_table_as_fitted(text):
    fit, result = fit_tables(), apply(text)
    pd.testing.assert_frame_equal(result.doc_topics, fit.doc_topics)
    pd.testing.assert_frame_equal(result.topic_terms, fit.topic_terms)
    assert result.relevance == fit.relevance
    assert [{k: v for k, v in t.items() if k != "name"} for t in result.topics] == fit.topics
    assert all(t["name"] is None for t in result.topics)
    assert result.warnings == []


def test_a_name_replaces_the_label_and_changes_nothing_else():
    result = apply("topics:\n  2: デジタル安全保障\n")
    topic = result.topics[1]
    assert topic["name"] == topic["label"] == "デジタル安全保障"
    assert topic["terms"] == ["安全保障", "サイバー", "防衛"]
    assert result.topics[0]["label"] == "特区・規制・地方"
    pd.testing.assert_frame_equal(result.doc_topics, fit_tables().doc_topics)
    # The log says how to record the terms that make a later refit warn.
    assert any("topics.2.terms: [安全保障, サイバー, 防衛]" in line for line in result.summary)


def test_merging_adds_shares_and_keeps_the_lowest_number():
    result = apply("topics:\n  3: {name: 研究開発と特区}\nmerge:\n  - [3, 1]\n")
    fit = fit_tables()
    assert [c for c in result.doc_topics.columns if c.startswith("topic_")] == \
        ["topic_1", "topic_2"]
    assert np.allclose(result.doc_topics["topic_1"],
                       fit.doc_topics["topic_1"] + fit.doc_topics["topic_3"])
    assert np.allclose(result.doc_topics[["topic_1", "topic_2"]].sum(axis=1), 1)
    merged = result.topics[0]
    assert merged["topic"] == 1 and merged["merged_from"] == [1, 3]
    assert merged["label"] == merged["name"] == "研究開発と特区"
    assert merged["prevalence"] == pytest.approx(0.65)
    assert set(merged["top_terms_by_weight"]) == {"特区", "材料", "規制"}
    assert merged["npmi"] is None
    assert sorted(result.topic_terms["topic"].unique()) == [1, 2]
    assert [s["topic"] for s in result.relevance["topics"]] == [1, 2]
    assert result.topics[1] == {**fit.topics[1], "name": None}
    assert n_fitted_topics(result.topics) == 3


def test_an_unnamed_merge_says_which_topics_it_holds():
    result = apply("merge: [[2, 3]]\n")
    assert result.topics[1]["label"].endswith("（T2+T3）")
    assert result.topics[1]["name"] is None


def test_a_file_for_another_fit_warns_and_is_applied_where_it_can():
    result = apply("topics:\n"
                   "  1: {name: 特区, terms: [特区, 規制, 地方]}\n"
                   "  2: {name: 安全保障, terms: [材料, 研究, 開発]}\n"
                   "  7: 何か\n"
                   "merge: [[3, 9]]\n")
    assert result.topics[0]["label"] == "特区"
    assert len(result.warnings) == 3
    stale, beyond, merge = result.warnings
    # In the report's language, as every warning the report shows.
    assert stale.startswith(f"{SOURCE}: topics.2.terms: 「安全保障」は 材料・研究・開発 の"
                            "トピックに付けた名前ですが、トピック 2 はいま "
                            "安全保障・サイバー・防衛 です")
    assert beyond.startswith(f"{SOURCE}: topics.7: モデルのトピックは 3 個です。"
                             "「何か」は付けませんでした")
    assert merge.startswith(f"{SOURCE}: merge.0: モデルにトピック 9 はありません")
    assert len(result.topics) == 3  # a merge with one topic left is no merge


@pytest.mark.parametrize(("text", "message"), [
    ("topics:\n  x: 名前\n", "topics.x: must be a whole number (got 'x')"),
    ("topics:\n  0: 名前\n", "topics.0: must be >= 1 (got 0)"),
    ("topics:\n  1: {nam: 名前}\n", "topics.1.nam: unknown key"),
    ("topics:\n  1: ''\n", "topics.1.name: String should have at least 1 character"),
    ("topic:\n  1: 名前\n", "topic: unknown key (check its spelling; see README 'Naming and "
     "merging topics')"),
    ("merge: [[1]]\n", "merge.0: List should have at least 2 items"),
    ("merge: [[1, 2], [2, 3]]\n", "merge.1: topic 2 is already merged in merge.0"),
    ("merge: [[1, 1]]\n", "merge.0: a topic is listed twice"),
    ("topics: {1: 同じ, 2: 同じ}\n", "topics.2: name '同じ' is also topic 1's; to make them "
     "one topic, list [1, 2] under merge:"),
    ("- 1\n", "must be a mapping with `topics:` and/or `merge:`"),
])
def test_a_broken_file_is_one_line_naming_the_key(text, message):
    with pytest.raises(PipelineError) as info:
        parse_topic_labels(yaml.safe_load(text), SOURCE)
    # Every problem, one line each, naming the file and the key.
    assert all(line.startswith(f"{SOURCE}: ") for line in str(info.value).splitlines())
    assert message in str(info.value)


def test_the_same_name_on_topics_merged_together_is_fine():
    labels = parse_topic_labels({"topics": {1: "同じ", 3: "同じ"}, "merge": [[1, 3]]}, SOURCE)
    assert labels.topics[1].name == "同じ"


def test_the_shipped_file_is_valid_and_empty():

    from pipeline.common.config import read_yaml

    path = ROOT / "configs" / "topic_labels.yaml"
    labels = parse_topic_labels(read_yaml(path), str(path))
    assert labels.topics == {} and labels.merge == []
    # Its commented example is a valid file too.
    example = "\n".join(line.removeprefix("# ") for line in path.read_text("utf-8").splitlines()
                        if line.startswith("#   ") or line.startswith("# topics:")
                        or line.startswith("# merge:"))
    parsed = parse_topic_labels(yaml.safe_load(example), str(path))
    assert parsed.topics[3].terms == ["安全保障", "サイバー", "防衛"] and parsed.merge == [[4, 7]]


def test_a_topic_numbered_twice_is_refused(tmp_path):
    # PyYAML would keep the last name silently (issue 29.4); themes.yaml refuses this too.
    from pipeline.common.config import read_yaml

    path = tmp_path / "topic_labels.yaml"
    path.write_text("topics:\n  1: 特区\n  2: 安全保障\n  1: 材料\n", encoding="utf-8")
    with pytest.raises(PipelineError) as caught:
        read_yaml(path, "topic labels")
    assert str(caught.value) == (f"{path}:4: 1 is given twice (first on line 2); give each key "
                                 "once (YAML would keep only the last)")
