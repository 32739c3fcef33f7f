"""Find transcripts (text files and utterance tables) and read them into turns (ingest core)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from pipeline.common.errors import PipelineError
from pipeline.ingest.dates import date_from_header, date_from_name
from pipeline.ingest.documents import (
    DocOptions,
    is_chair_speech,
    is_procedural,
    make_documents,
)
from pipeline.ingest.encoding import decode
from pipeline.ingest.group_aliases import alias_groups
from pipeline.ingest.meetings import MeetingInfo, header_title, with_meetings
from pipeline.ingest.persons import Splits, unify_speakers
from pipeline.ingest.tables import TABLE_SUFFIXES, Columns, TableRules, parse_rows, table_turns
from pipeline.ingest.transcripts import Turn, split_turns, tag_like_lines, turn_labels

TEXT_SUFFIXES = (".txt", ".md", ".text")


@dataclass(frozen=True)
class FileReport:
    """How one file was read: the user's check that detection went right."""

    path: str
    meeting: str
    encoding: str
    style: str
    n_turns: int
    date: str = ""  # the file's date (a text file's name or header); tables: per row
    n_tag_like_lines: int = 0  # lines that look like a tag but were read as speech
    tag_like_lines: tuple[str, ...] = ()  # the first few of them


@dataclass(frozen=True)
class ReadOptions:
    """The ingest settings that decide how a file is read."""

    style: str = "auto"
    encoding: str = "auto"
    aliases: tuple[tuple[str, str], ...] = ()
    fold_old: bool = True
    columns: Columns = Columns()
    exclude_rows: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # configs/speakers.csv: speaker -> ((attribute, value), ...), filling what a table lacks.
    roster: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    meetings: tuple[MeetingInfo, ...] = ()  # ingest.meetings: titles and dates that win
    group_aliases: tuple[tuple[str, str], ...] = ()  # ingest.group_aliases: variant -> group
    # The corpus's split of names by kind of role, ((name, kind, speaker), ...), from the
    # first pass of stream.ingest_results; None: decided within each file's turns.
    splits: tuple[tuple[str, str, str], ...] | None = None

    def split_map(self) -> Splits | None:
        """`splits` as persons.unify_speakers takes it."""
        return None if self.splits is None else {(n, k): s for n, k, s in self.splits}


def find_transcripts(root: Path, key: str = "ingest.input") -> list[Path]:
    """The transcript files under root (or root itself), in a stable order; errors name the
    config key that gave root."""
    if not root.exists():
        raise PipelineError(f"{root}: input path not found; set {key} to a file or folder")
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise PipelineError(f"{root}: not a file or a folder (a FIFO, a device or a socket); "
                            f"set {key} to a transcript file or a folder of them")
    suffixes = TEXT_SUFFIXES + TABLE_SUFFIXES
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    if not files:
        raise PipelineError(
            f"{root}: no transcripts in this folder (*.txt, *.md, *.csv, *.tsv, *.jsonl)")
    return files


def has_transcripts(root: Path) -> bool:
    """False for a folder that holds no transcript (score.input's shipped empty folder)."""
    try:
        find_transcripts(root)
    except PipelineError:
        return not root.is_dir()  # a missing or odd path is an error find_transcripts names
    return True


def shown_path(path: str | Path, root: Path) -> str:
    """A file's path as outputs show it: relative to the project (the working folder) when
    inside it, else from the input's own folder (`diet-dev/speeches.jsonl`): never absolute,
    so that outputs do not depend on (or tell) where the files sit on this machine."""
    path = Path(path).absolute()
    try:
        return path.relative_to(Path.cwd().absolute()).as_posix()
    except ValueError:
        base = root.absolute().parent
        return path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name


def meeting_id(path: Path, root: Path) -> str:
    """A meeting's id: its file path under the input folder, without the suffix, folded
    (NFKC) as speaker labels are: names that differ only in Unicode form (NFC/NFD from
    another system, full/half width) would be meetings that look identical."""
    return unicodedata.normalize("NFKC", _file_name(path, root))


def _file_name(path: Path, root: Path) -> str:
    """A file's path under the input folder, without the suffix, as written."""
    return path.stem if root.is_file() else path.relative_to(root).with_suffix("").as_posix()


def folded_names(paths: list[Path], root: Path) -> list[tuple[str, str]]:
    """(file name, meeting id) of the files whose id folding changed, for the log; two files
    folded to one id is an error naming both (their meetings would become one)."""
    owner: dict[str, Path] = {}
    folded = []
    for path in paths:
        meeting = meeting_id(path, root)
        if meeting in owner:
            raise PipelineError(
                f"{path}: its name and {owner[meeting]}'s differ only in Unicode form (NFC/NFD, "
                f"full/half width), so both would be meeting {meeting!r}; rename one of them")
        owner[meeting] = path
        raw = _file_name(path, root)
        if raw != meeting:
            folded.append((raw, meeting))
    return folded


class FileTurns(NamedTuple):
    """One file's turns as read, how it was read, and the table rows it skipped (by why)."""

    turns: list[Turn]
    report: FileReport
    skipped: Counter


def _decoded(path: Path, options: ReadOptions) -> tuple[str, str]:
    """A file's text and its encoding; errors name the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read ({exc.strerror})") from None
    return decode(data, str(path), options.encoding)


def _table_turns(text: str, path: Path, meeting: str,
                 rules: TableRules) -> tuple[list[Turn], Counter]:
    """A table file's turns and skipped rows; a table with no speaker's row is an error."""
    rows = parse_rows(text, path.suffix.lower(), str(path))
    turns, skipped = table_turns(rows, str(path), meeting, rules)
    if not turns:
        raise PipelineError(f"{path}: no utterance rows with a speaker; check ingest.columns")
    return turns, skipped


def read_labels(path: Path, meeting: str, options: ReadOptions) -> list[Turn]:
    """read_file's turns with their speakers and roles but without speech, dates or titles:
    what deciding who is who needs (stream.corpus_splits), with read_file's errors, at a
    fraction of its cost (no line of speech is cleaned)."""
    text, _ = _decoded(path, options)
    if path.suffix.lower() in TABLE_SUFFIXES:
        return _table_turns(text, path, meeting, replace(table_rules(options), bodies=False))[0]
    try:
        return turn_labels(text, meeting, options.style, dict(options.aliases),
                           options.fold_old)
    except PipelineError as exc:
        raise PipelineError(f"{path}: {exc}") from None


def read_file(path: Path, meeting: str, options: ReadOptions) -> FileTurns:
    """Decode and split one file (text transcript or table); errors name the file."""
    text, encoding = _decoded(path, options)
    aliases = dict(options.aliases)
    if path.suffix.lower() in TABLE_SUFFIXES:
        turns, skipped = _table_turns(text, path, meeting, table_rules(options))
        turns = table_meetings(turns, path, options)
        meetings = sorted({t.meeting for t in turns})
        label = meetings[0] if len(meetings) == 1 else f"{len(meetings)} meetings"
        return FileTurns(turns, FileReport(str(path), label, encoding, "table", len(turns)),
                         skipped)
    try:
        turns, style = split_turns(text, meeting, options.style, aliases, options.fold_old)
    except PipelineError as exc:
        raise PipelineError(f"{path}: {exc}") from None
    n_turns = sum(1 for t in turns if t.turn > 0)
    # The header is the text before the first tag (turn 0), never a speech: a date quoted
    # in a speech is not the meeting's.
    header = text[:turns[0].end] if turns and turns[0].turn == 0 and turns[0].end > 0 else ""
    date = date_from_name(path.stem) or date_from_header(header)
    title = header_title(header) or path.stem
    turns = with_meetings([replace(t, date=date, title=title) for t in turns],
                          {m.meeting: m for m in options.meetings})
    date = turns[0].date if turns else date
    odd = tag_like_lines(text, style)
    report = FileReport(str(path), meeting, encoding, style, n_turns, date, len(odd),
                        tuple(odd[:5]))
    return FileTurns(turns, report, Counter())


def table_rules(options: ReadOptions) -> TableRules:
    """The ingest settings that turn a table's rows into turns."""
    return TableRules(options.columns, {k: list(v) for k, v in options.exclude_rows},
                      dict(options.aliases), options.fold_old)


def table_meetings(turns: list[Turn], path: Path, options: ReadOptions) -> list[Turn]:
    """A table's turns with their meeting's date (the row's, else the file name's) and title
    (the title columns', else the meetings CSV's; that CSV wins where it gives one)."""
    named = date_from_name(path.stem)
    if named:
        turns = [t if t.date else replace(t, date=named) for t in turns]
    return with_meetings(turns, {m.meeting: m for m in options.meetings})


class TurnRow(NamedTuple):
    """One row of turns.csv, in its column order."""

    meeting: str
    turn: int
    speaker_label: str
    speaker: str
    role: str
    text: str
    n_chars: int
    start: int
    end: int
    directions: str
    source_id: str
    date: str
    modelled: bool
    # The speaker's attributes on this turn (group, position, ...): one column each in
    # turns.csv after `modelled` (attribute_columns names them).
    attributes: tuple[tuple[str, str], ...] = ()


TURN_COLUMNS = TurnRow._fields[:-1]  # the fixed columns; the attributes' follow them


def attribute_names(options: ReadOptions) -> tuple[str, ...]:
    """The speaker attributes a turn can carry: ingest.columns.attributes, `group` (a label's
    `名（所属）`) and the roster's columns, in that order, each once."""
    names = [name for name, _ in options.columns.attributes]
    names += ["group", *sorted({k for _, pairs in options.roster for k, _ in pairs})]
    return tuple(dict.fromkeys(names))


def attribute_columns(names: tuple[str, ...]) -> tuple[str, ...]:
    """turns.csv's column for each attribute: its name, or `attribute_<name>` if a fixed
    column has that name (as the document table names them, pipeline/common/io.py)."""
    return tuple(f"attribute_{n}" if n in TURN_COLUMNS else n for n in names)


def turn_cells(row: TurnRow, names: tuple[str, ...]) -> tuple:
    """A turn's cells in turns.csv: the fixed columns, then each attribute's value ("")."""
    values = dict(row.attributes)
    return (*row[:-1], *(values.get(n, "") for n in names))


@dataclass
class FileResult:
    """One file, read and cut: its rows for turns.csv and documents.jsonl, and the facts the
    stage sums up (so the text itself need not be kept once written)."""

    path: str
    report: FileReport | None  # None: a part of a streamed table (its report comes last)
    skipped: Counter
    turn_rows: list[TurnRow]
    documents: list[dict]
    meetings: set[str]
    roster: set[tuple[str, str, str]]
    n_turns: int
    n_chars: int
    unattributed_chars: int
    not_modelled: Counter
    speakers: set[str]
    unresolved: Counter = field(default_factory=Counter)  # labels not told from an office
    merged: dict[str, str] = field(default_factory=dict)  # surname -> full name
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    split: dict[str, tuple[str, ...]] = field(default_factory=dict)  # surname -> its speakers
    dates: dict[str, str] = field(default_factory=dict)  # meeting -> its (first) date
    n_chair_speeches: int = 0  # procedural roles' turns modelled as their own speech
    titles: dict[str, str] = field(default_factory=dict)  # meeting -> its title ("": none)
    # meeting -> its attributes from table rows (ingest.columns.meeting_attributes)
    meeting_attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    n_turns_merged: int = 0  # turns of a surname joined to a full name
    n_turns_split: int = 0  # turns given a split name, 岡田（中央卸売市場長）
    group_turns: Counter = field(default_factory=Counter)  # (variant, group) -> turns merged
    group_speakers: set[tuple[str, str, str]] = field(default_factory=set)  # ... and speakers


def ingest_file(path: Path, meeting: str, options: ReadOptions,
                docs_options: DocOptions) -> FileResult:
    """Read one file and cut it into documents (the task a worker runs)."""
    return cut_turns(path, read_file(path, meeting, options), options, docs_options)


def document_unit(unit: str, path: Path) -> str:
    """ingest.unit for this file: auto is a turn in a table of utterances (a row is one
    speech of the minutes; on Diet minutes whole turns placed speakers better than merged
    paragraphs) and a paragraph in a text transcript (long talks, as the bundled meeting's)."""
    if unit != "auto":
        return unit
    return "turn" if path.suffix.lower() in TABLE_SUFFIXES else "paragraph"


def cut_turns(path: Path, read: FileTurns | tuple[list[Turn], None, Counter],
              options: ReadOptions, docs_options: DocOptions) -> FileResult:
    """Turns (a whole file's, or whole meetings of a streamed table, whose report is None)
    cut into documents and summed up; speakers are unified within each meeting, so whole
    meetings suffice."""
    turns, report, skipped = read
    unified = unify_speakers(turns, frozenset(v for _, v in options.aliases),
                             options.split_map())
    aliased = alias_groups(with_roster(unified.turns, dict(options.roster)),
                           dict(options.group_aliases))
    turns = aliased.turns
    docs = make_documents(turns, replace(docs_options,
                                         unit=document_unit(docs_options.unit, path)))
    modelled = {(d.meeting, d.turn) for d in docs}
    speech = [t for t in turns if t.turn > 0]
    not_modelled, chair_speeches = why_not_modelled(speech, docs_options)
    return FileResult(
        path=str(path), report=report, skipped=skipped,
        turn_rows=[turn_row(t, (t.meeting, t.turn) in modelled) for t in turns],
        documents=[d.to_record() for d in docs], meetings={t.meeting for t in speech},
        roster={(t.speaker, t.speaker_label, t.role) for t in speech},
        n_turns=len(speech), n_chars=sum(len(t.text) for t in speech),
        unattributed_chars=sum(len(t.text) for t in turns if t.turn == 0),
        not_modelled=not_modelled, speakers={t.speaker for t in speech},
        unresolved=Counter(t.speaker_label for t in speech if not t.resolved),
        merged=unified.merged, ambiguous=unified.ambiguous, split=unified.split,
        dates={t.meeting: t.date for t in reversed(speech) if t.date},
        n_chair_speeches=chair_speeches,
        titles={t.meeting: "" for t in turns}
        | {t.meeting: t.title for t in reversed(turns) if t.title},
        meeting_attributes=meeting_values(turns),
        group_turns=aliased.n_turns, group_speakers=aliased.speakers,
        n_turns_merged=unified.n_turns_merged, n_turns_split=unified.n_turns_split,
    )


def meeting_values(turns: list[Turn]) -> dict[str, dict[str, str]]:
    """meeting -> the attributes its rows give (the rows agree: tables.MeetingValues)."""
    out: dict[str, dict[str, str]] = {}
    for t in turns:
        if t.meeting_attributes:
            out.setdefault(t.meeting, {}).update(t.meeting_attributes)
    return out


def turn_row(t: Turn, modelled: bool) -> TurnRow:
    """A turn as its row of turns.csv."""
    return TurnRow(t.meeting, t.turn, t.speaker_label, t.speaker, t.role, t.text, len(t.text),
                   t.start, t.end, " ".join(t.directions), t.source_id, t.date, modelled,
                   t.attributes)


def why_not_modelled(speech: list[Turn], docs_options: DocOptions) -> tuple[Counter, int]:
    """The turns left out of the model, by why, and the procedural roles' turns modelled as
    their own speech (ingest.chair_speech_min_chars)."""
    not_modelled: Counter = Counter()
    chair_speeches = 0
    for t in speech:
        procedural = is_procedural(t.role, docs_options.procedural_roles, t.speaker)
        chair_speech = procedural and t.paragraphs and is_chair_speech(
            t.text, docs_options.chair_speech_min_chars, docs_options.procedure_words)
        if t.speaker in docs_options.exclude_speakers:
            not_modelled["excluded_speaker"] += 1
        elif chair_speech:
            chair_speeches += 1
        elif docs_options.procedural_weight == 0 and procedural:
            not_modelled["procedural_role"] += 1
        elif not t.paragraphs:
            not_modelled["empty"] += 1
    return not_modelled, chair_speeches


def with_roster(turns: list[Turn], roster: dict[str, tuple[tuple[str, str], ...]]) -> list[Turn]:
    """Turns with the roster's attributes of their speaker, where the source gave none."""
    if not roster:
        return turns
    out = []
    for t in turns:
        extra = roster.get(t.speaker)
        if extra:
            attributes = dict(extra) | {k: v for k, v in t.attributes if v}
            t = replace(t, attributes=tuple(sorted(attributes.items())))
        out.append(t)
    return out
