"""Tests for pipeline/speakers/meeting_attributes.py: topic shares by meeting attribute
(committee, house), token-weighted, with meeting-level intervals and the topics that set a
value apart; and the speakers core's tables by meeting attribute and over time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.common.config import SpeakersConfig
from pipeline.speakers.core import SpeakerInputs, summarize
from pipeline.speakers.meeting_attributes import (
    COLUMNS,
    meeting_attribute_names,
    meeting_attribute_topics,
)

CFG = SpeakersConfig(n_bootstrap=200)
COLS = ["topic_1", "topic_2"]


def _corpus() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nine meetings: the 予算委員会 ones talk of topic 1, the 外務委員会 ones of topic 2, one
    meeting has no committee; houses cut across both."""
    rng = np.random.default_rng(1)
    rows, meetings = [], []
    for m in range(9):
        committee = ["予算委員会", "外務委員会", ""][m % 3]
        lean = {"予算委員会": [6, 1], "外務委員会": [1, 6], "": [1, 1]}[committee]
        meetings.append({"meeting": f"m{m}", "title": f"第{m}回", "date": f"2024-0{m + 1}-01",
                         "modelled": "True", "委員会": committee,
                         "院": "衆議院" if m < 5 else ("参議院" if m < 8 else "両院")})
        for d in range(6):
            theta = rng.dirichlet(lean)
            rows.append({"doc_id": f"m{m}#{d}.1", "meeting": f"m{m}", "speaker": f"s{d % 3}",
                         "turn": d, "topic_1": theta[0], "topic_2": theta[1],
                         "n_tokens": 10 + d})
    return pd.DataFrame(rows), pd.DataFrame(meetings).astype(str)


def test_each_committee_gets_its_topics_with_meeting_level_intervals():
    frame, meetings = _corpus()
    table = meeting_attribute_topics(frame, COLS, meetings, CFG, 42)
    assert list(table.columns) == COLUMNS
    assert meeting_attribute_names(meetings) == ["委員会", "院"]
    committees = table[table["attribute"] == "委員会"].set_index(["value", "topic"])
    assert sorted(committees.index.get_level_values(0).unique()) == [
        "予算委員会", "外務委員会", "（なし）"]
    assert committees.loc[("予算委員会", 1), "share"] > 0.7
    assert committees.loc[("外務委員会", 2), "share"] > 0.7
    assert committees.loc[("予算委員会", 1), "n_meetings"] == 3
    assert committees.loc[("予算委員会", 1), "n_docs"] == 18
    budget = frame[frame["meeting"].isin(["m0", "m3", "m6"])]
    weighted = (budget["topic_1"] * budget["n_tokens"]).sum() / budget["n_tokens"].sum()
    assert np.isclose(committees.loc[("予算委員会", 1), "share"], weighted)
    assert committees.loc[("予算委員会", 1), "n_tokens"] == budget["n_tokens"].sum()
    assert (committees["ci_low"] <= committees["share"]).all()
    assert (committees["share"] <= committees["ci_high"]).all()
    assert (committees["ci_low"] < committees["ci_high"]).all()
    marked = set(committees.index[committees["distinguishing"].astype(bool)])
    assert {("予算委員会", 1), ("外務委員会", 2)} <= marked
    assert not marked & {("予算委員会", 2), ("外務委員会", 1)}
    assert not committees.loc["（なし）", "distinguishing"].any()  # no value is compared
    houses = table[table["attribute"] == "院"]
    assert houses.groupby("value")["n_meetings"].first().to_dict() == {
        "参議院": 3, "衆議院": 5, "両院": 1}
    one = houses[houses["value"] == "両院"]
    assert one["small_group"].all() and not one["distinguishing"].any()
    assert not houses.loc[houses["value"] != "両院", "small_group"].any()


def test_without_meeting_attributes_the_table_is_its_header():
    frame, meetings = _corpus()
    table = meeting_attribute_topics(frame, COLS, meetings[["meeting", "title", "date",
                                                             "modelled"]], CFG, 42)
    assert table.empty and list(table.columns) == COLUMNS


def test_summarize_gives_the_tables_by_meeting_attribute_and_over_time():
    frame, meetings = _corpus()
    documents = frame[["doc_id", "meeting", "speaker"]].assign(
        role="", date=frame["meeting"].map(meetings.set_index("meeting")["date"]))
    terms = {d: ["語"] for d in frame["doc_id"]}
    tables = summarize(SpeakerInputs(frame, documents, COLS, terms, meetings=meetings,
                                     time_bin="quarter"), CFG, 42)
    assert set(tables.meeting_attribute_topics["attribute"]) == {"委員会", "院"}
    time = tables.topic_time
    assert time["bin_label"].unique().tolist() == ["2024年1–3月", "2024年4–6月", "2024年7–9月"]
    assert time.groupby("bin_start")["n_meetings"].first().tolist() == [3, 3, 3]
    metrics = tables.metrics
    assert (metrics["time_bin"], metrics["n_time_bins"]) == ("quarter", 3)
    assert metrics["n_meetings_undated_in_time"] == 0
    assert metrics["meeting_attributes"] == {"委員会": 3, "院": 3}
    auto = summarize(SpeakerInputs(frame, documents, COLS, terms, meetings=meetings), CFG, 42)
    assert auto.metrics["time_bin"] == "meeting"  # nine meetings: a column each
    assert auto.topic_time.drop_duplicates("meeting")["bin_label"].tolist()[:2] == [
        "第0回", "第1回"]
