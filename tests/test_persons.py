"""Tests for pipeline/ingest/persons.py and label handling in ingest: one person, one
speaker; a skipped tag-like line is counted; dates and attributes reach the documents."""

from __future__ import annotations

from pipeline.ingest.core import doc_options
from pipeline.ingest.corpus import ReadOptions, ingest_file, read_corpus
from pipeline.ingest.persons import unify_speakers
from pipeline.ingest.roster import parse_roster
from pipeline.ingest.transcripts import split_turns

MINUTES = """令和二年二月十九日（水曜日）
○国務大臣（盛山正仁君）　文部科学行政について申し上げます。
○鈴木（隼）委員　質問いたします。
○盛山国務大臣　お答えいたします。
○鈴木隼人君　重ねて伺います。
○遠藤都市整備局市街地整備部長　整備について御説明します。
○遠藤都市整備局長　局としての方針です。
○岸委員　岸田総理に伺います。
○岸田文雄君　お答えします。
"""


def test_one_person_one_speaker_within_a_meeting():
    turns, _ = split_turns(MINUTES, "m")
    unified = unify_speakers(turns)
    speakers = [(t.speaker, t.role) for t in unified.turns if t.turn > 0]
    assert speakers == [
        ("盛山正仁", "国務大臣"), ("鈴木隼人", "委員"), ("盛山正仁", "国務大臣"),
        ("鈴木隼人", ""), ("遠藤", "都市整備局市街地整備部長"), ("遠藤", "都市整備局長"),
        # 岸 is not 岸田: the full name's surname is 岸田.
        ("岸", "委員"), ("岸田文雄", "")]
    assert unified.merged == {"盛山": "盛山正仁", "鈴木(隼)": "鈴木隼人"}


def test_a_surname_shared_by_two_full_names_is_kept_apart():
    text = "○鈴木委員　一つ。\n○鈴木隼人君　二つ。\n○鈴木庸介君　三つ。\n"
    turns, _ = split_turns(text, "m")
    unified = unify_speakers(turns)
    assert [t.speaker for t in unified.turns if t.turn] == ["鈴木", "鈴木隼人", "鈴木庸介"]
    assert unified.ambiguous == {"鈴木": ("鈴木庸介", "鈴木隼人")}


def test_alias_targets_are_left_alone():
    turns, _ = split_turns("○盛山国務大臣　一つ。\n○国務大臣（盛山正仁君）　二つ。\n", "m")
    assert unify_speakers(turns, frozenset({"盛山"})).merged == {}


def test_a_tag_alone_on_its_line_is_a_turn_and_a_bullet_is_counted(tmp_path):
    text = ("令和二年二月十九日\n○議長（石川良一君）\n　ただいまから会議を開きます。\n"
            "○三十番（舟坂ちかお君）\n　質問します。\n○地方創生について\n　続けます。\n"
            "〇政治改革に関する特別委員　　四十名\n")
    path = tmp_path / "m.txt"
    path.write_text(text, encoding="utf-8")
    result = ingest_file((path, "m", ReadOptions(), doc_options_for_test()))
    rows = [(r[3], r[4]) for r in result.turn_rows if r[1] > 0]
    assert rows == [("石川良一", "議長"), ("舟坂ちかお", "")]
    assert result.report.n_tag_like_lines == 2
    assert result.report.tag_like_lines == (
        "○地方創生について", "〇政治改革に関する特別委員　　四十名")
    assert result.report.date == "2020-02-19"
    assert all(d["date"] == "2020-02-19" for d in result.documents)


def test_a_very_long_angle_tag_is_a_turn_not_glued():
    label = ("土屋オリンピック・パラリンピック準備局ラグビーワールドカップ準備担当部長"
             "国際大会準備担当部長兼務")
    text = f"<委員長>\n開会します。\n<{label}>\n御説明します。\n<委員長>\n以上です。\n"
    turns, _ = split_turns(text, "m")
    assert [(t.speaker, t.role) for t in turns if t.turn] == [
        ("委員長", ""), ("土屋", label.removeprefix("土屋")), ("委員長", "")]
    assert turns[0].text == "開会します。"


def test_affiliation_and_roster_become_attributes(tmp_path):
    path = tmp_path / "m_2021-02-02.txt"
    path.write_text("<田中太郎（自民）>\n賛成です。\n<岸>\n反対です。\n", encoding="utf-8")
    roster = parse_roster("speaker,group,position\n岸,無所属,教授\n田中太郎,民主,\n", "r.csv")
    turns, _, _ = read_corpus(path, ReadOptions(roster=roster))
    result = ingest_file((path, "m", ReadOptions(roster=roster), doc_options_for_test()))
    attrs = {d["speaker"]: d["attributes"] for d in result.documents}
    # The transcript's own bracket wins over the roster; the roster fills the rest.
    assert attrs == {"田中太郎": {"group": "自民"}, "岸": {"group": "無所属", "position": "教授"}}
    assert {d["date"] for d in result.documents} == {"2021-02-02"}
    assert turns[0].attributes == (("group", "自民"),)


def doc_options_for_test():
    from pipeline.common.config import IngestConfig

    return doc_options(IngestConfig(input="x", procedural_roles=[]))
