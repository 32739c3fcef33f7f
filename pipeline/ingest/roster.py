"""The optional speaker roster (`configs/speakers.csv`): speaker, group, any other columns."""

from __future__ import annotations

import csv
import io

from pipeline.common.errors import PipelineError
from pipeline.ingest.speaker_labels import normalize_label


def parse_roster(text: str, source: str) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """speaker -> its attributes ((group, 自民), ...), from CSV text with a `speaker` column.

    A row without a speaker, a speaker listed twice or a row with more fields than the
    header is an error naming the line: a roster is small and hand-made, so it is fixed,
    never guessed at.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return ()
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [normalize_label(h) for h in next(reader)]
        if "speaker" not in header:
            raise PipelineError(f"{source}:1: no 'speaker' column (columns: {header}); the "
                                "first line must name the columns, one of them speaker")
        seen: dict[str, int] = {}
        out = []
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                raise PipelineError(f"{source}:{line}: {len(fields)} fields but the header "
                                    f"has {len(header)}; quote a field that holds a comma")
            row = {h: normalize_label(f) for h, f in zip(header, fields, strict=False)}
            speaker = row.pop("speaker", "")
            if not speaker:
                raise PipelineError(f"{source}:{line}: no speaker; fill it in or delete the row")
            if speaker in seen:
                raise PipelineError(f"{source}:{line}: speaker {speaker!r} is already on line "
                                    f"{seen[speaker]}; give each speaker one row")
            seen[speaker] = line
            out.append((speaker, tuple(sorted((k, v) for k, v in row.items() if k and v))))
    except csv.Error as exc:
        raise PipelineError(f"{source}:{reader.line_num}: malformed CSV ({exc}); put a field "
                            'that holds a comma or a quote in double quotes, and write a quote '
                            'inside it as ""') from None
    return tuple(sorted(out))
