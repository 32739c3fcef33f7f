"""Table-driven cases for pipeline/ingest/speaker_labels.py: real label shapes from Diet,
prefectural-assembly and study-group minutes -> (speaker, role, affiliation)."""

from __future__ import annotations

import pytest

from pipeline.ingest.speaker_labels import normalize_label, parse_label, titles

# An office past 40 characters (a tag that long was once glued onto the turn before it).
LONG_OFFICE = ("オリンピック・パラリンピック準備局ラグビーワールドカップ準備担当部長"
               "国際大会準備担当部長兼務")

CASES = [
    # Officials keep their office in the label: the office is everything after the surname.
    ("遠藤都市整備局市街地整備部長", "遠藤", "都市整備局市街地整備部長", ""),
    ("増子水道局長", "増子", "水道局長", ""),
    ("笠井総務局長", "笠井", "総務局長", ""),
    ("大原教育長", "大原", "教育長", ""),
    ("北村消防総監", "北村", "消防総監", ""),
    ("村尾東京都技監", "村尾", "東京都技監", ""),
    ("岡田中央卸売市場長", "岡田", "中央卸売市場長", ""),
    ("小山政策企画局計画調整担当部長戦略事業担当参事兼務", "小山",
     "政策企画局計画調整担当部長戦略事業担当参事兼務", ""),
    ("土屋" + LONG_OFFICE, "土屋", LONG_OFFICE, ""),
    # 名（所属）, 役職（氏名君）, ○○番（氏名君）.
    ("田中太郎（自民）", "田中太郎", "", "自民"),
    ("三十番（舟坂ちかお君）", "舟坂ちかお", "", ""),
    ("三番(山田花子君)", "山田花子", "", ""),
    ("議長（石川良一君）", "石川良一", "議長", ""),
    ("副議長（本橋ひろたか君）", "本橋ひろたか", "副議長", ""),
    ("知事（小池百合子君）", "小池百合子", "知事", ""),
    ("産業労働局長（坂本雅彦君）", "坂本雅彦", "産業労働局長", ""),
    ("国務大臣（盛山正仁君）", "盛山正仁", "国務大臣", ""),
    ("内閣総理大臣（岸田文雄君）", "岸田文雄", "内閣総理大臣", ""),
    ("政府参考人（親家和仁君）", "親家和仁", "政府参考人", ""),
    ("委員長（阿達雅志君）", "阿達雅志", "委員長", ""),
    ("参考人（植田和男君）", "植田和男", "参考人", ""),
    # The Diet tells two members of one surname apart by a character of the given name.
    ("鈴木（隼）委員", "鈴木(隼)", "委員", ""),
    ("松本（尚）委員", "松本(尚)", "委員", ""),
    # Diet committee labels: surname + title, the title found longest first.
    ("田野瀬委員長", "田野瀬", "委員長", ""),
    ("小泉委員長", "小泉", "委員長", ""),
    ("黄川田委員", "黄川田", "委員", ""),
    ("鈴木委員", "鈴木", "委員", ""),
    ("鈴木副委員長", "鈴木", "副委員長", ""),
    ("丹羽小委員長", "丹羽", "小委員長", ""),
    ("倉田国立国会図書館長", "倉田", "国立国会図書館長", ""),
    ("木原国務大臣", "木原", "国務大臣", ""),
    ("盛山国務大臣", "盛山", "国務大臣", ""),
    ("上川外務大臣", "上川", "外務大臣", ""),
    ("加藤財務大臣", "加藤", "財務大臣", ""),
    ("石破内閣総理大臣", "石破", "内閣総理大臣", ""),
    ("林内閣官房長官", "林", "内閣官房長官", ""),
    ("親家政府参考人", "親家", "政府参考人", ""),
    ("植田参考人", "植田", "参考人", ""),
    ("龍円委員", "龍円", "委員", ""),
    ("浜教育長", "浜", "教育長", ""),
    # Study-group labels (the bundled meeting's own).
    ("荒井副理事長", "荒井", "副理事長", ""),
    ("A 研究委員", "A", "研究委員", ""),
    ("Ａ\u3000研究委員", "A", "研究委員", ""),
    ("島研究委員", "島", "研究委員", ""),
    ("門間研究委員・グループリーダー", "門間", "研究委員・グループリーダー", ""),
    ("岸先生", "岸", "先生", ""),
    ("上久保", "上久保", "", ""),
    ("岩田", "岩田", "", ""),
    # Honorifics are politeness, not a role.
    ("K氏", "K", "", ""),
    ("I 氏", "I", "", ""),
    ("佐藤正久君", "佐藤正久", "", ""),
    ("田中さん", "田中", "", ""),
    # A label that is nothing but a title stays whole as the speaker.
    ("委員長", "委員長", "", ""),
    ("議長", "議長", "", ""),
    ("研究委員", "研究委員", "", ""),
    ("会議録情報", "会議録情報", "", ""),
    # Invisible characters go; numbers stay text (01 is not 1).
    ("岸\u200b", "岸", "", ""),
    ("\ufeff後藤\u200d", "後藤", "", ""),
    ("01", "01", "", ""),
    ("1", "1", "", ""),
    ("", "", "", ""),
]


@pytest.mark.parametrize(("label", "speaker", "role", "affiliation"), CASES)
def test_parse_label(label, speaker, role, affiliation):
    parsed = parse_label(label)
    assert (parsed.speaker, parsed.role, parsed.affiliation) == (speaker, role, affiliation)
    assert parsed.resolved or not label


def test_at_least_forty_real_label_shapes():
    assert len({c[0] for c in CASES}) >= 40


@pytest.mark.parametrize("label", [
    "遠藤都市整備局市街地整備",  # an office with no title after it: nothing to split on
    "鈴木（隼）総務担当",
    "政治改革に関する特別委員",  # a list item in a speech, not a person
])
def test_a_label_whose_name_keeps_an_office_is_unresolved(label):
    assert not parse_label(label).resolved


def test_titles_are_read_longest_first():
    words = titles()
    assert [len(w) for w in words] == sorted((len(w) for w in words), reverse=True)
    assert "委員長" in words and "技監" in words and "#" not in "".join(words)


def test_normalize_label_removes_invisible_characters_only():
    assert normalize_label("田\u200b中\u2060 \u00ad委員") == "田中 委員"
    assert normalize_label("０１") == "01"
