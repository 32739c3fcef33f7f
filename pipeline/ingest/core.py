"""The ingest stage's core, apart from its streaming writes: the reading options a config
asks for, and the sum of the files' results (one duplicate-meeting check, totals, metrics,
roster, log lines)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline.common.compute import SerialExecutor
from pipeline.common.config import IngestConfig
from pipeline.common.errors import PipelineError
from pipeline.ingest.corpus import (
    DocOptions,
    FileReport,
    FileResult,
    ReadOptions,
    TurnRow,
    find_transcripts,
    folded_names,
)
from pipeline.ingest.group_aliases import alias_metrics
from pipeline.ingest.meetings import meeting_rows
from pipeline.ingest.speaker_labels import normalize_label
from pipeline.ingest.stream import ingest_results
from pipeline.ingest.tables import Columns


def read_options(cfg: IngestConfig, roster: tuple = (), meetings: tuple = ()) -> ReadOptions:
    """How to read each transcript file (`roster`, `meetings`: the parsed ingest.roster and
    ingest.meetings, if any)."""
    columns = cfg.columns.model_dump()
    columns["attributes"] = tuple(sorted(columns["attributes"].items()))
    columns["meeting_attributes"] = tuple(sorted(columns["meeting_attributes"].items()))
    title = columns["title"]
    columns["title"] = (title,) if isinstance(title, str) else tuple(title)
    return ReadOptions(
        style=cfg.style, encoding=cfg.encoding, aliases=tuple(sorted(cfg.aliases.items())),
        fold_old=cfg.fold_old_kanji, columns=Columns(**columns),
        exclude_rows=tuple(sorted((k, tuple(v)) for k, v in cfg.exclude_rows.items())),
        roster=roster, meetings=meetings,
        # Compared as attribute values are: NFKC, white space folded.
        group_aliases=tuple(sorted((normalize_label(k), normalize_label(v))
                                   for k, v in cfg.group_aliases.items())),
    )


def doc_options(cfg: IngestConfig, procedure_words: frozenset[str] = frozenset()) -> DocOptions:
    """How to cut turns into modelled documents (`procedure_words`: the procedure lexicon,
    which tells a chair's own speech from procedure; none = no chair turn is speech)."""
    return DocOptions(cfg.unit, cfg.sentences_per_doc, cfg.max_doc_chars,
                      frozenset(cfg.exclude_speakers), tuple(sorted(cfg.speaker_weights.items())),
                      cfg.min_doc_chars if cfg.unit in ("paragraph", "auto") else 0,
                      tuple(cfg.procedural_roles), cfg.procedural_weight,
                      cfg.chair_speech_min_chars if procedure_words else 0,
                      frozenset(procedure_words))


MAX_NAMED = 20  # meetings named in ingest.json; the count covers them all


class IngestTally:
    """What the ingest stage reports about the files it read, added up file by file (the
    files' text is written as it comes, never kept)."""

    def __init__(self, group_aliases: tuple[tuple[str, str], ...] = ()) -> None:
        self.group_aliases = dict(group_aliases)  # ReadOptions.group_aliases
        self.group_turns: Counter = Counter()
        self.group_speakers: set[tuple[str, str, str]] = set()
        self.totals: Counter = Counter()
        self.reports: list[FileReport] = []
        self.roster: set[tuple[str, str, str]] = set()
        self.speakers: set[str] = set()
        self.not_modelled: Counter = Counter()
        self.skipped: Counter = Counter()
        self.owner: dict[str, str] = {}  # meeting -> the file it came from
        self.modelled: set[str] = set()  # meetings with at least one document
        self.unresolved: Counter = Counter()
        self.merged: dict[str, str] = {}
        self.ambiguous: dict[str, tuple[str, ...]] = {}
        self.split: dict[str, set[str]] = {}  # surname -> the speakers it became
        self.dates: dict[str, str] = {}  # meeting -> date
        self.titles: dict[str, str] = {}  # meeting -> title ("": none found)
        # meeting -> its attributes from table rows (ingest.columns.meeting_attributes)
        self.meeting_attributes: dict[str, dict[str, str]] = {}

    def add(self, result: FileResult) -> None:
        """Count one file's result; a meeting that another file already gave is an error.
        A streamed table comes as parts (no report), then a last result with its report
        and every meeting of the file, so the check sees the file whole, as for any file."""
        if result.report is not None:
            for meeting in sorted(result.meetings):
                if meeting in self.owner:
                    raise PipelineError(
                        f"{result.path}: meeting {meeting!r} also comes from "
                        f"{self.owner[meeting]}; give each meeting one file, or distinct "
                        "meeting ids")
                self.owner[meeting] = result.path
            self.reports.append(result.report)
        self.modelled.update(d["meeting"] for d in result.documents)
        self.roster.update(result.roster)
        self.speakers.update(result.speakers)
        self.not_modelled.update(result.not_modelled)
        self.skipped.update(result.skipped)
        self.unresolved.update(result.unresolved)
        self.merged.update(result.merged)
        self.ambiguous.update(result.ambiguous)
        for name, speakers in result.split.items():
            self.split.setdefault(name, set()).update(speakers)
        self.dates.update(result.dates)
        self.group_turns.update(result.group_turns)
        self.group_speakers |= result.group_speakers
        for meeting, title in result.titles.items():
            if title or meeting not in self.titles:
                self.titles[meeting] = title
        for meeting, values in result.meeting_attributes.items():
            self.meeting_attributes.setdefault(meeting, {}).update(values)
        self.totals.update(n_turns=result.n_turns, n_chars=result.n_chars,
                           n_chair_speeches=result.n_chair_speeches,
                           n_turns_merged=result.n_turns_merged,
                           n_turns_split=result.n_turns_split,
                           unattributed=result.unattributed_chars,
                           n_documents=len(result.documents))

    def check_something_to_model(self, source: str, exclude_speakers: list[str]) -> None:
        """An input whose speech all ends up unmodelled is an error, saying why."""
        if self.totals["n_documents"]:
            return
        reason = ("every speaker is in ingest.exclude_speakers"
                  if self.totals["n_turns"] and self.speakers <= set(exclude_speakers)
                  else "the turns hold no speech")
        raise PipelineError(f"{source}: {self.totals['n_turns']} speaker tags found but "
                            f"nothing to model: {reason}")

    def metrics(self) -> dict:
        """outputs/metrics/ingest.json."""
        return {
            "n_files": len(self.reports),
            "n_meetings": len(self.owner),
            "n_turns": self.totals["n_turns"],
            "n_speakers": len(self.speakers),
            "n_documents": self.totals["n_documents"],
            "n_chars": self.totals["n_chars"],
            "unattributed_chars": self.totals["unattributed"],
            "turns_not_modelled": dict(sorted(self.not_modelled.items())),
            # Turns of a procedural role modelled as the speaker's own speech (a bill
            # explanation, a committee report): ingest.chair_speech_min_chars.
            "n_chair_speeches_modelled": self.totals["n_chair_speeches"],
            # Meetings whose every turn is left out (a first sitting that only elects its
            # chair): in no table of topics, so named here.
            "n_meetings_not_modelled": len(unmodelled := sorted(set(self.owner)
                                                                - self.modelled)),
            "meetings_not_modelled": unmodelled[:MAX_NAMED],
            "rows_skipped": dict(sorted(self.skipped.items())),
            **self.label_metrics(),
            # ingest.group_aliases: the speakers and turns each variant brought to its group.
            "group_aliases": alias_metrics(self.group_aliases, self.group_turns,
                                           self.group_speakers),
            "files": [r.__dict__ for r in self.reports],
        }

    def label_metrics(self) -> dict:
        """How labels became speakers: the labels that could not be resolved, the surnames
        joined to a full name, the surnames left apart, the surnames split by kind of role
        (one speaker per kind), the tag-like lines read as speech."""
        labels = {label for _, label, _ in self.roster}
        per_speaker = Counter(s for s, _ in {(s, label) for s, label, _ in self.roster})
        tag_like = [line for r in self.reports for line in r.tag_like_lines]
        dated = [m for m in self.owner if self.dates.get(m)]
        return {
            "n_labels": len(labels),
            "n_speakers_with_several_labels": sum(1 for n in per_speaker.values() if n > 1),
            "n_unresolved_labels": len(self.unresolved),
            "unresolved_labels": [{"label": label, "n_turns": n} for label, n in
                                  sorted(self.unresolved.items(),
                                         key=lambda item: (-item[1], item[0]))[:MAX_NAMED]],
            "n_surnames_merged": len(self.merged),
            "n_turns_merged": self.totals["n_turns_merged"],
            "surnames_merged": dict(sorted(self.merged.items())[:MAX_NAMED]),
            "n_ambiguous_surnames": len(self.ambiguous),
            "ambiguous_surnames": {k: list(v) for k, v in
                                   sorted(self.ambiguous.items())[:MAX_NAMED]},
            "n_surnames_split": len(self.split),
            "n_speakers_from_splits": sum(len(v) for v in self.split.values()),
            # Turns given a split name (岡田（中央卸売市場長）), in every meeting alike.
            "n_turns_split": self.totals["n_turns_split"],
            "surnames_split": {k: sorted(v) for k, v in sorted(self.split.items())[:MAX_NAMED]},
            "n_tag_like_lines": sum(r.n_tag_like_lines for r in self.reports),
            "tag_like_lines": tag_like[:MAX_NAMED],
            "n_meetings_dated": len(dated),
            # Dates come from a date column, ingest.meetings, a header or a file name only.
            "n_meetings_undated": len(undated := sorted(set(self.owner) - set(dated))),
            "meetings_undated": undated[:MAX_NAMED],
        }

    def meeting_table(self, meetings: tuple = ()) -> tuple[list[str], list[tuple]]:
        """outputs/tables/meetings.csv (`meetings`: the parsed ingest.meetings)."""
        titles = {m: self.titles.get(m, "") for m in self.owner}
        return meeting_rows(titles, self.dates, self.modelled, meetings,
                            self.meeting_attributes)

    def unknown_meetings(self, meetings: tuple = ()) -> list[str]:
        """Meetings of ingest.meetings that no transcript holds (a typo in an id)."""
        return [m.meeting for m in meetings if m.meeting not in self.owner]

    def roster_rows(self) -> list[dict]:
        """outputs/interim/roster.json: every speaker with label and role, sorted."""
        return [{"speaker": s, "speaker_label": label, "role": role}
                for s, label, role in sorted(self.roster)]

    def log_lines(self, unit: str, metrics_path: str) -> list[str]:
        """The stage's summary for the log (the first 20 files by name)."""
        lines = [f"ingest: {r.path}: {r.encoding}, style {r.style}, {r.n_turns} turns"
                 for r in self.reports[:20]]
        if len(self.reports) > 20:
            styles = Counter(r.style for r in self.reports)
            lines.append(
                f"ingest: ... and {len(self.reports) - 20} more files (styles: "
                f"{', '.join(f'{k} {v}' for k, v in sorted(styles.items()))}; each file in "
                f"{metrics_path})")
        undated = sorted(set(self.owner) - {m for m, d in self.dates.items() if d})
        if undated:
            lines.append(
                f"ingest: {len(undated)} of {len(self.owner)} meetings have no date (no date "
                "column, ingest.meetings row, header date or dated file name), e.g. "
                f"{', '.join(undated[:3])}")
        lines.append(
            f"ingest: {self.totals['n_turns']} turns by {len(self.speakers)} speakers -> "
            f"{self.totals['n_documents']} documents "
            f"({'auto: a turn from a table, a paragraph from a text' if unit == 'auto' else unit}"
            f"); turns not modelled: "
            f"{dict(self.not_modelled) or 'none'}; table rows skipped: "
            f"{dict(self.skipped) or 'none'}")
        metrics = self.label_metrics()
        if metrics["n_unresolved_labels"]:
            lines.append(
                f"ingest: warning: {metrics['n_unresolved_labels']} labels whose name could "
                "not be told from the office (add the title to ingest.aliases or the title "
                f"list), e.g. {', '.join(u['label'] for u in metrics['unresolved_labels'][:3])}")
        if metrics["n_tag_like_lines"]:
            lines.append(
                f"ingest: warning: {metrics['n_tag_like_lines']} lines look like a speaker "
                "tag but were read as speech (set ingest.style, or check them in "
                f"{metrics_path}), e.g. {metrics['tag_like_lines'][0]}")
        if metrics["n_ambiguous_surnames"]:
            lines.append(
                f"ingest: warning: {metrics['n_ambiguous_surnames']} surnames match several "
                "full names and are kept apart (join them with ingest.aliases), e.g. "
                f"{next(iter(metrics['ambiguous_surnames']))}")
        if metrics["n_surnames_split"]:
            name, speakers = next(iter(metrics["surnames_split"].items()))
            lines.append(
                f"ingest: {metrics['n_surnames_split']} surnames written with several kinds "
                f"of role are one speaker per kind (join them with ingest.aliases), e.g. "
                f"{name} -> {', '.join(speakers)}")
        return lines


@dataclass(frozen=True)
class IngestedCorpus:
    """Every file under a root, read and cut in memory: the ingest stage's outputs as data."""

    turns: list[TurnRow]  # turns.csv
    documents: list[dict]  # documents.jsonl
    tally: IngestTally  # ingest.json (metrics()), roster.json (roster_rows())

    @property
    def reports(self) -> list[FileReport]:
        return self.tally.reports

    @property
    def skipped(self) -> Counter:
        return self.tally.skipped


def read_corpus(root: Path, options: ReadOptions, docs_options: DocOptions | None = None,
                key: str = "ingest.input") -> IngestedCorpus:
    """Every transcript under root (a file or a folder) read as the ingest stage reads it,
    in this process and in memory: for scoring new transcripts, tests and small inputs (the
    stage streams the same results to disk). Errors name the config `key` that gave root."""
    root = Path(root)
    paths = find_transcripts(root, key)
    folded_names(paths, root)  # two files of one meeting id: an error naming both
    tally, turns, documents = IngestTally(options.group_aliases), [], []
    results = ingest_results(paths, root, options, docs_options or DocOptions(), SerialExecutor())
    for result in results:
        tally.add(result)
        turns += result.turn_rows
        documents += result.documents
    return IngestedCorpus(turns, documents, tally)
