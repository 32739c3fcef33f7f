"""Tests for pipeline/report/workbench.py: the data behind the report's search, topic
browser and topic map."""

from __future__ import annotations

import base64
import gzip
import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.spatial.distance import pdist, squareform

from pipeline.report.workbench import (
    NO_TERMS,
    TURN_NOT_MODELLED,
    SearchSources,
    classical_mds,
    corpus_data,
    pack,
    term_distributions,
    topic_map,
)


def _doc_topics(shares: list[list[float]]) -> pd.DataFrame:
    frame = pd.DataFrame(shares, columns=[f"topic_{k + 1}" for k in range(len(shares[0]))])
    frame.insert(0, "doc_id", [f"m#{i}.1" for i in range(len(shares))])
    return frame


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classical_mds_gives_back_planted_points(seed):
    points = np.random.default_rng(seed).normal(size=(7, 2))
    coords = classical_mds(squareform(pdist(points)))
    assert np.allclose(squareform(pdist(coords)), squareform(pdist(points)), atol=1e-9)
    # Each axis's sign is fixed: the coordinate largest in size is positive.
    for axis in range(2):
        assert coords[np.argmax(np.abs(coords[:, axis])), axis] > 0


def test_classical_mds_of_two_points_is_a_line():
    coords = classical_mds(np.array([[0.0, 0.5], [0.5, 0.0]]))
    assert coords.shape == (2, 2)
    assert abs(coords[0, 0] - coords[1, 0]) == pytest.approx(0.5)
    assert np.allclose(coords[:, 1], 0)


def test_topics_with_the_same_words_sit_together_and_others_apart():
    # Terms 0-1 belong to topics 1 and 2, terms 2-3 to topic 3: 1 and 2 are neighbours.
    dtm = sp.csr_matrix(np.array([[5, 3, 0, 0], [4, 4, 0, 0], [0, 0, 6, 2], [0, 1, 3, 5]]))
    doc_topics = _doc_topics([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0, 0, 1.0], [0, 0, 1.0]])
    topics = [{"topic": k, "label": f"T{k}", "prevalence": p}
              for k, p in ((1, 0.3), (2, 0.3), (3, 0.4))]
    spots = {t["topic"]: np.array([t["x"], t["y"]]) for t in topic_map(doc_topics, dtm,
                                                                       topics)["topics"]}
    near = np.linalg.norm(spots[1] - spots[2])
    assert near < 1e-6 < np.linalg.norm(spots[1] - spots[3])
    assert topic_map(doc_topics, dtm, topics) == topic_map(doc_topics, dtm, topics)


def test_corpus_data_keeps_every_document_with_its_main_topic_and_topic_lists_by_share():
    doc_topics = _doc_topics([[0.2, 0.8], [0.9, 0.1], [0.6, 0.4]])
    documents = [{"doc_id": f"m#{i}.1", "meeting": "m", "speaker": s, "turn": i + 1,
                  "text": t, "date": "2024-07-30" if i else ""}
                 for i, (s, t) in enumerate((("岸", "材料"), ("上久保", "特区"),
                                             ("岸", "特区と材料")))]
    documents.append({"doc_id": "m#9.1", "meeting": "m", "speaker": "岩田", "turn": 9,
                      "text": "それでは"})  # no terms left: searchable, not in any topic
    data = corpus_data(SearchSources(documents), doc_topics, 2)
    assert [d[4] for d in data["docs"]] == [2, 1, 1, 0]
    assert [d[5] for d in data["docs"]] == ["材料", "特区", "特区と材料", "それでは"]
    assert data["speakers"] == ["岸", "上久保", "岩田"]
    assert [data["dates"][d[3]] for d in data["docs"]] == ["", "2024-07-30", "2024-07-30", ""]
    assert data["topic_docs"][0] == [[1, 900, 1], [2, 600, 1], [0, 200, 1]]
    assert data["topic_docs"][1] == [[0, 800, 1], [2, 400, 1], [1, 100, 1]]
    assert [d[7] for d in data["docs"]] == [0, 0, 0, NO_TERMS]


def test_the_topic_browser_lists_documents_of_a_few_terms_last_and_never_as_representative():
    # A chair's `さよう決定` (one term) is 100% of a topic by construction.
    doc_topics = _doc_topics([[1.0, 0.0], [0.7, 0.3], [0.6, 0.4]]).assign(n_tokens=[1, 40, 3])
    documents = [{"doc_id": f"m#{i}.1", "meeting": "m", "speaker": "岸", "turn": i + 1,
                  "text": t} for i, t in enumerate(("さよう決定", "賃上げの話", "賃金"))]
    data = corpus_data(SearchSources(documents), doc_topics, 2)
    assert data["topic_docs"][0] == [[1, 700, 1], [0, 1000, 0], [2, 600, 0]]


def _turn(meeting, turn, speaker, text="", group="", modelled=False, cut=False):
    return {"meeting": meeting, "turn": turn, "speaker": speaker, "role": "", "date": "",
            "group": group, "modelled": modelled, "cut": cut, "text": text}


def test_every_turn_is_searched_in_corpus_order_and_the_not_modelled_are_marked():
    """The chair's turns and a meeting of procedure only are lines of the search, between
    the documents of the modelled turns, each with its speaker's group."""
    doc_topics = _doc_topics([[0.3, 0.7], [0.9, 0.1]]).assign(doc_id=["a#2.1", "a#2.2"])
    documents = [{"doc_id": f"a#2.{p}", "meeting": "a", "speaker": "岸", "turn": 2, "text": t,
                  "attributes": {"group": "自民"}} for p, t in ((1, "材料の話"), (2, "特区の話"))]
    turns = [_turn("a", 1, "田中", "これより会議を開きます。", group="立憲"),
             _turn("a", 2, "岸", group="自民", modelled=True),
             _turn("a", 3, "田中", "本日はこれにて散会いたします。", group="立憲"),
             _turn("b", 1, "議長", "委員長の選任を行います。"),
             _turn("b", 2, "議長", cut=True)]  # past report.search_max_chars
    data = corpus_data(SearchSources(documents, turns, meeting_titles={"b": "本会議"}),
                       doc_topics, 2)
    assert [d[5] for d in data["docs"]] == ["これより会議を開きます。", "材料の話", "特区の話",
                                          "本日はこれにて散会いたします。",
                                          "委員長の選任を行います。", ""]
    assert [d[7] for d in data["docs"]] == [TURN_NOT_MODELLED, 0, 0, TURN_NOT_MODELLED,
                                          TURN_NOT_MODELLED, TURN_NOT_MODELLED]
    assert [d[4] for d in data["docs"]] == [0, 2, 1, 0, 0, 0]
    assert [data["groups"][d[6]] for d in data["docs"]] == ["立憲", "自民", "自民", "立憲", "", ""]
    assert data["titles"] == ["a", "本会議"] and data["meeting_modelled"] == [True, False]
    # The topic browser points at the documents' rows.
    assert data["topic_docs"][1] == [[1, 700, 1], [2, 100, 1]]


def test_pack_is_gzip_json_and_byte_identical_on_rerun():
    data = {"docs": [[0, 0, 1, 0, 1, "特区の話"]] * 100}
    packed = pack(data)
    assert packed == pack(data)
    raw = gzip.decompress(base64.b64decode(packed))
    assert json.loads(raw) == data
    assert len(packed) < len(json.dumps(data, ensure_ascii=False).encode()) / 5


def test_a_document_without_a_date_takes_its_meetings():
    doc_topics = _doc_topics([[1.0], [1.0]])
    documents = [{"doc_id": "m#0.1", "meeting": "a", "speaker": "岸", "turn": 1, "text": "x",
                  "date": "2024-01-02"},
                 {"doc_id": "m#1.1", "meeting": "b", "speaker": "岸", "turn": 1, "text": "y"}]
    data = corpus_data(SearchSources(documents, meeting_dates={"a": "1999-01-01",
                                                             "b": "2024-07-30"}),
                       doc_topics, 1)
    assert [data["dates"][d[3]] for d in data["docs"]] == ["2024-01-02", "2024-07-30"]


def test_meeting_dates_come_from_meeting_topics_when_it_has_them():
    from pipeline.report.inputs import meeting_dates

    assert meeting_dates(pd.DataFrame({"meeting": ["a"], "topic": [1]})) == {}
    table = pd.DataFrame({"meeting": ["a", "a", "b"], "topic": [1, 2, 1],
                          "date": ["2024-07-30", "2024-07-30", ""]})
    assert meeting_dates(table) == {"a": "2024-07-30"}


def test_term_distributions_are_each_topics_normalized_counts_and_leave_theirs_alone():
    counts = np.random.default_rng(4).random((300, 6)) * 40
    counts[5] = 0.0  # a term no document of any topic uses
    kept = counts.copy()
    phi = term_distributions(counts)
    expected = counts.T + 1e-12
    assert np.array_equal(phi, expected / expected.sum(axis=1, keepdims=True))
    assert np.array_equal(counts, kept)
    np.testing.assert_allclose(phi.sum(axis=1), 1.0)
