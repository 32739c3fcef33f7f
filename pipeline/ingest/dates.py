"""Meeting dates as ISO `YYYY-MM-DD`: from a table's date column, a file name
(`2021-02-02`, `20210202`) or the minutes' own header (`令和二年二月十九日`, `平成…`, `昭和…`,
`2021年2月2日`, `2021.2.2`)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# The first year of each era, so that era year N is FIRST + N - 1.
ERAS = {"令和": 2019, "平成": 1989, "昭和": 1926, "大正": 1912, "明治": 1868}
_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                 "七": 7, "八": 8, "九": 9}
_NUM = r"[0-9〇零一二三四五六七八九十百]+"
_ERA_DATE = re.compile(rf"({'|'.join(ERAS)})\s*(元|{_NUM})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*日")
_YMD_KANJI = re.compile(r"(?<!\d)(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YMD_SEP = re.compile(r"(?<![\d.])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d])")
_YMD_NAME = re.compile(r"(?<![\d])(\d{4})([-_.])(\d{1,2})\2(\d{1,2})(?![\d])")
_YMD_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
HEADER_CHARS = 2000  # a header's date is on its first lines; a speech's dates come later


def kanji_number(text: str) -> int:
    """二十三 -> 23, 三十 -> 30, 十 -> 10, 二〇二一 -> 2021, 12 -> 12."""
    if text.isdigit():
        return int(text)
    if "十" not in text and "百" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _KANJI_DIGITS[ch]
        return value
    total, digit = 0, 0
    for ch in text:
        if ch in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[ch]
        else:
            total += (digit or 1) * (100 if ch == "百" else 10)
            digit = 0
    return total + digit


def _iso(year: int, month: int, day: int) -> str:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return ""


def find_date(text: str) -> str:
    """The first date written in `text` (ISO), or "" if none."""
    text = unicodedata.normalize("NFKC", text)
    found: list[tuple[int, str]] = []
    for match in _ERA_DATE.finditer(text):
        year = 1 if match[2] == "元" else kanji_number(match[2])
        iso = _iso(ERAS[match[1]] + year - 1, kanji_number(match[3]), kanji_number(match[4]))
        if iso:
            found.append((match.start(), iso))
            break
    for pattern, groups in ((_YMD_KANJI, (1, 2, 3)), (_YMD_SEP, (1, 3, 4)),
                            (_YMD_COMPACT, (1, 2, 3))):
        for match in pattern.finditer(text):
            iso = _iso(*(int(match[g]) for g in groups))
            if iso:
                found.append((match.start(), iso))
                break
    return min(found)[1] if found else ""


def normalize_date(value: str) -> str:
    """A date column's value as ISO, or "" if it holds no date."""
    return find_date(value) if value.strip() else ""


def date_from_name(name: str) -> str:
    """A date in a file name (`…_2021-02-02.txt`, `20210202_本会議.txt`), or ""."""
    for pattern, groups in ((_YMD_NAME, (1, 3, 4)), (_YMD_COMPACT, (1, 2, 3))):
        for match in pattern.finditer(name):
            iso = _iso(*(int(match[g]) for g in groups))
            if iso:
                return iso
    return ""


def date_from_header(text: str) -> str:
    """The date in the first lines of a transcript (its header), or ""."""
    return find_date(text[:HEADER_CHARS])
