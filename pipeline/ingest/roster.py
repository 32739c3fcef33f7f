"""The optional speaker roster (`configs/speakers.csv`): speaker, group, any other columns."""

from __future__ import annotations

from pipeline.ingest.keyed_csv import KeyedCsv, keyed_rows
from pipeline.ingest.speaker_labels import normalize_label

ROSTER = KeyedCsv("speaker", normalize_label, normalize_label, lambda key: key,
                  ", one of them speaker")


def parse_roster(text: str, source: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """speaker -> its attributes ((group, 自民), ...), from CSV text with a `speaker` column.

    A row without a speaker, a speaker listed twice or a row with more fields than the
    header is an error naming the line: a roster is small and hand-made, so it is fixed,
    never guessed at.
    """
    rows = keyed_rows(text, source, ROSTER)
    return tuple(sorted((speaker, tuple(sorted((k, v) for k, v in row.items() if k and v)))
                        for _, speaker, row in rows))
