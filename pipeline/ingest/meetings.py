"""Meetings as people name them: a title and a date per meeting.

A meeting's title and date come from, in this order: the `ingest.meetings` CSV
(`meeting,title,date,…`), the table's own columns (`ingest.columns.title` / `date`), a text
transcript's header (the text before its first speaker tag) and its file name. Never from
speech: a date quoted in a speech is not the meeting's.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from pipeline.common.errors import PipelineError
from pipeline.ingest.dates import normalize_date
from pipeline.ingest.keyed_csv import KeyedCsv, keyed_rows
from pipeline.ingest.transcripts import Turn

MEETINGS = KeyedCsv("meeting", lambda h: unicodedata.normalize("NFKC", h).strip(), str.strip,
                    lambda key: unicodedata.normalize("NFKC", key), ": meeting,title,date,...")
MAX_TITLE_CHARS = 80  # a header's first line is its title; past this it is cut
_HEADER_MARKS = "#*>-=　 \t"  # Markdown heading and rule marks around a header line


@dataclass(frozen=True)
class MeetingInfo:
    """One row of the ingest.meetings CSV."""

    meeting: str
    title: str = ""
    date: str = ""
    attributes: tuple[tuple[str, str], ...] = ()  # (committee, 予算委員会), (house, 衆議院), ...


def parse_meetings(text: str, source: str) -> tuple[MeetingInfo, ...]:
    """The rows of a meetings CSV (a `meeting` column, optional `title` and `date`, any other
    columns as meeting attributes). A row without a meeting, a meeting given twice, a date
    that reads as no date or a row longer than the header is an error naming the line."""
    out: list[MeetingInfo] = []
    for line, meeting, row in keyed_rows(text, source, MEETINGS):
        written = row.pop("date", "")
        date = normalize_date(written)
        if written and not date:
            raise PipelineError(f"{source}:{line}: date {written!r} is not a date; write "
                                "it as 2024-07-30 (or 令和6年7月30日), or leave it empty")
        title = row.pop("title", "")
        out.append(MeetingInfo(meeting, title, date,
                               tuple((k, v) for k, v in row.items() if k and v)))
    return tuple(out)


def header_title(header: str) -> str:
    """A transcript's title: the first line of its header that holds words (Markdown marks
    taken off), cut at MAX_TITLE_CHARS; "" for no header."""
    for line in header.splitlines():
        title = " ".join(line.strip(_HEADER_MARKS).split())
        if title:
            return title if len(title) <= MAX_TITLE_CHARS else title[:MAX_TITLE_CHARS - 1] + "…"
    return ""


def with_meetings(turns: list[Turn], meetings: dict[str, MeetingInfo]) -> list[Turn]:
    """Turns with the title and date the meetings CSV gives their meeting (it wins over the
    transcript's own)."""
    if not meetings:
        return turns
    out = []
    for t in turns:
        info = meetings.get(t.meeting)
        if info is not None and (info.title or info.date):
            t = replace(t, title=info.title or t.title, date=info.date or t.date)
        out.append(t)
    return out


def meeting_rows(titles: dict[str, str], dates: dict[str, str], modelled: set[str],
                 meetings: tuple[MeetingInfo, ...],
                 from_rows: dict[str, dict[str, str]] | None = None
                 ) -> tuple[list[str], list[tuple]]:
    """outputs/tables/meetings.csv: every meeting read, with its title (else its id), date
    ("" if none), whether any of it was modelled and its attributes: the CSV's other columns
    and those `from_rows` (ingest.columns.meeting_attributes), the CSV's value winning
    where it gives one; by date, then meeting (undated last)."""
    from_rows = from_rows or {}
    extra = {m: dict(v) for m, v in from_rows.items()}
    for m in meetings:
        extra.setdefault(m.meeting, {}).update(m.attributes)
    names = sorted({k for m in meetings for k, _ in m.attributes}
                   | {k for v in from_rows.values() for k in v})
    ordered = sorted(titles, key=lambda m: (not dates.get(m), dates.get(m, ""), m))
    rows = [(m, titles[m] or m, dates.get(m, ""), m in modelled,
             *(extra.get(m, {}).get(n, "") for n in names)) for m in ordered]
    return ["meeting", "title", "date", "modelled", *names], rows
