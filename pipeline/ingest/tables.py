"""Utterance tables (.csv, .tsv, .jsonl): one row per turn, columns mapped in config."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field

from pipeline.common.errors import PipelineError
from pipeline.ingest.dates import normalize_date
from pipeline.ingest.speaker_labels import normalize_label, parse_label
from pipeline.ingest.transcripts import Paragraph, Turn, fold, speech_body

TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl")
# A row's text may still open with its minutes tag: "○田野瀬委員長　これより…".
# No length limit: an official's office can run past 40 characters.
_LEADING_TAG = re.compile(r"^[○◯〇](?P<label>[^\s\u3000○]+?)[ \t\u3000]+")


FIELDS = ("speaker", "text", "id", "meeting", "date", "role")


@dataclass(frozen=True)
class Columns:
    """Which source column holds each field; speaker and text are required."""

    speaker: str = "speaker"
    text: str = "text"
    id: str = "id"
    meeting: str = "meeting"
    date: str = "date"
    role: str = "role"
    # The meeting's title: these columns' values joined with a space (absent ones skipped).
    title: tuple[str, ...] = ("title",)
    # Speaker attributes carried to every table, (name, column); a column may be absent
    # unless the user named it.
    attributes: tuple[tuple[str, str], ...] = (("group", "group"), ("position", "position"))
    # Meeting attributes (committee, house), (name, column): one value per meeting.
    meeting_attributes: tuple[tuple[str, str], ...] = ()


def parse_rows(text: str, suffix: str, source: str) -> list[tuple[int, dict]]:
    """Rows of a decoded table with the line each starts on (for error messages)."""
    if suffix == ".jsonl":
        return _json_rows(text, source)
    delimiter = "\t" if suffix == ".tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = []
    start = 1  # the line a row starts on (the header is line 1)
    try:
        header = next(reader, [])
        check_quotes(text, delimiter, len(header), source)
        start = reader.line_num + 1
        for fields in reader:
            if fields:  # a blank line is no row
                rows.append((start, _row(header, fields, delimiter, f"{source}:{start}")))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PipelineError(f"{source}:{start}: malformed table ({exc})") from None
    return rows


def _row(header: list[str], fields: list[str], delimiter: str, where: str) -> dict:
    """A row as {column: value}; a missing field is None, and an extra field holding text is
    an error (it is the rest of a field that held an unquoted delimiter)."""
    if any(f.strip() for f in fields[len(header):]):
        name = "tab" if delimiter == "\t" else "comma"
        raise PipelineError(
            f"{where}: {len(fields)} fields but the header has {len(header)}, so part of a "
            f"text would be lost; put a field that holds a {name} in double quotes")
    return {column: fields[i] if i < len(fields) else None for i, column in enumerate(header)}


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_QUOTE_ADVICE = 'close the quote, or write a quote inside a quoted field as ""'


def check_quotes(text: str, delimiter: str, n_columns: int, source: str) -> None:
    """Stop at a quote that would swallow rows (exit 0, and other speakers' speech gone): a
    quoted field left open to the end of the file, one closed with more text after it, or
    one running over lines that look like rows of this table. Names the line it opened on.

    The CSV rules: a quote opens a field only at its start; inside, `""` is a quote. A
    quote inside an unquoted field is taken for text (as the csv module does) only in a
    table that quotes no field: where fields are quoted, it is a quote out of place, the
    mark of a quote that opened or closed the wrong field.
    """
    i = 0
    stray = -1  # the first quote inside an unquoted field
    quoted = False
    while (j := text.find('"', i)) >= 0:
        if j and text[j - 1] not in (delimiter, "\n", "\r"):
            stray = j if stray < 0 else stray
            i = j + 1
            continue
        quoted = True
        k = j + 1
        while (k := text.find('"', k)) >= 0 and text.startswith('""', k):
            k += 2
        if k < 0:
            raise PipelineError(
                f"{source}:{_line_of(text, j)}: a quoted field opened here is never closed, so "
                f"every row after it would be read as its text; {_QUOTE_ADVICE}")
        if text[k + 1 : k + 2] not in ("", delimiter, "\n", "\r"):
            raise PipelineError(
                f"{source}:{_line_of(text, j)}: the quoted field opened here is closed on line "
                f"{_line_of(text, k)} with more text after the closing quote; {_QUOTE_ADVICE}")
        lines = _LINE_BREAK.split(text[j + 1 : k])
        rows = [n for n, line in enumerate(lines[1:], start=1)
                if _looks_like_row(line, delimiter, n_columns)]
        if rows:
            raise PipelineError(
                f"{source}:{_line_of(text, j)}: the quoted field opened here runs over "
                f"{len(rows)} line{'s' if len(rows) > 1 else ''} that look like rows of the "
                "table (the first: "
                f"line {_line_of(text, j) + rows[0]}); {_QUOTE_ADVICE}")
        i = k + 1
    if quoted and stray >= 0:
        raise PipelineError(
            f"{source}:{_line_of(text, stray)}: a quote inside a field that is not in quotes, "
            "in a table that quotes its fields: a quote out of place; put that field in "
            'quotes and write each quote inside it as ""')


def _line_of(text: str, offset: int) -> int:
    """The line number of a character (from 1; CR LF, CR and LF end a line, as for csv)."""
    return len(_LINE_BREAK.findall(text, 0, offset)) + 1


def _looks_like_row(line: str, delimiter: str, n_columns: int) -> bool:
    """A line inside a quoted field that parses as a whole row of the table."""
    if n_columns < 2 or delimiter not in line:
        return False
    try:
        fields = next(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return len(fields) == n_columns and bool(fields[0].strip())


def _json_rows(text: str, source: str) -> list[tuple[int, dict]]:
    """Rows of JSON Lines. Lines end at LF only (U+2028 and the like are text inside a
    string); numbers keep their JSON text (a speaker 1.50 stays "1.50")."""
    rows = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            rows.append((number, json_row(line, f"{source}:{number}")))
    return rows


def json_row(line: str, where: str) -> dict:
    """One JSON Lines row: an object, numbers kept as their JSON text."""
    try:
        row = json.loads(line, parse_int=str, parse_float=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        raise PipelineError(f"{where}: not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise PipelineError(f"{where}: JSON nested too deeply") from None
    if not isinstance(row, dict):
        raise PipelineError(f"{where}: each line must be a JSON object")
    return row


_SURROGATE = re.compile("[\ud800-\udfff]")
_KINDS = {bool: "true or false", list: "a list", dict: "an object"}


def _value(row: dict, column: str, where: str) -> str:
    """A field's text ("" if absent or null). Anything but text (or a number, as its JSON
    text) is an error, never its Python repr."""
    value = row.get(column)
    if value is None:
        return ""
    if not isinstance(value, str):
        kind = _KINDS.get(type(value), type(value).__name__)
        raise PipelineError(f"{where}: field {column!r} is {kind}, not text; give it as a "
                            "string, or leave it out")
    surrogate = _SURROGATE.search(value)
    if surrogate:
        raise PipelineError(
            f"{where}: field {column!r} holds a lone surrogate (\\u{ord(surrogate[0]):04x}), "
            "which is not a character; fix the program that wrote the file")
    return value


@dataclass(frozen=True)
class TableRules:
    """How a table's rows become turns: its columns (ingest.columns), the rows left out
    (ingest.exclude_rows: column -> values), ingest.aliases, and old kanji folded or not."""

    columns: Columns = field(default_factory=Columns)
    exclude_rows: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    fold_old: bool = True
    # False: speakers and roles only, no speech (what stream.corpus_splits needs of a row).
    bodies: bool = True


def table_turns(rows: list[tuple[int, dict]], source: str, default_meeting: str,
                rules: TableRules) -> tuple[list[Turn], Counter]:
    """Turns of an utterance table, numbered per meeting in row order; skipped rows counted."""
    if rows:
        check_columns(set().union(*(r.keys() for _, r in rows)), source, rules.columns)
    return rows_to_turns(rows, source, default_meeting, rules)


def check_columns(present: set[str], source: str, columns: Columns) -> None:
    """A column the config names that no row has is an error naming the columns there are."""
    defaults = Columns()
    for role in FIELDS:
        name = getattr(columns, role)
        # Optional columns may be absent, unless the user named one that is not there.
        optional = role not in ("speaker", "text") and name == getattr(defaults, role)
        if name not in present and not optional:
            raise PipelineError(
                f"{source}: no column {name!r} for the {role}; columns are "
                f"{sorted(present)}; map one with ingest.columns.{role}")
    missing = [c for c in columns.title if c not in present]
    if missing and columns.title != defaults.title:
        raise PipelineError(
            f"{source}: no column {missing[0]!r} for ingest.columns.title; columns are "
            f"{sorted(present)}; name one of them or remove {missing[0]!r}")
    for name, column in columns.attributes:
        if column not in present and (name, column) not in defaults.attributes:
            raise PipelineError(
                f"{source}: no column {column!r} for ingest.columns.attributes.{name}; "
                f"columns are {sorted(present)}; name one of them or remove {name!r}")
    for name, column in columns.meeting_attributes:
        if column not in present:
            raise PipelineError(
                f"{source}: no column {column!r} for ingest.columns.meeting_attributes.{name}; "
                f"columns are {sorted(present)}; name one of them or remove {name!r}")


class MeetingValues:
    """Each meeting's attributes (ingest.columns.meeting_attributes) as its rows give them:
    two rows of one meeting with two values is an error naming both lines (a column that
    changes within a meeting is a speaker's attribute, not the meeting's)."""

    def __init__(self, columns: tuple[tuple[str, str], ...]) -> None:
        self.columns = columns
        self.seen: dict[tuple[str, str], tuple[str, str]] = {}  # (meeting, name) -> value, line

    def read(self, row: dict, meeting: str, where: str) -> tuple[tuple[str, str], ...]:
        """The row's (name, value) pairs, each checked against the meeting's earlier rows."""
        values = []
        for name, column in self.columns:
            value = " ".join(_value(row, column, where).split())
            if not value:
                continue
            first, line = self.seen.setdefault((meeting, name), (value, where))
            if first != value:
                raise PipelineError(
                    f"{where}: meeting {meeting!r} has {name} {value!r} here but {first!r} "
                    f"on {line}; a meeting attribute (ingest.columns.meeting_attributes.{name})"
                    " must be the same on every row of a meeting: fix the rows, or map the "
                    "column as a speaker attribute (ingest.columns.attributes)")
            values.append((name, value))
        return tuple(values)


def _row_speech(text: str, fold_old: bool, bodies: bool
                ) -> tuple[str, tuple[Paragraph, ...], tuple[str, ...]]:
    """A row's text: the label of a tag that opens it (<田中>…), and its paragraphs and
    directions (none without `bodies`)."""
    tag = _LEADING_TAG.match(text)
    label = normalize_label(tag["label"]) if tag else ""
    if not bodies:
        return label, (), ()
    body = text[tag.end():] if tag else text
    offset = tag.end() if tag else 0
    lines = []
    for line in body.split("\n"):
        lines.append((line, offset))
        offset += len(line) + 1
    return label, *speech_body(lines, fold_old)


def rows_to_turns(rows: list[tuple[int, dict]], source: str, default_meeting: str,
                  rules: TableRules) -> tuple[list[Turn], Counter]:
    """Turns of rows whose columns were checked (whole meetings: numbering starts at 1)."""
    columns, exclude_rows, aliases, fold_old = (rules.columns, rules.exclude_rows,
                                                rules.aliases, rules.fold_old)
    turns: list[Turn] = []
    skipped: Counter = Counter()
    numbers: Counter = Counter()
    meeting_values = MeetingValues(columns.meeting_attributes)
    for number, row in rows:
        where = f"{source}:{number}"
        if any(_value(row, col, where) in values for col, values in exclude_rows.items()):
            skipped["excluded_row"] += 1
            continue
        # Every field is checked, also in a row skipped below: a list is never text.
        value = {f: _value(row, getattr(columns, f), where) for f in FIELDS}
        if not value["speaker"].strip():
            skipped["no_speaker"] += 1
            continue
        meeting = value["meeting"] or default_meeting
        label, paragraphs, directions = _row_speech(value["text"], fold_old, rules.bodies)
        written = value["speaker"]
        alias = tuple(sorted(aliases.items()))
        parsed = parse_label(fold(written) if fold_old else written, alias)
        role = parsed.role
        if label:
            role = parse_label(fold(label) if fold_old else label, alias).role or role
        role = value["role"] or role
        attributes = {name: v for name, column in columns.attributes
                      if (v := normalize_label(_value(row, column, where)))}
        if parsed.affiliation:
            attributes.setdefault("group", parsed.affiliation)
        title = " ".join(v for c in columns.title
                         if (v := " ".join(_value(row, c, where).split())))
        numbers[meeting] += 1
        turns.append(Turn(
            meeting=meeting, turn=numbers[meeting],
            speaker_label=label or normalize_label(written),
            speaker=parsed.speaker, role=role, paragraphs=paragraphs, directions=directions,
            # A date that reads as none is kept as written (never dropped).
            source_id=value["id"], date=normalize_date(value["date"]) or value["date"].strip(),
            attributes=tuple(sorted(attributes.items())), resolved=parsed.resolved,
            title=title, meeting_attributes=meeting_values.read(row, meeting, where),
        ))
    return turns, skipped
