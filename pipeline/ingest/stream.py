"""A large utterance table read meeting by meeting: memory bounded by a batch of meetings,
not by the file, with the same outputs and the same errors as reading it whole.

Three passes over the file, each holding a line or a row at a time:
1. decoding: the checks and the encoding choice of `encoding.detect_encoding`, on chunks;
2. structure: quotes (`tables.check_quotes`, line by line), fields and JSON, the columns
   present, and whether each meeting's rows are contiguous;
3. rows again, cut into batches of whole meetings that the workers turn into results.
Passes 1 and 2 run once per run of the stage; pass 3 twice: first for the speakers' names
alone (stream.corpus_splits), then for the results.
The errors of a pass are all found before the next begins, in the order reading the whole
file finds them. A table whose meetings are not contiguous is read whole, as before: its turn
numbers and speaker unification need every row of a meeting together, and such tables are
rare (NDL downloads keep a meeting's rows together), so exactness beats a sort on disk.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.common.errors import PipelineError
from pipeline.ingest.corpus import (
    DocOptions,
    FileReport,
    FileResult,
    ReadOptions,
    cut_turns,
    ingest_file,
    meeting_id,
    read_labels,
    table_meetings,
    table_rules,
)
from pipeline.ingest.encoding import detect_encoding
from pipeline.ingest.persons import (
    KindTally,
    KindTitles,
    decide_splits,
    join_surnames,
    kind_titles,
)
from pipeline.ingest.tables import (
    _QUOTE_ADVICE,
    TABLE_SUFFIXES,
    _looks_like_row,
    _row,
    check_columns,
    json_row,
    rows_to_turns,
)

STREAM_MIN_BYTES = 8_000_000  # smaller tables are read whole, one task each, as before
BATCH_CHARS = 1_000_000  # text per task: whole meetings, at least this much unless the last


def text_lines(path: Path, encoding: str, newline: str) -> Generator[str, None, None]:
    """The file's lines, decoded as they are read (with their line breaks; newline as for
    `open`). Like decode, one more BOM is dropped after what a utf-8 codec drops."""
    with open(path, encoding=encoding, newline=newline) as fh:
        first = next(fh, None)
        if first is None:
            return
        yield first.removeprefix("\ufeff") if encoding.startswith("utf-8") else first
        yield from fh


class QuoteScan:
    """`tables.check_quotes` fed one line at a time (with its line break), same messages."""

    def __init__(self, delimiter: str, n_columns: int, source: str) -> None:
        self.delimiter, self.n_columns, self.source = delimiter, n_columns, source
        self.opened = 0  # the line an unclosed quoted field opened on
        self.rows = self.first_row = 0  # lines inside it that look like rows
        self.quoted = False
        self.stray = 0  # the line of the first quote inside an unquoted field

    def feed(self, line: str, number: int) -> None:
        i = 0
        if self.opened:
            i = self._close(line, number, 0, False)
        while i >= 0 and (j := line.find('"', i)) >= 0:
            if j and line[j - 1] not in (self.delimiter, "\n", "\r"):
                self.stray = self.stray or number
                i = j + 1
                continue
            self.quoted = True
            self.opened, self.rows = number, 0
            i = self._close(line, number, j + 1, True)

    def _close(self, line: str, number: int, k: int, first: bool) -> int:
        """Where scanning goes on after the quote that closes the open field, or -1."""
        while (k := line.find('"', k)) >= 0 and line.startswith('""', k):
            k += 2
        if k < 0:
            if not first:
                self._inside(line.rstrip("\r\n"), number)
            return -1
        if line[k + 1 : k + 2] not in ("", self.delimiter, "\n", "\r"):
            raise PipelineError(
                f"{self.source}:{self.opened}: the quoted field opened here is closed on line "
                f"{number} with more text after the closing quote; {_QUOTE_ADVICE}")
        if not first:
            self._inside(line[:k], number)
        if self.rows:
            raise PipelineError(
                f"{self.source}:{self.opened}: the quoted field opened here runs over "
                f"{self.rows} line{'s' if self.rows > 1 else ''} that look like rows of the "
                f"table (the first: line {self.first_row}); {_QUOTE_ADVICE}")
        self.opened = 0
        return k + 1

    def _inside(self, text: str, number: int) -> None:
        if _looks_like_row(text, self.delimiter, self.n_columns):
            self.rows += 1
            self.first_row = self.first_row if self.rows > 1 else number

    def finish(self) -> None:
        if self.opened:
            raise PipelineError(
                f"{self.source}:{self.opened}: a quoted field opened here is never closed, so "
                f"every row after it would be read as its text; {_QUOTE_ADVICE}")
        if self.quoted and self.stray:
            raise PipelineError(
                f"{self.source}:{self.stray}: a quote inside a field that is not in quotes, "
                "in a table that quotes its fields: a quote out of place; put that field in "
                'quotes and write each quote inside it as ""')


def _csv_rows(path: Path, encoding: str, suffix: str, source: str,
              scan: bool) -> Iterator[tuple[int, dict]]:
    """Rows of a CSV/TSV file as `tables.parse_rows` gives them; with `scan`, also its
    errors, in its order: the header, then quotes anywhere in the file, then fields."""
    delimiter = "\t" if suffix == ".tsv" else ","
    head = text_lines(path, encoding, "")
    try:
        header = next(csv.reader(head, delimiter=delimiter, strict=True), [])
    except csv.Error as exc:
        raise PipelineError(f"{source}:1: malformed table ({exc})") from None
    finally:
        head.close()
    quotes = QuoteScan(delimiter, len(header), source)
    lines: Iterator[str] = text_lines(path, encoding, "")
    if scan:
        lines = _scanned(lines, quotes)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    error, start = None, 1
    try:
        next(reader, [])
        start = reader.line_num + 1
        for fields in reader:
            if fields:  # a blank line is no row
                try:
                    row = _row(header, fields, delimiter, f"{source}:{start}")
                except PipelineError as exc:
                    error = exc
                    break
                yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        error = PipelineError(f"{source}:{start}: malformed table ({exc})")
    if scan:
        for _ in lines:  # the quotes of the rest of the file come first
            pass
        quotes.finish()
    if error is not None:
        raise error


def _scanned(lines, quotes: QuoteScan) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        quotes.feed(line, number)
        yield line


def _json_rows(path: Path, encoding: str, source: str) -> Iterator[tuple[int, dict]]:
    """Rows of JSON Lines as `tables._json_rows` gives them (lines end at LF only)."""
    for number, line in enumerate(text_lines(path, encoding, "\n"), start=1):
        line = line.removesuffix("\n")  # inside a string it would change the message
        if line.strip():
            yield number, json_row(line, f"{source}:{number}")


def iter_rows(path: Path, encoding: str, scan: bool = True) -> Iterator[tuple[int, dict]]:
    """A table's rows with the line each starts on, read lazily."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _json_rows(path, encoding, str(path))
    return _csv_rows(path, encoding, suffix, str(path), scan)


def _meeting_key(row: dict, column: str, default: str) -> object:
    """The meeting a row will have (`rows_to_turns`: the field, else the file's); a value
    that is not text gets a key of its own (its row is an error, or skipped)."""
    value = row.get(column)
    if value is None or value == "":
        return default
    return value if isinstance(value, str) else object()


@dataclass(frozen=True)
class TableScan:
    """What the structure pass learned of a table."""

    present: frozenset[str]  # columns of any row
    n_rows: int
    contiguous: bool  # each meeting's rows in one run


def scan_table(path: Path, encoding: str, column: str, default: str) -> TableScan:
    """Pass 2: every error of the table's structure, the columns and meeting runs."""
    present: set[str] = set()
    seen: set = set()
    current: object = None
    n_rows, contiguous = 0, True
    for _, row in iter_rows(path, encoding):
        n_rows += 1
        present.update(row)
        key = _meeting_key(row, column, default)
        if key != current:
            contiguous = contiguous and key not in seen
            seen.add(key)
            current = key
    return TableScan(frozenset(present), n_rows, contiguous)


def meeting_batches(rows, column: str, default: str,
                    size: int) -> Iterator[list[tuple[int, dict]]]:
    """Rows in runs of whole meetings, each batch at least `size` characters of text."""
    batch: list[tuple[int, dict]] = []
    chars, current = 0, None
    for number, row in rows:
        key = _meeting_key(row, column, default)
        if batch and key != current and chars >= size:
            yield batch
            batch, chars = [], 0
        current = key
        batch.append((number, row))
        chars += sum(len(v) for v in row.values() if isinstance(v, str))
    if batch:
        yield batch


@dataclass(frozen=True)
class FileTask:
    """Read a file whole."""

    path: Path
    meeting: str
    options: ReadOptions
    docs_options: DocOptions


@dataclass(frozen=True)
class RowsTask:
    """Read a batch of whole meetings' rows of a large table."""

    rows: list[tuple[int, dict]]
    path: Path
    meeting: str  # the file's meeting id, for rows that name none
    options: ReadOptions
    docs_options: DocOptions


@dataclass(frozen=True)
class TableEnd:
    """Every batch of a large table is sent: the caller sums up the file."""

    path: Path
    encoding: str


@dataclass(frozen=True)
class TaskError:
    """An error found while planning the tasks, raised in file order by the task's run."""

    error: PipelineError


IngestTask = FileTask | RowsTask | TableEnd | TaskError


def run_task(task: IngestTask) -> FileResult | TableEnd:
    """What a worker does with one task of `tasks`: a FileResult (with no report for a
    batch of rows), or the end of a table as it came."""
    if isinstance(task, FileTask):
        return ingest_file(task.path, task.meeting, task.options, task.docs_options)
    if isinstance(task, RowsTask):
        options = task.options
        turns, skipped = rows_to_turns(task.rows, str(task.path), task.meeting,
                                       table_rules(options))
        turns = table_meetings(turns, task.path, options)
        return cut_turns(task.path, (turns, None, skipped), options, task.docs_options)
    if isinstance(task, TaskError):
        raise task.error
    return task


@dataclass(frozen=True)
class FilePlan:
    """How a file is read: whole, or in batches of rows (a large table whose meetings are
    contiguous) in the encoding found when it was scanned."""

    path: Path
    meeting: str
    encoding: str | None = None  # None: read whole


def plan_files(paths: list[Path], root: Path, options: ReadOptions,
               min_bytes: int = STREAM_MIN_BYTES) -> Iterator[FilePlan | TaskError]:
    """Each file's plan in file order; a large table is decoded and scanned for its
    structure's errors here (passes 1 and 2), once for both passes over the corpus. An
    error becomes a TaskError, the last plan, raised in file order by its task."""
    for path in paths:
        meeting = meeting_id(path, root)
        if path.suffix.lower() not in TABLE_SUFFIXES or path.stat().st_size < min_bytes:
            yield FilePlan(path, meeting)
            continue
        try:
            encoding = detect_encoding(path, str(path), options.encoding)
            scan = scan_table(path, encoding, options.columns.meeting, meeting)
            if scan.n_rows:
                check_columns(set(scan.present), str(path), options.columns)
        except OSError as exc:
            yield TaskError(PipelineError(f"{path}: cannot read ({exc.strerror})"))
            return
        except PipelineError as exc:
            yield TaskError(exc)
            return
        yield FilePlan(path, meeting, encoding if scan.contiguous else None)


def plan_tasks(plans: Iterable[FilePlan | TaskError], options: ReadOptions,
               docs_options: DocOptions) -> Iterator[IngestTask]:
    """The plans' tasks in file order: a file whole, or a large table's batches of rows
    (pass 3, reading its rows again) and its end."""
    for plan in plans:
        if isinstance(plan, TaskError):
            yield plan
        elif plan.encoding is None:
            yield FileTask(plan.path, plan.meeting, options, docs_options)
        else:
            for batch in meeting_batches(iter_rows(plan.path, plan.encoding, scan=False),
                                         options.columns.meeting, plan.meeting, BATCH_CHARS):
                yield RowsTask(batch, plan.path, plan.meeting, options, docs_options)
            yield TableEnd(plan.path, plan.encoding)


def tasks(paths: list[Path], root: Path, options: ReadOptions, docs_options: DocOptions,
          min_bytes: int = STREAM_MIN_BYTES) -> Iterator[IngestTask]:
    """Tasks in file order: a file whole, or a large table's batches of rows and its end.
    An error found here becomes a task that raises it, so that it comes in file order."""
    return plan_tasks(plan_files(paths, root, options, min_bytes), options, docs_options)


def task_kinds(task: IngestTask) -> KindTitles:
    """The first pass's work on one task: the titles each glued name was written with, by
    kind of role, after surnames are joined within each meeting (persons.kind_titles)."""
    if isinstance(task, TaskError):
        raise task.error
    if isinstance(task, TableEnd):
        return {}
    if isinstance(task, FileTask):
        turns = read_labels(task.path, task.meeting, task.options)
    else:
        turns, _ = rows_to_turns(task.rows, str(task.path), task.meeting,
                                 replace(table_rules(task.options), bodies=False))
    keep = frozenset(v for _, v in task.options.aliases)
    return kind_titles(join_surnames(turns, keep).turns, keep)


def corpus_splits(plans: list[FilePlan | TaskError], options: ReadOptions,
                  docs_options: DocOptions, workers) -> tuple[tuple[str, str, str], ...]:
    """The first pass: which names are split by kind of role, decided on the whole corpus
    so that a name is split the same way in every meeting (岡田委員 in one meeting and
    岡田中央卸売市場長 in another are two speakers in both). It reads every file an extra
    time, for its speakers and roles alone (no speech is cleaned: read_labels), and keeps only
    a few counts per label."""
    tally = KindTally()
    for titles in workers.map(task_kinds, plan_tasks(plans, options, docs_options)):
        tally.add(titles)
    return tuple(sorted((n, k, s) for (n, k), s in decide_splits(tally.titles).items()))


def ingest_results(paths: list[Path], root: Path, options: ReadOptions,
                   docs_options: DocOptions, workers) -> Iterator[FileResult]:
    """FileResults in file order, as `ingest_file` over every file gives them, but a table
    of STREAM_MIN_BYTES or more comes as parts of whole meetings and a last result with its
    report. Names are split by kind of role as the whole corpus says (corpus_splits)."""
    # Both passes read the files as planned once: a large table is decoded and scanned for
    # errors once, not once per pass.
    plans = list(plan_files(paths, root, options, STREAM_MIN_BYTES))
    options = replace(options, splits=corpus_splits(plans, options, docs_options, workers))
    meetings: set[str] = set()
    n_turns = 0
    for result in workers.map(run_task, plan_tasks(plans, options, docs_options)):
        if isinstance(result, TableEnd):
            yield table_summary(result, meetings, n_turns)
            meetings, n_turns = set(), 0
            continue
        if result.report is None:  # a part of a table
            meetings |= result.meetings
            n_turns += result.n_turns
        yield result


def table_summary(end: TableEnd, meetings: set[str], n_turns: int) -> FileResult:
    """The last result of a streamed table: its report and every meeting of the file."""
    if not n_turns:
        raise PipelineError(f"{end.path}: no utterance rows with a speaker; check ingest.columns")
    ordered = sorted(meetings)
    label = ordered[0] if len(ordered) == 1 else f"{len(ordered)} meetings"
    return FileResult(
        path=str(end.path), report=FileReport(str(end.path), label, end.encoding, "table",
                                              n_turns),
        skipped=Counter(), turn_rows=[], documents=[], meetings=meetings, roster=set(),
        n_turns=0, n_chars=0, unattributed_chars=0, not_modelled=Counter(), speakers=set())
