"""Tests for pipeline/speakers/core.py: the tables of the speakers stage from a small
corpus with groups and dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.common.config import SpeakersConfig
from pipeline.speakers.core import SpeakerInputs, summarize

TOPICS = ["topic_1", "topic_2"]


def _corpus():
    rng = np.random.default_rng(0)
    rows, docs = [], []
    meetings = {"m2": "2021-03-01", "m1": "2021-05-01", "m3": ""}  # ids not in date order
    for i in range(90):
        speaker = f"s{i % 9}"
        group = "与党" if i % 9 < 4 else ("野党" if i % 9 < 8 else "")
        lean = [4, 1] if group == "与党" else [1, 4]
        meeting = list(meetings)[i % 3]
        theta = rng.dirichlet(lean)
        doc_id = f"{meeting}#{i}.1"
        rows.append({"doc_id": doc_id, "meeting": meeting, "speaker": speaker, "turn": i,
                     "topic_1": theta[0], "topic_2": theta[1], "n_tokens": 20})
        docs.append({"doc_id": doc_id, "meeting": meeting, "speaker": speaker, "role": "委員",
                     "date": meetings[meeting], "group": group, "position": ""})
    # A speaker with one short document.
    rows.append({"doc_id": "m1#999.1", "meeting": "m1", "speaker": "one", "turn": 999,
                 "topic_1": 1.0, "topic_2": 0.0, "n_tokens": 5})
    docs.append({"doc_id": "m1#999.1", "meeting": "m1", "speaker": "one", "role": "",
                 "date": "2021-05-01", "group": "野党", "position": "参考人"})
    return pd.DataFrame(rows), pd.DataFrame(docs)


def test_summarize_gives_groups_dates_and_honest_speaker_intervals():
    doc_topics, documents = _corpus()
    terms = {d: ["語"] for d in documents["doc_id"]}
    cfg = SpeakersConfig(n_bootstrap=200)
    tables = summarize(SpeakerInputs(doc_topics, documents, ["topic_1", "topic_2"], terms, [],
                                     ["group", "position"]), cfg, 42)
    groups = tables.group_topics
    assert sorted(groups["group"].unique()) == ["与党", "野党", "（なし）"]
    assert len(groups) == 3 * 2
    lead = groups.loc[groups.groupby("group")["share"].idxmax()].set_index("group")["topic"]
    assert lead["与党"] == 1 and lead["野党"] == 2
    assert (groups["ci_low"] < groups["ci_high"]).all()
    assert set(tables.attribute_topics["attribute"]) == {"group", "position"}
    # Meetings in date order, undated last.
    order = tables.meeting_topics.drop_duplicates("meeting")[["meeting", "date"]]
    assert order.values.tolist() == [["m2", "2021-03-01"], ["m1", "2021-05-01"], ["m3", ""]]
    speakers = tables.speaker_topics
    one = speakers[speakers["speaker"] == "one"]
    assert one["pooled"].all() and one["low_data"].all()
    assert (one["ci_high"] - one["ci_low"] > 0.05).all()
    assert (one["share_raw"].tolist() == [1.0, 0.0]) and one["share"].iloc[0] < 1.0
    assert not (speakers["ci_low"] == speakers["ci_high"]).any()
    assert set(speakers.columns) >= {"group", "position", "share_raw", "pooled"}
    distinct = tables.group_differences
    evidence = distinct[(distinct["attribute"] == "group") & distinct["excludes_zero"]]
    assert {("与党", 1), ("野党", 2)} <= set(
        evidence.loc[evidence["diff"] > 0, ["group", "topic"]].itertuples(index=False, name=None))
    assert tables.metrics["attributes"] == {"group": 3, "position": 2}
    # Two speakers compared: every pair among the speakers with the most tokens.
    pairs = distinct[distinct["attribute"] == "speaker"]
    assert len(pairs) == 10 * 9 // 2 * 2 and (pairs["other"] != "（その他）").all()
    s0_s4 = pairs[(pairs["group"] == "s0") & (pairs["other"] == "s4")].set_index("topic")
    assert s0_s4.loc[1, "diff"] > 0 and s0_s4.loc[1, "excludes_zero"]


def test_summarize_without_attributes_writes_empty_group_tables():
    doc_topics, documents = _corpus()
    documents = documents.drop(columns=["group", "position"])
    tables = summarize(SpeakerInputs(doc_topics, documents, ["topic_1", "topic_2"], {}, [],
                                     ["group", "position"]), SpeakersConfig(n_bootstrap=50), 1)
    assert tables.group_topics.empty and list(tables.group_topics.columns)[:3] == [
        "group", "topic", "share"]
    assert set(tables.group_differences["attribute"]) == {"speaker"}


def test_summarize_is_repeatable_and_order_free():
    doc_topics, documents = _corpus()
    cfg = SpeakersConfig(n_bootstrap=100)
    a = summarize(SpeakerInputs(doc_topics, documents, TOPICS, {}, [], ["group"]), cfg, 3)
    shuffled = doc_topics.sample(frac=1, random_state=1)
    b = summarize(SpeakerInputs(shuffled, documents, TOPICS, {}, [], ["group"]), cfg, 3)
    pd.testing.assert_frame_equal(a.group_topics, b.group_topics)
    pd.testing.assert_frame_equal(a.speaker_topics, b.speaker_topics)


def test_a_speaker_with_only_motions_gets_no_topic_mix():
    doc_topics, documents = _corpus()
    terms = {d: ["予算", "教育"] for d in documents["doc_id"]}
    # s8 only moves motions and calls votes: every term of theirs is procedure.
    for d in documents.loc[documents["speaker"] == "s8", "doc_id"]:
        terms[d] = ["動議", "採決"]
    tables = summarize(SpeakerInputs(doc_topics, documents, TOPICS, terms, [], ["group"]),
                       SpeakersConfig(n_bootstrap=100), 42)
    assert "s8" not in set(tables.speaker_topics["speaker"])
    assert "s8" not in set(tables.group_differences["group"])
    assert tables.metrics["speakers_procedural"] == ["s8"]
    assert "s8" not in tables.metrics["speakers_without_terms"]
    # Their documents still count for their meetings.
    assert tables.meeting_topics["n_docs"].sum() >= len(doc_topics) - 1


def test_procedure_is_learned_from_the_documents_of_procedure():
    from pipeline.speakers.procedural import learned_procedure, procedural_speakers

    terms = {f"p{i}": ["議事進行", "お願い"] for i in range(5)}
    terms |= {f"d{i}": ["教育", "お願い", "予算"] for i in range(6)}
    learned = learned_procedure(terms, {f"p{i}" for i in range(5)})
    assert learned == frozenset({"議事進行"})  # お願い is said everywhere
    speakers = {**{f"p{i}": "議事部長" for i in range(5)}, **{f"d{i}": "委員" for i in range(6)}}
    # The clerk who reads notices (half their words procedure) has no subject; members do.
    assert procedural_speakers(terms, speakers, {f"p{i}" for i in range(5)}) == ["議事部長"]
    terms["x"] = ["議事進行", "議事進行", "教育"]  # a member who only moves 議事進行 motions
    terms["y"] = ["議事進行", "教育", "予算"]
    speakers |= {"x": "岩田", "y": "後藤"}
    assert procedural_speakers(terms, speakers, {f"p{i}" for i in range(5)}) == [
        "岩田", "議事部長"]


def _one_speaker_party(n_docs: int = 12):
    """The corpus with a party of one speaker who talks of topic 1 only, and one speaker
    whose group is written （なし） as minutes write it."""
    doc_topics, documents = _corpus()
    extra_rows, extra_docs = [], []
    for i in range(n_docs):
        for speaker, group, theta in (("lone", "参政党", (0.98, 0.02)),
                                      ("official", "(なし)", (0.5, 0.5))):
            doc_id = f"m1#{speaker}{i}.1"
            extra_rows.append({"doc_id": doc_id, "meeting": "m1", "speaker": speaker,
                               "turn": 500 + i, "topic_1": theta[0], "topic_2": theta[1],
                               "n_tokens": 60})
            extra_docs.append({"doc_id": doc_id, "meeting": "m1", "speaker": speaker,
                               "role": "", "date": "2021-05-01", "group": group,
                               "position": ""})
    return (pd.concat([doc_topics, pd.DataFrame(extra_rows)], ignore_index=True),
            pd.concat([documents, pd.DataFrame(extra_docs)], ignore_index=True))


def _summarize(doc_topics, documents, min_group_speakers: int):
    cfg = SpeakersConfig(n_bootstrap=200, min_group_speakers=min_group_speakers)
    terms = {d: ["語"] for d in documents["doc_id"]}
    return summarize(SpeakerInputs(doc_topics, documents, TOPICS, terms, [],
                                   ["group", "position"]), cfg, 7)


def test_a_group_of_one_speaker_is_shown_flagged_but_never_distinctive():
    doc_topics, documents = _one_speaker_party()
    judged = _summarize(doc_topics, documents, 1).group_differences
    lone = judged[(judged["group"] == "参政党") & (judged["other"] == "（その他）")]
    # Judged as a group, the one speaker's subject reads as the party's ...
    assert lone.set_index("topic").loc[1, "excludes_zero"]
    tables = _summarize(doc_topics, documents, 3)
    diffs = tables.group_differences
    lone = diffs[(diffs["group"] == "参政党") & (diffs["attribute"] == "group")]
    # ... and with min_group_speakers 3 it is never marked, in any comparison.
    assert len(lone) and not lone["excludes_zero"].any() and lone["small_group"].all()
    groups = tables.group_topics.drop_duplicates("group").set_index("group")
    assert groups.loc["参政党", "small_group"] and not groups.loc["与党", "small_group"]
    assert tables.metrics["groups_small"] == ["参政党"]
    # Large groups are still judged.
    big = diffs[(diffs["group"] == "与党") & (diffs["other"] == "（その他）")]
    assert big.set_index("topic").loc[1, "excludes_zero"]


def test_speakers_without_a_group_are_counted_but_in_no_comparison():
    doc_topics, documents = _one_speaker_party()
    tables = _summarize(doc_topics, documents, 3)
    groups = tables.group_topics
    # Empty and （なし） are one "no group" row, with every speaker of theirs counted.
    missing = groups[groups["group"] == "（なし）"]
    assert len(missing) == 2 and missing["n_speakers"].iloc[0] == 2
    assert "(なし)" not in set(groups["group"])
    diffs = tables.group_differences[tables.group_differences["attribute"] == "group"]
    assert "（なし）" not in set(diffs["group"]) | set(diffs["other"])
    assert {"与党", "野党", "参政党"} == set(diffs["group"])
