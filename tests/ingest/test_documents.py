"""Tests for pipeline/ingest/documents.py: turns -> the documents a topic model sees."""

from __future__ import annotations

import pytest
from _project import DATA

from pipeline.ingest.documents import DocOptions, make_documents, split_sentences
from pipeline.ingest.transcripts import Paragraph, split_turns

TEXT = (
    "前置きの文です。\n"
    "<岸>\n"
    "一つ目の文です。二つ目の文です！三つ目？四つ目。\n"
    "五つ目の段落。\n"
    "<岩田>\n"
    "議長です。\n"
    "<後藤>\n"
    "短い答えです。\n"
)


@pytest.fixture(scope="module")
def turns():
    return split_turns(TEXT, "m")[0]


def keyed(docs):
    return [(d.speaker, d.turn, d.part, d.text) for d in docs]


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        (
            "turn",
            [
                ("岸", 1, 1, "一つ目の文です。二つ目の文です!三つ目?四つ目。\n五つ目の段落。"),
                ("岩田", 2, 1, "議長です。"),
                ("後藤", 3, 1, "短い答えです。"),
            ],
        ),
        (
            "paragraph",
            [
                ("岸", 1, 1, "一つ目の文です。二つ目の文です!三つ目?四つ目。"),
                ("岸", 1, 2, "五つ目の段落。"),
                ("岩田", 2, 1, "議長です。"),
                ("後藤", 3, 1, "短い答えです。"),
            ],
        ),
        (
            "sentences",
            [
                ("岸", 1, 1, "一つ目の文です。二つ目の文です!"),
                ("岸", 1, 2, "三つ目?四つ目。"),
                ("岸", 1, 3, "五つ目の段落。"),
                ("岩田", 2, 1, "議長です。"),
                ("後藤", 3, 1, "短い答えです。"),
            ],
        ),
    ],
)
def test_units(turns, unit, expected):
    docs = make_documents(turns, DocOptions(unit=unit, sentences_per_doc=2))
    assert keyed(docs) == expected


@pytest.mark.parametrize("size", [1, 2, 3, 10])
def test_sentence_windows_keep_all_sentences(turns, size):
    docs = make_documents(turns, DocOptions(unit="sentences", sentences_per_doc=size))
    kishi = [d for d in docs if d.speaker == "岸"]
    assert len(kishi) == -(-5 // size)  # five sentences, ceil(5 / size) windows
    assert "".join(d.text for d in kishi) == (
        "一つ目の文です。二つ目の文です!三つ目?四つ目。五つ目の段落。"
    )


@pytest.mark.parametrize("unit", ["turn", "paragraph", "sentences"])
def test_turn_zero_is_not_a_document(turns, unit):
    assert turns[0].turn == 0
    docs = make_documents(turns, DocOptions(unit=unit))
    assert all(d.turn > 0 for d in docs)
    assert not any("前置き" in d.text for d in docs)


@pytest.mark.parametrize("unit", ["turn", "paragraph", "sentences"])
def test_excluded_speakers_are_not_documents(turns, unit):
    docs = make_documents(turns, DocOptions(unit=unit, exclude_speakers=frozenset({"岩田"})))
    assert {d.speaker for d in docs} == {"岸", "後藤"}
    everyone = make_documents(turns, DocOptions(unit=unit))
    assert {d.speaker for d in everyone} == {"岸", "岩田", "後藤"}


@pytest.mark.parametrize("unit", ["turn", "paragraph"])
@pytest.mark.parametrize("max_chars", [7, 12, 30, 100])
def test_long_text_split_at_sentence_ends_under_max_chars(unit, max_chars):
    sentences = ["これは文です。", "次の文です。", "長めの三つ目の文です。", "終わり。"] * 6
    text = "<後藤>\n" + "".join(sentences) + "\n"
    turns, _ = split_turns(text, "m")
    docs = make_documents(turns, DocOptions(unit=unit, max_chars=max_chars))
    assert len(docs) > 1
    assert "".join(d.text for d in docs) == "".join(sentences)
    for doc in docs:
        assert len(doc.text) <= max_chars
        # Cut mid-sentence only when one sentence alone is longer than the limit.
        longest = max(len(s) for s in sentences)
        assert doc.text.endswith("。") or longest > max_chars
    assert [d.part for d in docs] == list(range(1, len(docs) + 1))
    assert len({d.doc_id for d in docs}) == len(docs)


def test_short_text_is_not_split():
    turns, _ = split_turns("<後藤>\n一文目。二文目。\n", "m")
    docs = make_documents(turns, DocOptions(unit="turn", max_chars=100))
    assert keyed(docs) == [("後藤", 1, 1, "一文目。二文目。")]


@pytest.mark.parametrize("unit", ["turn", "paragraph", "sentences"])
def test_documents_keep_their_source(unit):
    name = "angle_sample.txt"
    text = (DATA / name).read_text(encoding="utf-8")
    turns, _ = split_turns(text, "angle_sample")
    docs = make_documents(turns, DocOptions(unit=unit, sentences_per_doc=1, max_chars=100))
    assert docs
    by_turn = {t.turn: t for t in turns}
    for doc in docs:
        turn = by_turn[doc.turn]
        assert doc.meeting == "angle_sample"
        assert doc.speaker == turn.speaker
        assert doc.role == turn.role
        assert doc.doc_id == f"angle_sample#{doc.turn}.{doc.part}"
        assert 0 <= doc.start <= doc.end <= len(text)
        assert turn.start <= doc.start and doc.end <= turn.end
        record = doc.to_record()
        assert set(record) == {
            "doc_id", "meeting", "speaker", "role", "turn", "part", "start", "end", "text",
            "source_id", "weight", "date", "attributes",
        }


def test_documents_offsets_point_at_source_text():
    text = "<岸>\n一つ目の文です。二つ目の文です。\n三つ目の段落です。\n"
    turns, _ = split_turns(text, "m")
    docs = make_documents(turns, DocOptions(unit="sentences", sentences_per_doc=1))
    assert [text[d.start : d.end] for d in docs] == [d.text for d in docs]


def test_split_sentences_spans():
    para = Paragraph("一つ目。「はい。」と言った。終わり", 10, 27)
    pieces = split_sentences(para)
    assert [p.text for p in pieces] == ["一つ目。", "「はい。」", "と言った。", "終わり"]
    assert pieces[0].start == 10
    assert pieces[-1].end == 27
    assert all(a.end == b.start for a, b in zip(pieces, pieces[1:], strict=False))


def test_make_documents_does_not_mutate_turns(turns):
    before = list(turns)
    make_documents(turns, DocOptions(unit="sentences", exclude_speakers=frozenset({"岸"})))
    assert turns == before


def test_no_turns_no_documents():
    assert make_documents([], DocOptions(unit="paragraph")) == []


def test_speaker_weights_reach_documents():
    turns, _ = split_turns("<岩田>\n開会します。\n<岸>\n特区の話です。\n", "m")
    docs = make_documents(turns, DocOptions(unit="turn", speaker_weights=(("岩田", 0.3),)))
    assert {d.speaker: d.weight for d in docs} == {"岩田": 0.3, "岸": 1.0}


def test_short_paragraphs_of_a_turn_are_merged_up_to_min_chars():
    from pipeline.ingest.documents import merge_short

    pieces = [Paragraph("あ" * n, i * 100, i * 100 + n) for i, n in enumerate((30, 40, 50, 60))]
    merged = merge_short(pieces, 60)
    assert [len(p.text) for p in merged] == [70, 110]
    assert (merged[0].start, merged[-1].end) == (0, 360)
    tail = merge_short(pieces[:3] + [Paragraph("い" * 5, 400, 405)], 60)
    assert [len(p.text) for p in tail] == [125]  # a short last piece joins the one before
    assert merge_short(pieces, 0) == pieces
    assert "".join(p.text for p in merge_short(pieces, 1000)) == "".join(p.text for p in pieces)


def test_min_chars_merges_only_within_a_turn(turns):
    docs = make_documents(turns, DocOptions(unit="paragraph", min_chars=1000))
    assert [(d.speaker, d.turn) for d in docs] == [("岸", 1), ("岩田", 2), ("後藤", 3)]
    assert docs[0].text.endswith("四つ目。五つ目の段落。")


def test_procedural_roles_are_left_out_or_weighted():
    turns = split_turns("○山田委員長　これより会議を開きます。\n○鈴木委員　拉致問題を伺います。\n"
                        "○佐藤副議長　報告いたします。\n", "m")[0]
    roles = ("議長", "委員長")
    left_out = make_documents(turns, DocOptions(unit="turn", procedural_roles=roles))
    assert [d.speaker for d in left_out] == ["鈴木"]
    weighted = make_documents(turns, DocOptions(unit="turn", procedural_roles=roles,
                                                procedural_weight=0.25))
    assert [(d.speaker, d.weight) for d in weighted] == [("山田", 0.25), ("鈴木", 1.0),
                                                         ("佐藤", 0.25)]
    assert len(make_documents(turns, DocOptions(unit="turn"))) == 3


def test_a_chair_tagged_by_role_alone_is_left_out():
    text = "<委員長>\nただいまから開会します。\n<田中>\n拉致問題を伺います。\n"
    turns = split_turns(text, "m")[0]
    docs = make_documents(turns, DocOptions(unit="turn", procedural_roles=("委員長",)))
    assert [d.speaker for d in docs] == ["田中"]


def test_a_chairs_bill_explanation_is_the_chairs_document_but_procedure_is_not(tmp_path):
    from pipeline.common.config import IngestConfig
    from pipeline.ingest.core import doc_options
    from pipeline.ingest.corpus import ReadOptions, ingest_file
    from pipeline.tokenize.procedure import procedure_lexicon

    options = doc_options(IngestConfig(input="x"), procedure_lexicon())
    result = ingest_file(DATA / "chair_speech.txt", "m", ReadOptions(), options)
    chair = [d for d in result.documents if d["speaker"] == "谷"]
    # Turn 2 is 1,184 characters: 本起草案の趣旨及び主な内容につきまして御説明申し上げます ...
    assert {d["turn"] for d in chair} == {2} and all(d["weight"] == 1.0 for d in chair)
    assert any("千五百万円" in d["text"] for d in chair)
    assert result.n_chair_speeches == 1
    assert result.not_modelled["procedural_role"] == 2  # opening and calling the speakers
    # Without the lexicon (or at 0) every chair turn stays out, as before.
    plain = ingest_file(DATA / "chair_speech.txt", "m", ReadOptions(),
                        doc_options(IngestConfig(input="x")))
    assert "谷" not in {d["speaker"] for d in plain.documents}


@pytest.mark.parametrize(("text", "min_chars", "speech"), [
    ("本案は、補償金を支給する制度を新設するものであります。" * 12, 300, True),
    ("本案は、補償金を支給する制度を新設するものであります。" * 12, 0, False),
    ("本案は、補償金を支給する制度を新設するものであります。" * 2, 300, False),
    ("御異議ありませんか。御異議なしと認めます。よって、そのとおり決しました。" * 8, 300, False),
])
def test_chair_speech_rule(text, min_chars, speech):
    from pipeline.ingest.documents import is_chair_speech
    from pipeline.tokenize.procedure import procedure_lexicon

    assert is_chair_speech(text, min_chars, procedure_lexicon()) is speech
