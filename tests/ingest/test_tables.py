"""Utterance tables: a quote cannot swallow the rows after it, JSON Lines are read as JSON,
and no input, however broken, gives a traceback or changes the number of rows unsaid."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
from _fuzz import n_examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.common.errors import PipelineError
from pipeline.ingest.corpus import ReadOptions, read_file
from pipeline.ingest.tables import (
    Columns,
    TableRules,
    parse_rows,
    rows_to_turns,
    table_turns,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tables")


def read(folder: Path, data: bytes, suffix: str) -> tuple[int, int] | str:
    """(turns, rows skipped and counted) of a table file as ingest reads it, or the error."""
    path = folder / f"talk{suffix}"
    path.write_bytes(data)
    try:
        turns, _, skipped = read_file(path, "talk", ReadOptions())
    except PipelineError as exc:
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message, message
        return message.replace(f"{folder}/", "")
    return len(turns), sum(skipped.values())


def table(rows: list[tuple[str, str]], suffix: str, terminator: str = "\n",
          bom: bool = False) -> bytes:
    """A well-formed table: a field holding a quote, the separator or a line break of any
    kind is quoted (the csv module leaves a bare CR unquoted when rows end in LF)."""
    delimiter = "\t" if suffix == ".tsv" else ","

    def cell(field: str) -> str:
        if any(ch in field for ch in f'"\r\n{delimiter}'):
            return '"' + field.replace('"', '""') + '"'
        return field

    lines = [delimiter.join(map(cell, row)) for row in [("speaker", "text"), *rows]]
    text = terminator.join(lines) + terminator
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_a_quoted_field_may_span_lines(folder, suffix):
    data = table([("岸", "一行目。\n二行目の\n「引用」も。"), ("後藤", '彼は"はい"と。')], suffix)
    assert read(folder, data, suffix) == (2, 0)


def test_a_comma_in_a_quoted_text_is_not_a_row(folder):
    assert read(folder, 'speaker,text\n岸,"はい, そうです。"\n'.encode(), ".csv") == (1, 0)


def test_trailing_empty_fields_are_no_loss(folder):
    assert read(folder, "speaker,text\n岸,はい。,,\n".encode(), ".csv") == (1, 0)


def test_json_lines_split_on_line_feeds_only(folder):
    text = "".join(json.dumps({"speaker": s, "text": f"{s}の話\u2028続き\x85。"},
                              ensure_ascii=False) + "\r\n" for s in ("岸", "後藤"))
    assert read(folder, text.encode(), ".jsonl") == (2, 0)


@pytest.mark.parametrize(("value", "kind"), [("true", "true or false"), ("[1]", "a list"),
                                             ('{"a": "b"}', "an object")])
def test_json_values_that_are_not_text(folder, value, kind):
    data = f'{{"speaker": {value}, "text": "はい。"}}\n'.encode()
    assert read(folder, data, ".jsonl") == (
        f"talk.jsonl:1: field 'speaker' is {kind}, not text; give it as a string, or leave it out")


def test_json_numbers_keep_their_text():
    rows = parse_rows('{"speaker": 1, "text": "a"}\n{"speaker": 1.50, "text": "b"}\n',
                      ".jsonl", "t.jsonl")
    turns, _ = table_turns(rows, "t.jsonl", "t", TableRules(Columns(), {}, {}, True))
    assert [t.speaker for t in turns] == ["1", "1.50"]


# Characters that make tables go wrong: quotes, both separators, line ends of every kind,
# NUL, a byte order mark, Unicode line separators, and a little Japanese.
CHARS = st.sampled_from(['"', '"', ",", "\t", "\n", "\r", "\r\n", "\x00", "\ufeff",
                         "\u2028", " ", "岸", "話", "。", "a", "=", "'", "{", "}", ":"])
FIELD = st.lists(CHARS, max_size=8).map("".join)
ROWS = st.lists(st.tuples(FIELD, FIELD), min_size=1, max_size=6)
# FUZZ_EXAMPLES=5000 pytest tests/ingest/test_tables.py searches longer.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", n_examples(300))), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(ROWS, st.sampled_from([".csv", ".tsv"]), st.sampled_from(["\n", "\r\n", "\r"]),
       st.booleans())
def test_a_well_formed_table_keeps_every_row(folder, rows, suffix, terminator, bom):
    result = read(folder, table(rows, suffix, terminator, bom), suffix)
    assert isinstance(result, str) or sum(result) == len(rows)


@FUZZ
@given(ROWS, st.sampled_from([".csv", ".tsv"]), st.data())
def test_a_stray_quote_is_an_error_or_harmless(folder, rows, suffix, data):
    text = table(rows, suffix).decode("utf-8")
    delimiter = "\t" if suffix == ".tsv" else ","
    starts = [0] + [i + 1 for i, ch in enumerate(text[:-1]) if ch in (delimiter, "\n")]
    at = data.draw(st.sampled_from(starts))
    result = read(folder, (text[:at] + '"' + text[at:]).encode("utf-8"), suffix)
    assert isinstance(result, str) or sum(result) == len(rows)


VALUES = FIELD | st.integers() | st.floats(allow_nan=False) | st.booleans() | st.none() \
    | st.lists(FIELD, max_size=2) | st.dictionaries(FIELD, FIELD, max_size=2)


@FUZZ
@given(st.lists(st.tuples(VALUES, VALUES), min_size=1, max_size=6),
       st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans())
def test_json_lines_keep_every_row_or_say_why(folder, rows, terminator, ascii_only, bom):
    text = "".join(json.dumps({"speaker": s, "text": t}, ensure_ascii=ascii_only) + terminator
                   for s, t in rows)
    result = read(folder, (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"), ".jsonl")
    not_text = any(isinstance(v, bool | list | dict) for row in rows for v in row)
    if not_text:  # never read as a Python repr
        assert isinstance(result, str)
    assert isinstance(result, str) or sum(result) == len(rows)


@FUZZ
@given(st.lists(st.tuples(VALUES, VALUES, st.sampled_from(["", "<田中委員>", "<岸>　"])),
                min_size=1, max_size=6), st.booleans())
def test_rows_read_without_speech_keep_every_speaker_and_error(rows, fold_old):
    # The first pass of ingest reads rows without speech (TableRules.bodies): the same turns
    # but for paragraphs and directions, and the same errors.
    records = [(n + 1, {"speaker": s, "text": f"{tag}{t}" if isinstance(t, str) else t})
               for n, (s, t, tag) in enumerate(rows)]

    def turns(bodies: bool):
        try:
            return rows_to_turns(records, "t.jsonl", "t",
                                 TableRules(Columns(), {}, {}, fold_old, bodies))[0]
        except PipelineError as exc:
            return str(exc)

    whole = turns(True)
    assert turns(False) == (whole if isinstance(whole, str) else
                            [replace(t, paragraphs=(), directions=()) for t in whole])


@FUZZ
@given(st.lists(CHARS, max_size=60).map("".join), st.sampled_from([".csv", ".tsv", ".jsonl"]))
def test_any_table_reads_or_says_why_in_one_line(folder, body, suffix):
    header = {".csv": "speaker,text\n", ".tsv": "speaker\ttext\n", ".jsonl": ""}[suffix]
    read(folder, (header + body).encode("utf-8"), suffix)


def test_speaker_attributes_and_dates_come_from_named_columns(tmp_path):
    from pipeline.ingest.core import read_corpus

    path = tmp_path / "talk.jsonl"
    path.write_text(
        '{"speaker": "岸", "text": "話す。", "speakerGroup": "自由民主党",'
        ' "date": "令和5年11月8日"}\n'
        '{"speaker": "林", "text": "話す。", "speakerGroup": null, "date": "2023/11/9"}\n',
        encoding="utf-8")
    columns = Columns(attributes=(("group", "speakerGroup"),))
    documents = read_corpus(path, ReadOptions(columns=columns)).documents
    assert [(d["attributes"], d["date"]) for d in documents] == [
        ({"group": "自由民主党"}, "2023-11-08"), ({}, "2023-11-09")]
    with pytest.raises(PipelineError, match=r"no column 'faction' for "
                       r"ingest\.columns\.attributes\.group"):
        read_corpus(path, ReadOptions(columns=Columns(attributes=(("group", "faction"),))))
