"""Small hand-made CSV files keyed by one column: the speaker roster and the meetings table.

Both are fixed by hand, never guessed at: a row without its key, a key given twice, a row
longer than the header or malformed CSV is an error naming the line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pipeline.common.errors import PipelineError


@dataclass(frozen=True)
class KeyedCsv:
    """How to read one kind of keyed CSV: its key column, how its header, its cells and its
    key are cleaned, and the columns to name when the key column is missing."""

    key: str
    clean_header: Callable[[str], str]
    clean: Callable[[str], str]
    clean_key: Callable[[str], str]
    columns_hint: str


def keyed_rows(text: str, source: str, kind: KeyedCsv) -> Iterator[tuple[int, str, dict]]:
    """(line, key, the row's other cells by column) for each row with a cell, in file order;
    a file of nothing but a byte order mark and blanks has none."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [kind.clean_header(h) for h in next(reader)]
        if kind.key not in header:
            raise PipelineError(f"{source}:1: no '{kind.key}' column (columns: {header}); the "
                                f"first line must name the columns{kind.columns_hint}")
        seen: dict[str, int] = {}
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                raise PipelineError(f"{source}:{line}: {len(fields)} fields but the header "
                                    f"has {len(header)}; quote a field that holds a comma")
            row = {h: kind.clean(f) for h, f in zip(header, fields, strict=False)}
            key = kind.clean_key(row.pop(kind.key, ""))
            if not key:
                raise PipelineError(f"{source}:{line}: no {kind.key}; fill it in or delete "
                                    "the row")
            if key in seen:
                raise PipelineError(f"{source}:{line}: {kind.key} {key!r} is already on line "
                                    f"{seen[key]}; give each {kind.key} one row")
            seen[key] = line
            yield line, key, row
    except csv.Error as exc:
        raise PipelineError(f"{source}:{reader.line_num}: malformed CSV ({exc}); put a field "
                            'that holds a comma or a quote in double quotes, and write a quote '
                            'inside it as ""') from None
