"""A large table read meeting by meeting gives what reading it whole gives: the same rows,
documents, sums and errors; and it is read lazily, not held whole."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from pathlib import Path
from unittest.mock import patch

import pytest
from _fuzz import n_examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.common.compute import SerialExecutor
from pipeline.common.config import parse_config
from pipeline.common.errors import PipelineError
from pipeline.ingest import stream
from pipeline.ingest.core import IngestTally, doc_options, read_options
from pipeline.ingest.corpus import ingest_file
from pipeline.stages import ingest

CONFIG = parse_config({"ingest": {"input": "x"}})
OPTIONS, DOCS = read_options(CONFIG.ingest), doc_options(CONFIG.ingest)
SPEAKERS = ["山田委員長", "○鈴木一郎君", "鈴木委員", "佐藤花子君", "国務大臣（盛山正仁君）",
            "盛山国務大臣"]
TEXT = ["これより会議を開きます。", "質問いたします。\n二段落目です、はい。",
        "（拍手）お答えします。" * 30, "", '彼は"はい"と。']


def summed(results) -> tuple:
    """Everything the stage writes, from FileResults."""
    tally, rows, docs = IngestTally(), [], []
    for r in results:
        tally.add(r)
        rows += r.turn_rows
        docs += r.documents
    return rows, docs, tally.metrics(), tally.roster_rows()


def whole(path: Path) -> tuple | str:
    try:
        return summed([ingest_file(path, path.stem, OPTIONS, DOCS)])
    except PipelineError as exc:
        return str(exc)


def streamed(path: Path) -> tuple | str:
    try:
        with patch.object(stream, "STREAM_MIN_BYTES", 0):
            return summed(stream.ingest_results([path], path, OPTIONS, DOCS, SerialExecutor()))
    except PipelineError as exc:
        return str(exc)


def write(path: Path, rows: list[dict], terminator: str = "\n") -> Path:
    """rows as JSONL, or as CSV/TSV with the union of their keys as the header."""
    if path.suffix == ".jsonl":
        text = "".join(json.dumps(r, ensure_ascii=False) + terminator for r in rows)
    else:
        delimiter = "\t" if path.suffix == ".tsv" else ","
        columns = list(dict.fromkeys(k for r in rows for k in r))
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator=terminator)
        writer.writerow(columns)
        writer.writerows([[r.get(c, "") for c in columns] for r in rows])
        text = out.getvalue()
    path.write_text(text, encoding="utf-8", newline="")
    return path


def meetings(n: int, per: int, shuffle: bool = False) -> list[dict]:
    rows = [{"meeting": f"m{m:03d}", "speaker": SPEAKERS[(m + i) % len(SPEAKERS)],
             "text": TEXT[(m * 3 + i) % len(TEXT)], "id": f"{m}-{i}",
             "date": f"2024-0{1 + m % 9}-1{i % 9}", "group": "自民" if i % 3 else ""}
            for m in range(n) for i in range(per)]
    return rows[::2] + rows[1::2] if shuffle else rows


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(stream, "BATCH_CHARS", 300)  # several meetings per batch, not all


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".tsv"])
@pytest.mark.parametrize("shuffle", [False, True])
def test_many_meetings_streamed_as_read_whole(tmp_path, suffix, shuffle):
    path = write(tmp_path / f"diet{suffix}", meetings(40, 7, shuffle), "\r\n")
    reference = whole(path)
    assert isinstance(reference, tuple) and reference[2]["n_meetings"] == 40
    assert streamed(path) == reference
    parts = list(stream.tasks([path], path, OPTIONS, DOCS, 0))
    kinds = [type(t).__name__ for t in parts]
    assert kinds == (["FileTask"] if shuffle else ["RowsTask"] * (len(parts) - 1)
                     + ["TableEnd"])
    assert len(parts) > 5 or shuffle


def test_non_contiguous_meetings_are_read_whole(tmp_path, monkeypatch):
    path = write(tmp_path / "diet.jsonl", meetings(5, 4, shuffle=True))
    encoding = stream.detect_encoding(path, str(path))
    assert not stream.scan_table(path, encoding, "meeting", "diet").contiguous
    assert [type(t) for t in stream.tasks([path], path, OPTIONS, DOCS, 0)] == [stream.FileTask]
    path = write(tmp_path / "diet.jsonl", meetings(5, 4))
    assert stream.scan_table(path, encoding, "meeting", "diet").contiguous


@pytest.mark.parametrize(("suffix", "bad", "message"), [
    (".jsonl", '{"speaker": "岸", "text": [1]}', "diet.jsonl:{n}: field 'text' is a list"),
    (".jsonl", '{"speaker": "岸", "text": "a"', "diet.jsonl:{n}: not valid JSON"),
    (".csv", '岸,"はい"です', "diet.csv:{n}: the quoted field opened here is closed on line "
     "{n} with more text"),
    (".csv", '岸,"はい', "diet.csv:{n}: a quoted field opened here is never closed"),
    (".csv", "岸,はい,,,余り", "diet.csv:{n}: 5 fields but the header has"),
])
def test_an_error_in_the_last_row_is_the_error_of_reading_whole(tmp_path, suffix, bad, message):
    path = write(tmp_path / f"diet{suffix}", [
        {"speaker": r["speaker"], "text": r["text"].replace('"', "'")} for r in meetings(20, 7)])
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(bad + "\n")
    n = path.read_text(encoding="utf-8").count("\n")  # the last line's number
    assert message.format(n=n) in whole(path)
    assert streamed(path) == whole(path)


@pytest.mark.parametrize("text", [
    'meeting,speaker,text\nm1,岸,"はい"\nm1,岸,彼は"と\nm2,岸,また"と\n',  # the first stray
    # a quote that runs over rows
    'meeting,speaker,text\nm1,岸,"はい\nm1,岸,いいえ\nm2,岸,はい\nm2,岸,"ええ"\n',
    'meeting,speaker,text\r\nm1,岸,"一\r\n二"\r\nm2,"後藤","三"x\r\n',
    'meeting,speaker,"te\nxt"\nm1,岸,はい\n',
    'meeting,speaker,text\nm1,岸,はい\n\n\nm2,後藤,"a""b"\n',
])
def test_quotes_give_the_same_errors_and_rows(tmp_path, text):
    path = tmp_path / "diet.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert streamed(path) == whole(path)


def test_the_first_stray_quote_is_named(tmp_path):
    path = tmp_path / "diet.csv"
    path.write_text('meeting,speaker,text\nm1,岸,"はい"\nm1,岸,彼は"と\nm2,岸,また"と\n',
                    encoding="utf-8")
    assert streamed(path).startswith(f"{path}:3: a quote inside a field that is not in quotes")


def test_a_missing_column_names_the_columns_of_every_row(tmp_path):
    rows = [{"speaker": "岸", "talk": "はい。"}] * 3 + [{"speaker": "岸", "note": "x"}]
    path = write(tmp_path / "diet.jsonl", rows)
    assert streamed(path) == whole(path) == (
        f"{path}: no column 'text' for the text; columns are ['note', 'speaker', 'talk']; "
        "map one with ingest.columns.text")


# As in test_tables: characters that make tables go wrong.
CHARS = st.sampled_from(['"', '"', ",", "\t", "\n", "\r", "\r\n", "\x00", "\ufeff",
                         "\u2028", " ", "岸", "話", "。", "a", "\\ud800"])
FIELD = st.lists(CHARS, max_size=6).map("".join)
ROW = st.tuples(st.sampled_from(["m1", "m2", "m3", ""]), FIELD, FIELD)
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", n_examples(200))), deadline=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.lists(ROW, min_size=1, max_size=8), st.sampled_from([".csv", ".tsv", ".jsonl"]),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans(), st.booleans(), st.data())
def test_any_table_streams_as_it_reads_whole(tmp_path, monkeypatch, rows, suffix, terminator,
                                             bom, contiguous, data):
    """Broken or not: the same outputs, or the same one error."""
    monkeypatch.setattr(stream, "BATCH_CHARS", 0)  # a batch per meeting
    if contiguous:  # else mostly read whole
        rows = sorted(rows, key=lambda row: row[0])
    delimiter = "\t" if suffix == ".tsv" else ","
    if suffix == ".jsonl":
        text = "".join(json.dumps({"meeting": m, "speaker": s, "text": t}, ensure_ascii=False)
                       .replace("\\\\ud800", "\\ud800") + terminator for m, s, t in rows)
    else:  # written by hand, quoting or not at random: malformed tables too
        lines = [delimiter.join(["meeting", "speaker", "text"])]
        for fields in rows:
            quote = data.draw(st.lists(st.booleans(), min_size=3, max_size=3))
            lines.append(delimiter.join(f'"{f}"' if q else f for f, q in zip(fields, quote,
                                                                              strict=True)))
        text = terminator.join(lines) + terminator
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogatepass"))
    assert streamed(path) == whole(path)


def test_encodings_and_bad_bytes_give_the_same_errors(tmp_path):
    good = "speaker,text\n岸,はい。\n"
    cases = {"sjis.csv": good.encode("cp932"), "euc.csv": good.encode("euc-jp"),
             "u16.csv": good.encode("utf-16"),
             "bom2.csv": b"\xef\xbb\xbf" + good.encode("utf-8-sig"),
             "empty.csv": b" \n\n", "nul.csv": good.encode("utf-16-le"),
             "binary.csv": bytes(range(256)) * 4,
             "long.jsonl": b'{"text": "' + b"a" * 1_000_001,
             "odd.csv": (good + "\x01\x02\x03\x04").encode()}
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert streamed(path) == whole(path), name


class CountingFile(io.RawIOBase):
    """A binary file that counts the bytes read from it."""

    def __init__(self, path: Path) -> None:
        self.fh = open(path, "rb")  # noqa: SIM115 - closed with this object
        self.n_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.fh.readinto(buffer)
        self.n_read += n
        return n

    def close(self) -> None:
        self.fh.close()
        super().close()


def test_rows_are_read_lazily_a_meeting_at_a_time(tmp_path, monkeypatch):
    """The first meeting is handed on before the reader gets far past the next one's start."""
    first = [{"meeting": "a", "speaker": "岸", "text": "はい。"}] * 3
    later = [{"meeting": f"b{i}", "speaker": "岸", "text": "話" * 10_000} for i in range(200)]
    path = write(tmp_path / "diet.jsonl", first + later)
    files: list[CountingFile] = []

    def counting_open(file, encoding, newline):
        files.append(CountingFile(file))
        return io.TextIOWrapper(io.BufferedReader(files[-1]), encoding=encoding,
                                newline=newline)

    monkeypatch.setattr(stream, "open", counting_open, raising=False)
    batches = stream.meeting_batches(stream.iter_rows(path, "utf-8"), "meeting", "diet", 0)
    assert [row["meeting"] for _, row in next(batches)] == ["a"] * 3
    next_row_end = len("".join(json.dumps(r, ensure_ascii=False) + "\n"
                               for r in first + later[:1]).encode())
    # io buffers read ahead a little (8 KB each); the file is 6 MB.
    assert files[-1].n_read < next_row_end + 64 * 1024 < path.stat().st_size // 10


def test_an_error_in_the_last_row_leaves_no_outputs(tmp_path, monkeypatch):
    """A large table written in parts: a bad row at its end still leaves the outputs of the
    previous run as they were."""
    monkeypatch.setattr(stream, "STREAM_MIN_BYTES", 0)
    table = write(tmp_path / "diet.jsonl", meetings(30, 6))
    out = tmp_path / "out"
    out.mkdir()
    args = argparse.Namespace(input=str(table), turns=str(out / "turns.csv"),
                              documents=str(out / "documents.jsonl"),
                              roster=str(out / "roster.json"), metrics=str(out / "ingest.json"),
                              speakers_file=None, meetings_file=None,
                              meetings=str(out / "meetings.csv"))
    config = parse_config({"ingest": {"input": str(table)}})
    ingest.main(args, config)
    before = {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    assert json.loads(before["ingest.json"])["n_meetings"] == 30
    with open(table, "a", encoding="utf-8") as fh:
        fh.write('{"meeting": "z", "speaker": ["岸"], "text": "はい。"}\n')
    with pytest.raises(PipelineError, match=r"diet.jsonl:181: field 'speaker' is a list"):
        ingest.main(args, config)
    assert {p.name: p.read_bytes() for p in sorted(out.iterdir())} == before


def test_both_passes_decode_and_scan_a_large_table_once(tmp_path):
    # The first pass (speakers' names) and the second (results) share the table's plan.
    path = write(tmp_path / "minutes.jsonl", [
        {"meeting": f"m{i // 3}", "speaker": SPEAKERS[i % len(SPEAKERS)],
         "text": TEXT[i % len(TEXT)]} for i in range(12)])
    scans = []

    def scan_table(*args):
        scans.append(args[0])
        return original(*args)

    original = stream.scan_table
    with patch.object(stream, "scan_table", scan_table):
        assert streamed(path) == whole(path)
    assert scans == [path]
