"""Utterance tables (.csv, .tsv, .jsonl): one row per turn, columns mapped in config."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from dataclasses import dataclass

from pipeline.errors import PipelineError
from pipeline.speakers import normalize_label, split_speaker
from pipeline.transcripts import Turn, fold, speech_body

TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl")
# A row's text may still open with its minutes tag: "○田野瀬委員長　これより…".
_LEADING_TAG = re.compile(r"^[○◯〇](?P<label>[^\s\u3000○]{1,40}?)[ \t\u3000]+")


@dataclass(frozen=True)
class Columns:
    """Which source column holds each field; speaker and text are required."""

    speaker: str = "speaker"
    text: str = "text"
    id: str = "id"
    meeting: str = "meeting"
    date: str = "date"
    role: str = "role"


def parse_rows(text: str, suffix: str, source: str) -> list[tuple[int, dict]]:
    """Rows of a decoded table with their line numbers (for error messages)."""
    if suffix == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PipelineError(f"{source}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise PipelineError(f"{source}:{number}: each line must be a JSON object")
            rows.append((number, row))
        return rows
    reader = csv.DictReader(io.StringIO(text, newline=""),
                            delimiter="\t" if suffix == ".tsv" else ",")
    try:
        # Line numbers count the header as line 1.
        return [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise PipelineError(f"{source}:{reader.line_num}: malformed table ({exc})") from None


def _value(row: dict, column: str) -> str:
    value = row.get(column)
    return "" if value is None else str(value)


def table_turns(
    rows: list[tuple[int, dict]],
    source: str,
    default_meeting: str,
    columns: Columns,
    exclude_rows: dict[str, list[str]],
    aliases: dict[str, str],
    fold_old: bool,
) -> tuple[list[Turn], Counter]:
    """Turns of an utterance table, numbered per meeting in row order; skipped rows counted."""
    if rows:
        present = set().union(*(r.keys() for _, r in rows))
        defaults = Columns()
        for field in ("speaker", "text", "id", "meeting", "date", "role"):
            name = getattr(columns, field)
            # Optional columns may be absent, unless the user named one that is not there.
            optional = field not in ("speaker", "text") and name == getattr(defaults, field)
            if name not in present and not optional:
                raise PipelineError(
                    f"{source}: no column {name!r} for the {field}; columns are "
                    f"{sorted(present)}; map one with ingest.columns.{field}")
    turns: list[Turn] = []
    skipped: Counter = Counter()
    numbers: Counter = Counter()
    for _, row in rows:
        if any(_value(row, col) in values for col, values in exclude_rows.items()):
            skipped["excluded_row"] += 1
            continue
        if not _value(row, columns.speaker).strip():
            skipped["no_speaker"] += 1
            continue
        meeting = _value(row, columns.meeting) or default_meeting
        text = _value(row, columns.text)
        tag = _LEADING_TAG.match(text)
        label = normalize_label(tag["label"]) if tag else ""
        body = text[tag.end():] if tag else text
        offset = tag.end() if tag else 0
        lines = []
        for line in body.split("\n"):
            lines.append((line, offset))
            offset += len(line) + 1
        paragraphs, directions = speech_body(lines, fold_old)
        written = _value(row, columns.speaker)
        speaker, role = split_speaker(fold(written) if fold_old else written, aliases)
        if label:
            role = split_speaker(fold(label) if fold_old else label, aliases)[1] or role
        role = _value(row, columns.role) or role
        numbers[meeting] += 1
        turns.append(Turn(
            meeting=meeting, turn=numbers[meeting],
            speaker_label=label or normalize_label(written),
            speaker=speaker, role=role, paragraphs=paragraphs, directions=directions,
            source_id=_value(row, columns.id), date=_value(row, columns.date),
        ))
    return turns, skipped
