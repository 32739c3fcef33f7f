"""Tests for pipeline/ingest/transcripts.py: decoding, tag-style detection and turn splitting."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pytest
from _fuzz import n_examples
from _project import DATA, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.common.errors import PipelineError
from pipeline.ingest.encoding import decode
from pipeline.ingest.transcripts import detect_style, fold, split_turns, turn_labels

REPO = ROOT
BUNDLED = REPO / "data" / "nakasone_digital_economy_2021-02-02.txt"


def speaking(turns):
    """Turns that belong to a speaker (turn > 0)."""
    return [t for t in turns if t.turn > 0]


# --- decode ---------------------------------------------------------------------------------

SAMPLE = (DATA / "angle_sample.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("data", "expected_encoding"),
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("cp932"), "cp932"),
        (SAMPLE.encode("euc-jp"), "euc-jp"),
    ],
    ids=["utf-8", "utf-8-bom", "cp932", "euc-jp"],
)
def test_decode_gives_same_text_and_reports_encoding(data, expected_encoding):
    text, encoding = decode(data, "sample.txt")
    assert text == SAMPLE
    assert encoding == expected_encoding


def test_decode_strips_bom_from_text():
    text, _ = decode(b"\xef\xbb\xbf<\xe5\xb2\xb8>", "bom.txt")
    assert text == "<岸>"


def test_decode_with_explicit_encoding():
    text, encoding = decode(SAMPLE.encode("cp932"), "sample.txt", encoding="cp932")
    assert (text, encoding) == (SAMPLE, "cp932")


def test_decode_explicit_encoding_that_does_not_fit_names_source():
    with pytest.raises(PipelineError, match=r"^sjis\.txt: cannot decode as utf-8"):
        decode(SAMPLE.encode("cp932"), "sjis.txt", encoding="utf-8")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n\t\r\n  ",
        b"<\xe5\xb2\xb8>\x00\x00binary",
        b"\x00",
        b"\x85\x86\x87\x88",  # not UTF-8, not CP932 (unassigned rows), not EUC-JP
    ],
    ids=["empty", "whitespace", "nul-bytes", "only-nul", "undecodable"],
)
def test_decode_rejects_bad_bytes_naming_the_source(data):
    with pytest.raises(PipelineError) as info:
        decode(data, "meetings/broken.txt")
    assert str(info.value).startswith("meetings/broken.txt: ")


# --- detect_style ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("<岸>\n発言です。\n<上久保>\n答えます。\n", "angle"),
        ("<B 研究委員>\n質問です。\n", "angle"),
        ("#### <上久保>\n答えます。\n", "angle"),
        ("<田中議長>ただいまから会議を開きます。\n<鈴木委員>質問します。\n", "angle_inline"),
        ("○田野瀬委員長\u3000これより会議を開きます。\n", "diet"),
        ("○議長（石川良一君）\u3000ただいまから本会議を開きます。\n", "diet"),
        ("田中：おはようございます。\n鈴木：はい。\n", "colon"),
        ("田中:おはようございます。\n", "colon"),
    ],
)
def test_detect_style(text, style):
    assert detect_style(text) == style


@pytest.mark.parametrize(
    "text",
    ["", "ただの文章です。\n見出しもありません。\n", "   \n\n"],
    ids=["empty", "prose", "blank"],
)
def test_text_without_tags_is_a_pipeline_error(text):
    with pytest.raises(PipelineError, match="no speaker tag style matched"):
        detect_style(text)
    with pytest.raises(PipelineError):
        split_turns(text, "m")


# --- split_turns: one table of tag styles ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("<岸>\n発言です。\n", [("岸", "岸", "", ["発言です。"])], id="angle-alone"),
        pytest.param(
            "<B 研究委員>\n質問です。\n",
            [("B 研究委員", "B", "研究委員", ["質問です。"])],
            id="angle-with-role",
        ),
        pytest.param(
            "#### <上久保>\n答えます。\n",
            [("上久保", "上久保", "", ["答えます。"])],
            id="angle-markdown-heading",
        ),
        pytest.param(
            "<田中議長>ただいまから会議を開きます。\n<鈴木>はい。\n",
            [
                ("田中議長", "田中", "議長", ["ただいまから会議を開きます。"]),
                ("鈴木", "鈴木", "", ["はい。"]),
            ],
            id="angle-inline",
        ),
        pytest.param(
            "○田野瀬委員長\u3000これより会議を開きます。\n",
            [("田野瀬委員長", "田野瀬", "委員長", ["これより会議を開きます。"])],
            id="diet",
        ),
        pytest.param(
            "○議長（石川良一君）\u3000ただいまから本会議を開きます。\n",
            [("議長(石川良一君)", "石川良一", "議長", ["ただいまから本会議を開きます。"])],
            id="diet-bracketed",
        ),
        pytest.param(
            "司会：始めます。\n田中：はい。\n",
            [("司会", "司会", "", ["始めます。"]), ("田中", "田中", "", ["はい。"])],
            id="colon",
        ),
    ],
)
def test_split_turns_tag_styles(text, expected):
    turns, _ = split_turns(text, "m")
    got = [(t.speaker_label, t.speaker, t.role, [p.text for p in t.paragraphs]) for t in turns]
    assert got == expected
    assert [t.turn for t in turns] == list(range(1, len(expected) + 1))
    assert all(t.meeting == "m" for t in turns)


@pytest.mark.parametrize(
    ("name", "style", "speakers"),
    [
        ("angle_sample.txt", "angle", ["岩田", "A", "上久保", "K"]),
        ("diet_sample.txt", "diet", ["田野瀬", "石川良一", "盛山"]),
        ("colon_sample.txt", "colon", ["司会", "田中", "鈴木"]),
    ],
)
def test_sample_files(name, style, speakers):
    text = (DATA / name).read_text(encoding="utf-8")
    turns, used = split_turns(text, name)
    assert used == style
    assert [t.speaker for t in speaking(turns)] == speakers


def test_continuation_lines_belong_to_turn_above():
    text = (DATA / "colon_sample.txt").read_text(encoding="utf-8")
    turns, _ = split_turns(text, "m")
    assert [p.text for p in turns[0].paragraphs] == [
        "本日の会議を始めます。", "続いて議題を説明します。"
    ]
    diet, _ = split_turns((DATA / "diet_sample.txt").read_text(encoding="utf-8"), "m")
    chair = speaking(diet)[0]
    assert chair.speaker == "田野瀬"
    assert chair.text == "これより会議を開きます。\n本日は、予算について審査を行います。"


def test_text_before_first_tag_is_turn_zero():
    text = "前置きの文です。\n日付。\n<岸>\n発言です。\n"
    turns, _ = split_turns(text, "m")
    assert [t.turn for t in turns] == [0, 1]
    head = turns[0]
    assert (head.speaker_label, head.speaker, head.role) == ("", "", "")
    assert [p.text for p in head.paragraphs] == ["前置きの文です。", "日付。"]
    assert "前置き" not in turns[1].text


def test_no_turn_zero_when_text_starts_with_tag():
    turns, _ = split_turns("<岸>\n発言です。\n", "m")
    assert [t.turn for t in turns] == [1]


def test_explicit_style_overrides_detection():
    # Two colon lines outvote one angle tag, but the caller says it is angle style.
    text = "<岸>\n注：これは補足です。\n注：もう一つ。\n"
    assert detect_style(text) == "colon"
    turns, used = split_turns(text, "m", style="angle")
    assert used == "angle"
    assert [t.speaker for t in speaking(turns)] == ["岸"]
    assert turns[0].text == "注:これは補足です。\n注:もう一つ。"


def test_aliases_merge_two_labels_into_one_speaker():
    text = "<馬場委員長>\n始めます。\n<馬場>\n続けます。\n"
    turns, _ = split_turns(text, "m", aliases={"馬場委員長": "馬場茂", "馬場": "馬場茂"})
    assert [t.speaker for t in turns] == ["馬場茂", "馬場茂"]
    assert [t.role for t in turns] == ["委員長", ""]


# --- paragraphs: page-break join, NFKC, offsets ---------------------------------------------


def test_page_break_join():
    text = "<A 研究委員>\n課題について。自治体を超え\n\nるデータ流通が課題だ。\n次の段落。\n"
    turns, _ = split_turns(text, "m")
    paragraphs = turns[0].paragraphs
    assert [p.text for p in paragraphs] == [
        "課題について。自治体を超えるデータ流通が課題だ。", "次の段落。"
    ]
    joined = paragraphs[0]
    # The joined span runs from the first piece to the end of the second.
    span = text[joined.start : joined.end]
    assert span == "課題について。自治体を超え\n\nるデータ流通が課題だ。"


def test_page_break_join_does_not_cross_turns():
    text = "<岸>\n途中で終わる\n<後藤>\n次の人です。\n"
    turns, _ = split_turns(text, "m")
    assert [t.text for t in turns] == ["途中で終わる", "次の人です。"]


@pytest.mark.parametrize("end", ["。", "．", "！", "？", "」", "』", "）", "】"])
def test_sentence_punctuation_ends_a_paragraph(end):
    text = f"<岸>\n一つ目{end}\n二つ目。\n"
    turns, _ = split_turns(text, "m")
    assert len(turns[0].paragraphs) == 2


def test_paragraph_text_is_nfkc_and_trimmed():
    text = "<岸>\n\u3000ＡＢＣは１２３です！\u3000\n"
    turns, _ = split_turns(text, "m")
    assert turns[0].paragraphs[0].text == "ABCは123です!"


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_paragraph_offsets_point_into_source(newline):
    text = newline.join(["前置き。", "<岸>", "一つ目です。", "", "二つ目です。", "<後藤>今日は。"])
    turns, _ = split_turns(text, "m")
    spans = [text[p.start : p.end] for t in turns for p in t.paragraphs]
    assert spans == ["前置き。", "一つ目です。", "二つ目です。", "今日は。"]
    assert turns[1].start == text.index("一つ目")
    assert turns[1].end == text.index("二つ目です。") + len("二つ目です。")


# --- stage directions -----------------------------------------------------------------------


def test_inline_directions_are_removed_and_kept():
    text = "○議長（石川良一君）\u3000これより会議を開きます。〔拍手〕\n"
    turns, _ = split_turns(text, "m")
    assert turns[0].text == "これより会議を開きます。"
    assert turns[0].directions == ("〔拍手〕",)


def test_direction_only_line_leaves_no_paragraph():
    text = "<岸>\n発言です。\n〔拍手〕\n"
    turns, _ = split_turns(text, "m")
    assert [p.text for p in turns[0].paragraphs] == ["発言です。"]
    assert turns[0].directions == ("〔拍手〕",)


@pytest.mark.parametrize("rule", ["―――", "――――――――――――", "-----", "───", "\u3000―――\u3000"])
def test_rule_lines_are_removed_and_kept(rule):
    text = f"<岸>\n発言です。\n{rule}\n続きです。\n"
    turns, _ = split_turns(text, "m")
    assert [p.text for p in turns[0].paragraphs] == ["発言です。", "続きです。"]
    assert turns[0].directions == (rule.strip(),)


def test_directions_in_sample_file():
    turns, _ = split_turns((DATA / "angle_sample.txt").read_text(encoding="utf-8"), "m")
    kami = next(t for t in turns if t.speaker == "上久保")
    assert kami.text == "自治体ごとに規則が違うことが課題だ。"
    assert set(kami.directions) == {"〔拍手〕", "―――"}
    assert all("〔" not in t.text and "―――" not in t.text for t in turns)


# --- the bundled transcript -----------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    data = BUNDLED.read_bytes()
    text, encoding = decode(data, str(BUNDLED))
    turns, style = split_turns(text, BUNDLED.stem)
    return data, text, encoding, turns, style


def test_bundled_transcript_turns_and_speakers(bundled):
    _, _, encoding, turns, style = bundled
    assert encoding == "utf-8"
    assert style == "angle"
    assert len(speaking(turns)) == 39
    assert len({t.speaker for t in speaking(turns)}) == 22
    assert [t.turn for t in speaking(turns)] == list(range(1, 40))
    assert all(t.paragraphs for t in speaking(turns))


def test_bundled_transcript_markdown_heading_tags(bundled):
    _, text, _, turns, _ = bundled
    heading = text.index("#### <上久保>")
    after = min((t for t in speaking(turns) if t.start > heading), key=lambda t: t.start)
    assert after.speaker == "上久保"
    assert after.speaker_label == "上久保"
    assert sum(1 for t in turns if t.speaker == "上久保") == text.count("<上久保>")
    assert all("#" not in t.speaker_label for t in turns)


def test_bundled_transcript_title_in_turn_zero(bundled):
    _, _, _, turns, _ = bundled
    assert turns[0].turn == 0
    assert sum(1 for t in turns if t.turn == 0) == 1
    assert "中曽根平和研究所" in turns[0].text
    assert "スクリプト" in turns[0].text
    assert "中曽根平和研究所" not in "".join(t.text for t in speaking(turns))


def test_bundled_transcript_page_break_join(bundled):
    _, _, _, turns, _ = bundled
    paragraphs = [p.text for t in turns for p in t.paragraphs]
    assert any("自治体を超えるデータ流通" in p for p in paragraphs)
    assert not any(p.endswith("自治体を超え") for p in paragraphs)


def test_bundled_transcript_cp932_copy_gives_same_turns(bundled):
    _, text, _, turns, style = bundled
    cp932_text, encoding = decode(text.encode("cp932"), "copy.txt")
    assert encoding == "cp932"
    cp932_turns, cp932_style = split_turns(cp932_text, BUNDLED.stem)
    assert cp932_style == style
    assert cp932_turns == turns


# --- property: the parser parses or says why ------------------------------------------------

_FRAGMENTS = st.sampled_from(
    ["<岸>", "<B 研究委員>", "#### <上久保>", "○田野瀬委員長\u3000", "○議長（石川良一君）\u3000",
     "田中：", "〔拍手〕", "―――", "。", "\n", "\r\n", "\n\n", "\u3000", "<", ">", "○", "：",
     "自治体を超え", "ＡＢＣ", "ｶﾞ", "\u2028", "\x0c"]
)
_TEXT = st.lists(st.one_of(_FRAGMENTS, st.text(max_size=12)), max_size=30).map("".join)


@settings(max_examples=n_examples(2000), deadline=None)
@given(text=_TEXT, style=st.sampled_from(["auto", "angle", "angle_inline", "diet", "colon"]))
def test_split_turns_parses_or_says_why(text, style):
    try:
        turns, used = split_turns(text, "m", style=style)
    except PipelineError as exc:
        assert str(exc)
        return
    assert used in {"angle", "angle_inline", "diet", "colon"}
    assert any(t.turn > 0 for t in turns)
    assert [t.turn for t in speaking(turns)] == list(range(1, len(speaking(turns)) + 1))
    for turn in turns:
        for para in turn.paragraphs:
            assert 0 <= para.start <= para.end <= len(text)
            assert para.text


def _split_or_error(split, text, style, fold_old):
    try:
        return split(text, style, fold_old)
    except PipelineError as exc:
        return str(exc)


@settings(max_examples=n_examples(1000), deadline=None)
@given(text=_TEXT, style=st.sampled_from(["auto", "angle", "angle_inline", "diet", "colon"]),
       fold_old=st.booleans())
def test_turn_labels_are_split_turns_without_speech(text, style, fold_old):
    # The first pass of ingest reads labels alone: every turn, speaker, role and error as
    # split_turns has them.
    whole = _split_or_error(lambda *a: split_turns(a[0], "m", a[1], {"岸": "岸信夫"}, a[2])[0],
                            text, style, fold_old)
    labels = _split_or_error(lambda *a: turn_labels(a[0], "m", a[1], {"岸": "岸信夫"}, a[2]),
                             text, style, fold_old)
    if isinstance(whole, str):
        assert labels == whole
    else:
        assert labels == [replace(t, paragraphs=(), directions=()) for t in whole]


def test_plenary_reactions_in_round_brackets_are_directions():
    turns, _ = split_turns(
        "○議長（尾辻秀久君）　可決されました。（拍手）\n"
        "○山田君　賛成です。（「異議なし」と呼ぶ者あり）\n次に（注）です。\n", "m")
    assert [t.text for t in turns] == ["可決されました。", "賛成です。\n次に(注)です。"]
    assert turns[0].directions == ("（拍手）",)
    assert turns[1].directions == ("（「異議なし」と呼ぶ者あり）",)


@lru_cache(maxsize=1)
def _kyujipy():
    from kyujipy import KyujitaiConverter

    return KyujitaiConverter()


def _old_forms() -> str:
    converter = _kyujipy()
    words = "".join(converter.kakikae_decode_database)
    return "".join(converter.basic_converter.kyujitai_to_shinjitai_database) + words + "欠"


@settings(max_examples=n_examples(500), deadline=None)
@given(st.text(alphabet=st.sampled_from(_old_forms() + "労働委員会のはがデジタル"), max_size=40))
def test_fold_equals_kyujipy(text):
    assert fold(text) == _kyujipy().kyujitai_to_shinjitai(text)


def test_fold_examples():
    assert fold("勞働委員會で白堊の欠欠を") == "労働委員会で白亜の欠缺を"


LONG_LABEL = ("土屋オリンピック・パラリンピック準備局"
              "ラグビーワールドカップ準備担当部長国際大会準備担当部長兼務")


@pytest.mark.parametrize("tag", [f"<{LONG_LABEL}>", f"○{LONG_LABEL}　"])
def test_a_long_officials_label_is_still_a_tag(tag):
    chair = "<田中委員長>" if tag.startswith("<") else "○田中委員長　"
    sep = "\n" if tag.startswith("<") else ""
    text = f"{chair}{sep}ただいまから開会します。\n{tag}{sep}ご説明いたします。\n"
    turns = split_turns(text, "m")[0]
    assert [t.text for t in turns if t.turn] == ["ただいまから開会します。", "ご説明いたします。"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom_is_read_as_utf16(codec):
    text = "<岸>\n特区の話です。\n"
    data = text.encode(codec)
    if codec != "utf-16":
        data = ("\ufeff" + text).encode(codec)
    assert decode(data, "t.txt") == (text, "utf-16")


def test_utf16_without_a_bom_is_named_not_called_binary():
    with pytest.raises(PipelineError) as caught:
        decode("<岸>\n特区の話です。\n".encode("utf-16-le"), "t.txt")
    assert str(caught.value) == ("t.txt: looks like UTF-16 without a byte order mark; save it as "
                                 "UTF-8 (or as UTF-16 with a BOM)")
    assert decode("<岸>\n特区の話です。\n".encode("utf-16-le"), "t.txt", "utf-16")[1] == "utf-16"
