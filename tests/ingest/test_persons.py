"""Tests for pipeline/ingest/persons.py and label handling in ingest: one person, one
speaker; a skipped tag-like line is counted; dates and attributes reach the documents."""

from __future__ import annotations

import json

import pytest

from pipeline.ingest.core import IngestTally, doc_options, read_corpus
from pipeline.ingest.corpus import ReadOptions, ingest_file, read_file
from pipeline.ingest.persons import unify_speakers
from pipeline.ingest.role_kinds import role_kind
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


# A city assembly's committee: an official and a member share a surname (three pairs).
ASSEMBLY = """○岡田委員　市場の移転について伺います。
○岡田中央卸売市場長　移転の日程をお答えします。
○増子委員　水道料金について伺います。
○増子水道局長　料金の改定はありません。
○田中委員　工事の遅れについて伺います。
○田中オリンピック・パラリンピック準備局ラグビーワールドカップ準備担当部長　遅れはありません。
○岡田委員　重ねて伺います。
○遠藤都市整備局市街地整備部長　整備について御説明します。
○遠藤都市整備局長　局としての方針です。
"""


@pytest.mark.parametrize(("role", "kind"), [
    ("委員", "member"), ("予算委員長", "chair"), ("委員長代理", "chair"), ("理事", "member"),
    ("国務大臣", "minister"), ("中央卸売市場長", "official"), ("水道局長", "official"),
    ("政府参考人", "official"), ("政府委員", "official"), ("参考人", "witness"),
    ("準備担当部長国際大会準備担当部長兼務", "official"), ("市長", "executive"),
    ("研究委員", "member"), ("", ""), ("よくわからない", ""),
])
def test_role_kinds(role, kind):
    assert role_kind(role) == kind


def test_an_official_and_a_member_sharing_a_surname_are_two_speakers(tmp_path):
    path = tmp_path / "m.txt"
    path.write_text(ASSEMBLY, encoding="utf-8")
    result = ingest_file(path, "m", ReadOptions(), doc_options_for_test())
    speakers = [r[3] for r in result.turn_rows if r[1] > 0]
    assert speakers == [
        "岡田", "岡田（中央卸売市場長）", "増子", "増子（水道局長）", "田中",
        "田中（オリンピック・パラリンピック準備局ラグビーワールドカップ準備担当部長）", "岡田",
        # One kind of role (official) under two offices: one person.
        "遠藤", "遠藤"]
    # The same names in the documents as in turns.csv.
    assert {d["speaker"] for d in result.documents} == set(speakers)
    tally = IngestTally()
    tally.add(result)
    metrics = json.loads(json.dumps(tally.metrics()))
    assert metrics["n_surnames_split"] == 3
    assert metrics["surnames_split"]["岡田"] == ["岡田", "岡田（中央卸売市場長）"]
    assert metrics["n_speakers"] == 7
    assert any("surnames written with several kinds" in line
               for line in tally.log_lines("paragraph", "m.json"))


def test_aliases_or_a_full_name_join_what_kinds_would_split():
    text = "○岡田委員　一つ。\n○岡田中央卸売市場長　二つ。\n"
    turns, _ = split_turns(text, "m", aliases={"岡田中央卸売市場長": "岡田"})
    assert [t.speaker for t in unify_speakers(turns, frozenset({"岡田"})).turns] == [
        "岡田", "岡田"]
    # A full name written with both kinds of role (the chair who also asks as a member, as
    # the NDL's speaker column gives it) is one person.
    text = "○委員長（田野瀬太道君）　開会します。\n○委員（田野瀬太道君）　質問します。\n"
    turns, _ = split_turns(text, "m")
    unified = unify_speakers(turns)
    assert {t.speaker for t in unified.turns if t.turn} == {"田野瀬太道"}
    assert unified.split == {}
    # Surname only: a chair is a member who presides (diet-dev: 谷委員長 and 谷委員 are both
    # 谷公一), one person; a member and a parliamentary vice-minister are two.
    text = "○谷委員長　開会します。\n○谷委員　質問します。\n○谷大臣政務官　答えます。\n"
    turns, _ = split_turns(text, "m")
    unified = unify_speakers(turns)
    assert [t.speaker for t in unified.turns if t.turn] == ["谷", "谷", "谷（大臣政務官）"]


def test_a_short_name_joins_the_full_name_of_its_own_kind_of_role():
    text = ("○鈴木委員　一つ。\n○委員（鈴木隼人君）　二つ。\n○国務大臣（鈴木庸介君）　三つ。\n"
            "○鈴木国務大臣　四つ。\n")
    turns, _ = split_turns(text, "m")
    unified = unify_speakers(turns)
    assert [t.speaker for t in unified.turns if t.turn] == [
        "鈴木隼人", "鈴木隼人", "鈴木庸介", "鈴木庸介"]
    assert unified.ambiguous == {}


def test_a_tag_alone_on_its_line_is_a_turn_and_a_bullet_is_counted(tmp_path):
    text = ("令和二年二月十九日\n○議長（石川良一君）\n　ただいまから会議を開きます。\n"
            "○三十番（舟坂ちかお君）\n　質問します。\n○地方創生について\n　続けます。\n"
            "〇政治改革に関する特別委員　　四十名\n")
    path = tmp_path / "m.txt"
    path.write_text(text, encoding="utf-8")
    result = ingest_file(path, "m", ReadOptions(), doc_options_for_test())
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
    turns, _, _ = read_file(path, "m", ReadOptions(roster=roster))
    result = ingest_file(path, "m", ReadOptions(roster=roster), doc_options_for_test())
    attrs = {d["speaker"]: d["attributes"] for d in result.documents}
    # The transcript's own bracket wins over the roster; the roster fills the rest.
    assert attrs == {"田中太郎": {"group": "自民"}, "岸": {"group": "無所属", "position": "教授"}}
    assert {d["date"] for d in result.documents} == {"2021-02-02"}
    assert turns[0].attributes == (("group", "自民"),)


def doc_options_for_test():
    from pipeline.common.config import IngestConfig

    return doc_options(IngestConfig(input="x", procedural_roles=[]))


# One city's committee on two days: the market chief 岡田 answers on the first, the member
# 岡田 asks on the second. Split within each meeting alone, both would be 岡田.
DAY_ONE = """○増子委員　市場の移転について伺います。
○岡田中央卸売市場長　移転の日程をお答えします。
○岡田中央卸売市場長　重ねてお答えします。
"""
DAY_TWO = """○岡田委員　市場の移転について伺います。
○増子水道局長　料金の改定はありません。
"""


def _two_days(tmp_path, aliases=()):
    folder = tmp_path / "minutes"
    folder.mkdir()
    (folder / "day1.txt").write_text(DAY_ONE, encoding="utf-8")
    (folder / "day2.txt").write_text(DAY_TWO, encoding="utf-8")
    return read_corpus(folder, ReadOptions(aliases=aliases), doc_options_for_test())


def test_a_name_is_split_by_kind_of_role_across_the_corpus(tmp_path):
    corpus = _two_days(tmp_path)
    speakers = [(r.meeting, r.speaker) for r in corpus.turns if r.turn > 0]
    assert speakers == [
        ("day1", "増子"), ("day1", "岡田（中央卸売市場長）"), ("day1", "岡田（中央卸売市場長）"),
        ("day2", "岡田"), ("day2", "増子（水道局長）")]
    # The same names in the documents as in turns.csv, in both meetings.
    assert {(d["meeting"], d["speaker"]) for d in corpus.documents} == set(speakers)
    metrics = corpus.tally.metrics()
    assert metrics["n_surnames_split"] == 2 and metrics["n_turns_split"] == 3
    assert metrics["surnames_split"] == {"増子": ["増子", "増子（水道局長）"],
                                         "岡田": ["岡田", "岡田（中央卸売市場長）"]}
    assert metrics["n_speakers"] == 4


def test_aliases_join_across_the_corpus_what_kinds_would_split(tmp_path):
    corpus = _two_days(tmp_path, (("岡田中央卸売市場長", "岡田"),))
    speakers = {r.speaker for r in corpus.turns if r.turn > 0}
    assert speakers == {"岡田", "増子", "増子（水道局長）"}
    assert corpus.tally.metrics()["n_surnames_split"] == 1


def test_a_full_name_is_one_person_in_every_meeting(tmp_path):
    # A table's speaker column names the person whatever the role: never split.
    path = tmp_path / "minutes.csv"
    path.write_text("speaker,text,meeting,role\n岡田太郎,伺います。,m1,委員\n"
                    "岡田太郎,お答えします。,m2,中央卸売市場長\n", encoding="utf-8")
    corpus = read_corpus(path, ReadOptions(), doc_options_for_test())
    assert {r.speaker for r in corpus.turns if r.turn > 0} == {"岡田太郎"}
    assert corpus.tally.metrics()["n_surnames_split"] == 0
