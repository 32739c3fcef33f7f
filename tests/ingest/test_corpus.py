"""Reading a corpus: Diet minutes as text and as a table, utterance tables, folders."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from _project import DATA

from pipeline.common.errors import PipelineError
from pipeline.ingest.core import read_corpus
from pipeline.ingest.corpus import ReadOptions, find_transcripts
from pipeline.ingest.tables import Columns
from pipeline.ingest.transcripts import fold

KOKKAI = DATA / "kokkai" / "speeches.jsonl"
NDL = ReadOptions(columns=Columns(text="speech", meeting="issueID", id="speechID"),
                  exclude_rows=(("kind", ("header",)),))


@pytest.fixture(scope="module")
def kokkai_text(tmp_path_factory) -> Path:
    """The 7 meetings as ○-style minutes: each meeting's speech fields joined by newlines."""
    folder = tmp_path_factory.mktemp("kokkai")
    meetings = defaultdict(list)
    for line in KOKKAI.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        meetings[record["issueID"]].append(record["speech"])
    for issue, speeches in meetings.items():
        (folder / f"{issue}.txt").write_text("\n".join(speeches), encoding="utf-8")
    return folder


def test_diet_minutes_as_text_give_427_turns(kokkai_text):
    corpus = read_corpus(kokkai_text, ReadOptions())
    turns, reports = corpus.turns, corpus.reports
    speech = [t for t in turns if t.turn > 0]
    assert len(speech) == 427
    assert {r.style for r in reports} == {"diet"} and len(reports) == 7
    # The header (attendance list, 議事日程) is turn 0 of each meeting, never a speaker.
    assert sum(1 for t in turns if t.turn == 0) == 7
    assert not {"議事日程", "会議録情報"} & {t.speaker for t in speech}


def test_diet_minutes_as_table_give_the_same_turns(kokkai_text):
    as_text = {(t.meeting, t.turn): t for t in read_corpus(kokkai_text, ReadOptions()).turns
               if t.turn > 0}
    table = read_corpus(KOKKAI, NDL)
    as_table = {(t.meeting, t.turn): t for t in table.turns}
    assert table.skipped == {"excluded_row": 7}
    assert as_text.keys() == as_table.keys()
    for key, turn in as_text.items():
        other = as_table[key]
        assert (turn.speaker_label, turn.role, turn.text) == (
            other.speaker_label, other.role, other.text)
        # The label's surname is the start of the full name the table gives (old forms folded).
        assert fold(other.speaker).startswith(turn.speaker.split("(")[0]), key
        assert other.source_id.startswith(turn.meeting)


def test_old_character_forms_fold_only_when_asked(kokkai_text):
    folded = " ".join(t.text for t in read_corpus(kokkai_text, ReadOptions()).turns)
    kept = " ".join(t.text for t in read_corpus(kokkai_text, ReadOptions(fold_old=False)).turns)
    assert "勞働" in kept and "勞働" not in folded and "労働" in folded
    speakers = {t.speaker for t in read_corpus(kokkai_text, ReadOptions()).turns}
    assert "米窪" in speakers  # 米窪國務大臣 → 米窪 + 国務大臣


@pytest.mark.parametrize(("name", "body"), [
    ("talk.csv", "id,speaker,text\nr1,岸,特区の話です。\nr2,後藤,材料の話です。\n"),
    ("talk.tsv", "id\tspeaker\ttext\nr1\t岸\t特区の話です。\nr2\t後藤\t材料の話です。\n"),
    ("talk.jsonl", '{"id": "r1", "speaker": "岸", "text": "特区の話です。"}\n'
                   '{"id": "r2", "speaker": "後藤", "text": "材料の話です。"}\n'),
])
def test_utterance_tables_need_no_config(tmp_path, name, body):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    corpus = read_corpus(path, ReadOptions())
    turns, reports = corpus.turns, corpus.reports
    assert [(t.meeting, t.turn, t.speaker, t.text, t.source_id) for t in turns] == [
        ("talk", 1, "岸", "特区の話です。", "r1"), ("talk", 2, "後藤", "材料の話です。", "r2")]
    assert reports[0].style == "table"


def test_cp932_table_is_decoded(tmp_path):
    path = tmp_path / "talk.csv"
    path.write_bytes("speaker,text\n委員長,開会します。\n".encode("cp932"))
    corpus = read_corpus(path, ReadOptions())
    turns, reports = corpus.turns, corpus.reports
    assert turns[0].text == "開会します。" and reports[0].encoding == "cp932"


def test_missing_column_names_the_key(tmp_path):
    path = tmp_path / "talk.csv"
    path.write_text("name,speech\n岸,話す。\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"talk.csv: no column 'speaker'.*ingest.columns"):
        read_corpus(path, ReadOptions())


def test_malformed_jsonl_names_the_line(tmp_path):
    path = tmp_path / "talk.jsonl"
    path.write_text('{"speaker": "岸", "text": "a"}\n{broken\n', encoding="utf-8")
    with pytest.raises(PipelineError, match=r"talk.jsonl:2: not valid JSON"):
        read_corpus(path, ReadOptions())


def test_rows_without_speaker_are_counted(tmp_path):
    path = tmp_path / "talk.csv"
    path.write_text("speaker,text\n岸,話す。\n,誰か。\n", encoding="utf-8")
    corpus = read_corpus(path, ReadOptions())
    assert len(corpus.turns) == 1 and corpus.skipped == {"no_speaker": 1}


def test_folder_is_read_recursively_in_stable_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2021.txt").write_text("<岸>\n話す。\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("○田中委員長　開会します。\n", encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text("<x>\ny\n", encoding="utf-8")
    assert [p.name for p in find_transcripts(tmp_path)] == ["a.txt", "2021.txt"]
    corpus = read_corpus(tmp_path, ReadOptions())
    turns, reports = corpus.turns, corpus.reports
    assert [t.meeting for t in turns if t.turn] == ["a", "b/2021"]
    assert [r.style for r in reports] == ["diet", "angle"]


def test_missing_path_and_empty_folder_are_errors(tmp_path):
    with pytest.raises(PipelineError, match="input path not found"):
        read_corpus(tmp_path / "nope", ReadOptions())
    with pytest.raises(PipelineError, match="no transcripts in this folder"):
        read_corpus(tmp_path, ReadOptions())


def test_misnamed_optional_column_is_an_error(tmp_path):
    path = tmp_path / "talk.csv"
    path.write_text("speaker,text,issueID\n岸,話す。,m1\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"no column 'issueid' for the meeting"):
        read_corpus(path, ReadOptions(columns=Columns(meeting="issueid")))
    turns = read_corpus(path, ReadOptions(columns=Columns(meeting="issueID"))).turns
    assert turns[0].meeting == "m1"


@pytest.mark.parametrize(("label", "speaker", "role"), [
    ("北村経夫君", "北村経夫", ""), ("K氏", "K", ""), ("田中さん", "田中", ""),
    ("議長(尾辻秀久君)", "尾辻秀久", "議長"), ("盛山国務大臣", "盛山", "国務大臣")])
def test_honorifics_are_not_roles(label, speaker, role):
    from pipeline.ingest.speaker_labels import split_speaker

    assert split_speaker(label) == (speaker, role)


def test_attribute_columns_come_from_the_config_the_labels_and_the_roster():
    from pipeline.ingest.corpus import attribute_columns, attribute_names
    from pipeline.ingest.tables import Columns

    options = ReadOptions(columns=Columns(attributes=(("house", "h"), ("role", "r"))),
                          roster=(("岸", (("age", "60"), ("group", "自民"))),))
    names = attribute_names(options)
    assert names == ("house", "role", "group", "age")
    # A fixed column's name is not taken twice.
    assert attribute_columns(names) == ("house", "attribute_role", "group", "age")
