"""Tests for pipeline/ingest/dates.py: dates from columns, file names and headers."""

from __future__ import annotations

import pytest

from pipeline.ingest.dates import date_from_header, date_from_name, kanji_number, normalize_date


@pytest.mark.parametrize(("text", "expected"), [
    ("令和二年二月十九日", "2020-02-19"),
    ("令和元年五月一日（水曜日）", "2019-05-01"),
    ("平成三十一年四月三十日", "2019-04-30"),
    ("昭和二十二年七月二十八日（月曜日）", "1947-07-28"),
    ("令和6年7月30日", "2024-07-30"),
    ("2021年2月2日", "2021-02-02"),
    ("２０２１年２月２日", "2021-02-02"),
    ("2024-07-30", "2024-07-30"),
    ("2024/7/30", "2024-07-30"),
    ("20240730", "2024-07-30"),
    ("2020年度拡大研究会（2021.2.2開催）", "2021-02-02"),  # 年度 is no date
    ("令和二年二月三十日", ""),  # no such day
    ("日付なし", ""),
    ("", ""),
])
def test_normalize_date(text, expected):
    assert normalize_date(text) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("nakasone_digital_economy_2021-02-02", "2021-02-02"),
    ("20210202_本会議", "2021-02-02"),
    ("会議_2021_02_02", "2021-02-02"),
    ("121303815X01320240730", ""),  # an NDL issue id: digits run on, no date of its own
    ("minutes", ""),
])
def test_date_from_name(name, expected):
    assert date_from_name(name) == expected


def test_header_date_is_the_first_one_in_the_header_only():
    header = "第213回国会\n令和六年七月三十日（火曜日）\n○議長　平成元年一月八日の話"
    assert date_from_header(header) == "2024-07-30"
    assert date_from_header("x" * 5000 + "令和六年七月三十日") == ""


@pytest.mark.parametrize(("text", "value"), [
    ("十", 10), ("二十三", 23), ("三十一", 31), ("百", 100), ("二〇二一", 2021), ("12", 12)])
def test_kanji_number(text, value):
    assert kanji_number(text) == value
