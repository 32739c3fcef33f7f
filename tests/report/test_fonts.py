"""Tests for pipeline/report/fonts.py: the report's embedded font subset."""

from __future__ import annotations

import base64
import io
import re

from fontTools.ttLib import TTFont

from pipeline.report.fonts import font_face_css, missing_glyphs, page_characters, subset_font


def _cmap(data: bytes) -> set[str]:
    return {chr(c) for c in TTFont(io.BytesIO(data)).getBestCmap()}


def test_subset_holds_the_text_and_little_else():
    data = subset_font("会議トピック分析 2021")
    chars = _cmap(data)
    assert set("会議トピック分析2021") <= chars
    assert "猫" not in chars and "A" not in chars
    assert len(data) < 200_000  # the whole IPAexGothic is about 4 MB


def test_subset_is_byte_identical_on_rerun_and_keeps_the_licence_names():
    assert subset_font("特区") == subset_font("区特特")
    names = TTFont(io.BytesIO(subset_font("特区")))["name"]
    assert names.getDebugName(1)  # the family name, which the IPA licence asks to keep


def test_font_face_css_embeds_the_subset():
    css = font_face_css("特区", family="X")
    match = re.fullmatch(r"@font-face \{ font-family: 'X'; src: url\(data:font/woff;base64,"
                         r"([A-Za-z0-9+/=]+)\) format\('woff'\); \}", css)
    assert match is not None
    data = base64.b64decode(match.group(1))
    assert data[:4] == b"wOFF" and data == subset_font("特区", flavor="woff")
    assert _cmap(data) == _cmap(subset_font("特区"))


def test_page_characters_reach_into_data_a_control_reveals_later():
    data = {"relevance": {"topics": [{"terms": ["イノベーション"], "phi": [0.5]}]},
            "corpus": {"docs": [[0, 1, 2, "猫舌の話"]]}, "ラベル": None}
    chars = set(page_characters(data, ["<p>検索</p>"]))
    assert set("イノベーション猫舌の話検索ラベル") <= chars
    assert set("あア。、ＡA1") <= chars  # what a reader may type into the search box
    assert "鰻" not in chars


def test_page_characters_spell_numbers_and_flags_as_shown():
    # Lists of ints are read in bulk; a bool is not an int there (True shows as "True").
    data = {"p": [[12, 345], [7, 8]], "b": [True, 9], "f": 0.25}
    assert set(page_characters(data, typed=False)) == set("p1234578bTrue9f0.25")


def test_missing_glyphs_names_what_the_font_lacks():
    assert missing_glyphs("特区 と話") == []
    assert missing_glyphs("特区\U0001F600") == ["\U0001F600"]
