"""Stage ingest: transcripts -> turns table, documents, roster, ingest metrics.

Files are read and cut into documents in worker processes (for large inputs), and their rows
are written as they come, in file order: the whole corpus is never held in memory.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from pipeline.atomic import atomic_open, write_json, write_metrics
from pipeline.compute import LocalExecutor
from pipeline.corpus import (
    TURN_COLUMNS,
    DocOptions,
    ReadOptions,
    find_transcripts,
    ingest_file,
    meeting_id,
)
from pipeline.errors import PipelineError
from pipeline.progress import progress
from pipeline.spreadsheet import csv_row
from pipeline.stages._cli import log, run, stage_parser
from pipeline.tables import Columns
from pipeline.transcripts import fold

PARALLEL_MIN_BYTES = 2_000_000  # below this, starting workers costs more than it saves


class _Line:
    """Where csv.writer puts one row, to be written on (csv.writer quotes as pandas does)."""

    def write(self, text: str) -> None:
        self.text = text


def main(args, config) -> None:
    cfg = config.ingest
    options = ReadOptions(
        style=cfg.style, encoding=cfg.encoding, aliases=tuple(sorted(cfg.aliases.items())),
        fold_old=cfg.fold_old_kanji, columns=Columns(**cfg.columns.model_dump()),
        exclude_rows=tuple(sorted((k, tuple(v)) for k, v in cfg.exclude_rows.items())),
    )
    docs_options = DocOptions(cfg.unit, cfg.sentences_per_doc, cfg.max_doc_chars,
                              frozenset(cfg.exclude_speakers),
                              tuple(sorted(cfg.speaker_weights.items())),
                              cfg.min_doc_chars if cfg.unit == "paragraph" else 0,
                              tuple(cfg.procedural_roles), cfg.procedural_weight)
    root = Path(args.input)
    paths = find_transcripts(root)
    size = sum(p.stat().st_size for p in paths)
    tasks = ((p, meeting_id(p, root), options, docs_options) for p in paths)
    totals: Counter = Counter()
    reports, roster, speakers = [], set(), set()
    not_modelled: Counter = Counter()
    skipped: Counter = Counter()
    owner: dict[str, str] = {}

    if cfg.fold_old_kanji:
        fold("")  # load kyujipy's tables once, before the workers fork and share them
    workers = LocalExecutor(-1 if size >= PARALLEL_MIN_BYTES else 1)
    sink = _Line()
    rows = csv.writer(sink, lineterminator="\n")
    try:
        # Both files are replaced only when every file has been read: a bad file midway
        # leaves the previous outputs as they were.
        with atomic_open(Path(args.turns)) as turns_out, \
                atomic_open(Path(args.documents)) as docs_out:
            rows.writerow(TURN_COLUMNS)
            turns_out.write("\ufeff" + sink.text)
            for result in progress(workers.map(ingest_file, tasks), desc="ingest", unit="file",
                                   total=len(paths)):
                for meeting in sorted(result.meetings):
                    if meeting in owner:
                        raise PipelineError(
                            f"{result.path}: meeting {meeting!r} also comes from "
                            f"{owner[meeting]}; give each meeting one file, or distinct "
                            "meeting ids")
                    owner[meeting] = result.path
                for row in result.turn_rows:
                    rows.writerow(csv_row(row, config.output.csv_formula_guard))
                    turns_out.write(sink.text)
                for doc in result.documents:
                    docs_out.write(json.dumps(doc, ensure_ascii=False, sort_keys=True))
                    docs_out.write("\n")
                reports.append(result.report)
                roster.update(result.roster)
                speakers.update(result.speakers)
                not_modelled.update(result.not_modelled)
                skipped.update(result.skipped)
                totals.update(n_turns=result.n_turns, n_chars=result.n_chars,
                              unattributed=result.unattributed_chars,
                              n_documents=len(result.documents))
            if not totals["n_documents"]:
                reason = ("every speaker is in ingest.exclude_speakers"
                          if totals["n_turns"] and speakers <= set(cfg.exclude_speakers)
                          else "the turns hold no speech")
                raise PipelineError(f"{args.input}: {totals['n_turns']} speaker tags found but "
                                    f"nothing to model: {reason}")
    finally:
        workers.close()
    metrics = {
        "n_files": len(reports),
        "n_meetings": len(owner),
        "n_turns": totals["n_turns"],
        "n_speakers": len(speakers),
        "n_documents": totals["n_documents"],
        "n_chars": totals["n_chars"],
        "unattributed_chars": totals["unattributed"],
        "turns_not_modelled": dict(sorted(not_modelled.items())),
        "rows_skipped": dict(sorted(skipped.items())),
        "files": [r.__dict__ for r in reports],
    }
    write_json(Path(args.roster), [
        {"speaker": s, "speaker_label": label, "role": role} for s, label, role in sorted(roster)
    ])
    write_metrics(Path(args.metrics), metrics)
    for r in reports[:20]:
        log(f"ingest: {r.path}: {r.encoding}, style {r.style}, {r.n_turns} turns")
    if len(reports) > 20:
        styles = Counter(r.style for r in reports)
        log(f"ingest: ... and {len(reports) - 20} more files (styles: "
            f"{', '.join(f'{k} {v}' for k, v in sorted(styles.items()))}; each file in "
            f"{args.metrics})")
    log(f"ingest: {totals['n_turns']} turns by {len(speakers)} speakers -> "
        f"{totals['n_documents']} documents ({cfg.unit}); turns not modelled: "
        f"{dict(not_modelled) or 'none'}; table rows skipped: {dict(skipped) or 'none'}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--input", required=True)
    parser.add_argument("--turns", required=True)
    parser.add_argument("--documents", required=True)
    parser.add_argument("--roster", required=True)
    parser.add_argument("--metrics", required=True)
    run(main, parser, first=True)
