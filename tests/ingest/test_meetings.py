"""Tests for pipeline/ingest/meetings.py: meeting titles and dates from table columns, the
ingest.meetings CSV, a transcript's header or its file name; never from speech."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _project import DATA
from _stages import ARGS, CONFIG, run_stage

from pipeline.common.config import IngestConfig
from pipeline.common.errors import PipelineError
from pipeline.common.io import read_table as read_csv
from pipeline.ingest.core import read_corpus, read_options
from pipeline.ingest.corpus import read_file
from pipeline.ingest.meetings import MeetingInfo, header_title, parse_meetings
from pipeline.report.timeline import flow_chart, time_chart
from pipeline.speakers.time_bins import topic_time

# No header: the first line is a tag, and the chair quotes a date in the first sentences.
QUOTED_DATE = """<議長>
本日は、平成十八年十月五日の決定について御報告いたします。2006年10月5日の会議録もございます。
<田中>
その決定は今も生きております。
"""


def read(path: Path, **ingest) -> tuple:
    options = read_options(IngestConfig(input=str(path), **ingest))
    return read_file(path, path.stem, options)


def test_a_date_quoted_inside_a_speech_is_not_the_meetings(tmp_path):
    path = tmp_path / "olympic2020_03.txt"
    path.write_text(QUOTED_DATE, encoding="utf-8")
    turns, report, _ = read(path)
    assert report.date == "" and {t.date for t in turns} == {""}
    assert {t.title for t in turns} == {"olympic2020_03"}  # no header: the file name


def test_the_header_before_the_first_tag_gives_title_and_date(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("# 第3回 地域データ研究会\n令和六年七月三十日（火曜日）\n\n" + QUOTED_DATE,
                    encoding="utf-8")
    turns, report, _ = read(path)
    assert report.date == "2024-07-30" and {t.date for t in turns} == {"2024-07-30"}
    assert {t.title for t in turns} == {"第3回 地域データ研究会"}


def test_the_bundled_samples_take_their_titles_from_their_headers():
    turns, _, _ = read(DATA / "angle_sample.txt")
    assert turns[-1].title == "第3回 地域データ研究会"
    turns, report, _ = read(DATA / "diet_sample.txt")
    assert report.date == "2023-02-01" and turns[-1].title == "令和五年二月一日（水曜日）"


def test_ndl_records_are_titled_by_house_meeting_and_issue():
    columns = {"speaker": "speaker", "text": "speech", "meeting": "issueID", "id": "speechID",
               "date": "date", "title": ["nameOfHouse", "nameOfMeeting", "issue"]}
    turns, _, _ = read(DATA / "kokkai" / "speeches.jsonl", columns=columns,
                       exclude_rows={"kind": ["header"]})
    titles = {t.meeting: (t.title, t.date) for t in turns}
    assert titles["121205124X00220231108"] == ("衆議院 文部科学委員会 第2号", "2023-11-08")
    assert titles["121215254X00720231129"] == ("参議院 本会議 第7号", "2023-11-29")


def test_a_missing_title_column_named_by_the_user_is_an_error():
    with pytest.raises(PipelineError, match="no column 'house' for ingest.columns.title"):
        read(DATA / "kokkai" / "speeches.jsonl", columns={"text": "speech", "title": ["house"]})


def test_the_meetings_csv_wins_over_the_transcript(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text("第3回 研究会\n2021年2月2日\n" + QUOTED_DATE, encoding="utf-8")
    cfg = IngestConfig(input=str(path))
    info = (MeetingInfo("m", "デジタル研究会 第3回", "2021-03-01", (("committee", "研究会"),)),)
    turns, report, _ = read_file(path, "m", read_options(cfg, (), info))
    assert {(t.title, t.date) for t in turns} == {("デジタル研究会 第3回", "2021-03-01")}
    assert report.date == "2021-03-01"


def test_meetings_csv_rows():
    text = "\ufeffmeeting,title,date,committee\nm1,第1回,令和6年7月30日,予算\n\nm2,,,\n"
    assert parse_meetings(text, "m.csv") == (
        MeetingInfo("m1", "第1回", "2024-07-30", (("committee", "予算"),)), MeetingInfo("m2"))
    assert parse_meetings("", "m.csv") == ()


@pytest.mark.parametrize(("text", "message"), [
    ("id,title\nm1,x\n", r"m\.csv:1: no 'meeting' column"),
    ("meeting,title\nm1,a\nm1,b\n", r"m\.csv:3: meeting 'm1' is already on line 2"),
    ("meeting,title\n,a\n", r"m\.csv:2: no meeting"),
    ("meeting,date\nm1,来週\n", r"m\.csv:2: date '来週' is not a date; write it as 2024-07-30"),
    ("meeting,title\nm1,a,b\n", r"m\.csv:2: 3 fields but the header has 2"),
    ('meeting,title\nm1,"a"x\n', r"m\.csv:2: malformed CSV"),
])
def test_a_broken_meetings_csv_names_its_line(text, message):
    with pytest.raises(PipelineError, match=message):
        parse_meetings(text, "m.csv")


@pytest.mark.parametrize(("header", "title"), [
    ("\n\n中曽根平和研究所「デジタル技術と経済・金融」研究会  \n2020年度",
     "中曽根平和研究所「デジタル技術と経済・金融」研究会"),
    ("## 第3回　会議 ##", "第3回 会議"),
    ("", ""),
    ("あ" * 100, "あ" * 79 + "…"),
])
def test_header_title(header, title):
    assert header_title(header) == title


def test_user_files_checks_the_meetings_csv_before_any_work(tmp_path):
    (tmp_path / "in").mkdir()
    meetings = tmp_path / "in" / "meetings.csv"
    meetings.write_text("meeting,date\nm1,2024-02-30\n", encoding="utf-8")
    config = {**CONFIG, "ingest": {**CONFIG["ingest"], "meetings": str(meetings)}}
    status, errors = run_stage(tmp_path, "user_files", config)
    assert status == 2 and errors == [
        f"error: {meetings}:2: date '2024-02-30' is not a date; write it as 2024-07-30 (or "
        "令和6年7月30日), or leave it empty"]
    assert not (tmp_path / "meetings_in.csv").exists()


def test_ingest_writes_the_meetings_table_and_names_undated_meetings(tmp_path, monkeypatch):
    source = tmp_path / "minutes"
    source.mkdir()
    (source / "a_2024-07-30.txt").write_text(QUOTED_DATE, encoding="utf-8")
    (source / "b.txt").write_text("第2回 委員会\n" + QUOTED_DATE, encoding="utf-8")
    (source / "c.txt").write_text(QUOTED_DATE, encoding="utf-8")
    meetings = tmp_path / "meetings_in.csv"
    meetings.write_text("meeting,title,date,house\nc,第3回,2024-09-01,衆議院\n", encoding="utf-8")
    config = {**CONFIG, "ingest": {**CONFIG["ingest"], "input": str(source),
                                   "meetings": str(meetings)}}
    monkeypatch.setitem(ARGS, "ingest", [*ARGS["ingest"], "--meetings-file", "meetings_in.csv"])
    status, errors = run_stage(tmp_path, "ingest", config, input=str(source))
    assert (status, errors) == (0, [])
    table = read_csv(tmp_path / "meetings.csv")
    assert table[["meeting", "title", "date", "house"]].values.tolist() == [
        ["a_2024-07-30", "a_2024-07-30", "2024-07-30", ""], ["c", "第3回", "2024-09-01", "衆議院"],
        ["b", "第2回 委員会", "", ""]]
    metrics = json.loads((tmp_path / "ingest.json").read_text(encoding="utf-8"))
    assert (metrics["n_meetings_undated"], metrics["meetings_undated"]) == (1, ["b"])


def test_the_timeline_names_meetings_by_title():
    topics = [{"topic": 1, "label": "a", "terms": ["a"]}, {"topic": 2, "label": "b",
                                                           "terms": ["b"]}]
    rows = [{"doc_id": f"m{i}#1.1", "meeting": f"m{i}", "turn": 1, "topic_1": 1.0,
             "topic_2": 0.0, "n_tokens": 5, "date": f"2024-01-{i + 1:02d}"} for i in range(8)]
    titles = {f"m{i}": f"衆議院 委員会 第{i + 1}号" for i in range(8)}
    meetings = pd.DataFrame([{"meeting": r["meeting"], "date": r["date"], "topic": topic,
                              "share": r[f"topic_{topic}"], "n_tokens": 5}
                             for r in rows for topic in (1, 2)])
    fig = time_chart(topic_time(meetings, "meeting", titles).table, topics)
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels()]
    assert "2024-01-01 衆議院 委員会 第1号" in ticks and not any("m0" in t for t in ticks)
    few = flow_chart(pd.DataFrame(rows[:2]), topics, titles)
    assert [ax.get_title() for ax in few.axes if ax.get_title()] == [
        "衆議院 委員会 第1号（2024-01-01）", "衆議院 委員会 第2号（2024-01-02）"]


NDL_COLUMNS = {"speaker": "speaker", "text": "speech", "meeting": "issueID", "id": "speechID",
               "date": "date", "meeting_attributes": {"院": "nameOfHouse",
                                                      "委員会": "nameOfMeeting"}}


def test_meeting_attributes_come_from_the_rows_and_the_csv_wins():
    path = DATA / "kokkai" / "speeches.jsonl"
    cfg = IngestConfig(input=str(path), columns=NDL_COLUMNS, exclude_rows={"kind": ["header"]})
    info = (MeetingInfo("121215254X00720231129", attributes=(("委員会", "本会議（第7号）"),)),)
    corpus = read_corpus(path, read_options(cfg, (), info))
    header, rows = corpus.tally.meeting_table(info)
    assert header == ["meeting", "title", "date", "modelled", "委員会", "院"]
    table = {r[0]: r[4:] for r in rows}
    assert len(table) == 7
    assert table["121205124X00220231108"] == ("文部科学委員会", "衆議院")
    assert table["121215254X00720231129"] == ("本会議（第7号）", "参議院")  # the CSV's
    assert table["121215254X00820231201"] == ("本会議", "参議院")


def test_a_meeting_whose_rows_disagree_on_an_attribute_is_an_error(tmp_path):
    path = tmp_path / "talk.csv"
    path.write_text("meeting,speaker,text,committee\nm1,岸,発言です。,予算委員会\n"
                    "m1,林,発言です。,\nm2,岸,発言です。,外務委員会\nm1,林,発言です。,外務委員会\n",
                    encoding="utf-8")
    columns = {"meeting_attributes": {"委員会": "committee"}}
    with pytest.raises(PipelineError) as error:
        read(path, columns=columns)
    assert str(error.value).startswith(
        f"{path}:5: meeting 'm1' has 委員会 '外務委員会' here but '予算委員会' on {path}:2; a "
        "meeting attribute (ingest.columns.meeting_attributes.委員会) must be the same on "
        "every row of a meeting")
    with pytest.raises(PipelineError, match="no column 'house' for "
                                            r"ingest.columns.meeting_attributes.院"):
        read(path, columns={"meeting_attributes": {"院": "house"}})


@pytest.mark.parametrize(("names", "message"), [
    ({"title": "x"}, "meeting attribute name 'title' is a column meetings.csv already has"),
    ({"a/b": "x"}, "attribute name 'a/b' must be a plain name"),
])
def test_meeting_attribute_names_are_checked_in_the_config(names, message):
    from pipeline.common.config import parse_config

    with pytest.raises(PipelineError, match=message):
        parse_config({"ingest": {"input": "x", "columns": {"meeting_attributes": names}}})
