"""Stage ingest: transcripts -> turns table, documents, roster, ingest metrics.

Files are read and cut into documents in worker processes (for large inputs, by the one rule
of pipeline.common.compute), and their rows are written as they come, in file order: the
whole corpus is never held in memory, nor a large table (pipeline.ingest.stream reads it in
batches of whole meetings). Ingest always runs on this machine, on every core: its
tasks are paths to read, and a Dask cluster's workers need not see this file system.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from pipeline.common.atomic import atomic_open, write_json, write_metrics, write_rows
from pipeline.common.compute import make_executor
from pipeline.common.config import ComputeConfig
from pipeline.common.progress import progress
from pipeline.common.spreadsheet import csv_row
from pipeline.ingest.core import IngestTally, doc_options, read_options
from pipeline.ingest.corpus import (
    TURN_COLUMNS,
    attribute_columns,
    attribute_names,
    find_transcripts,
    folded_names,
    shown_path,
    turn_cells,
)
from pipeline.ingest.meetings import parse_meetings
from pipeline.ingest.roster import parse_roster
from pipeline.ingest.stream import ingest_results
from pipeline.ingest.transcripts import fold
from pipeline.stages._cli import log, run, stage_parser
from pipeline.tokenize.procedure import procedure_lexicon

PARALLEL_MIN_BYTES = 2_000_000  # below this, starting workers costs more than it saves


class _Line:
    """Where csv.writer puts one row, to be written on (csv.writer quotes as pandas does)."""

    def write(self, text: str) -> None:
        self.text = text


def main(args, config) -> None:
    cfg = config.ingest
    root = Path(args.input)
    paths = find_transcripts(root)
    folded = folded_names(paths, root)
    if folded:
        raw, meeting = folded[0]
        log(f"ingest: warning: {len(folded)} file names folded (NFKC) to their meeting ids, "
            f"e.g. {raw!r} -> {meeting!r}")
    size = sum(p.stat().st_size for p in paths)
    # The copy user_files made of ingest.roster (empty when null).
    roster = parse_roster(Path(args.speakers_file).read_text(encoding="utf-8"),
                          cfg.roster or "") if args.speakers_file else ()
    # The copy user_files made of ingest.meetings (a header alone when null).
    meetings = parse_meetings(Path(args.meetings_file).read_text(encoding="utf-8"),
                              cfg.meetings or "") if args.meetings_file else ()
    options = read_options(cfg, roster, meetings)
    docs_options = doc_options(cfg, procedure_lexicon())
    tally = IngestTally(options.group_aliases)
    if cfg.fold_old_kanji:
        fold("")  # load kyujipy's tables once, before the workers fork and share them
    workers = make_executor(ComputeConfig(), -1, size, PARALLEL_MIN_BYTES)
    sink = _Line()
    rows = csv.writer(sink, lineterminator="\n")
    try:
        # Both files are replaced only when every file has been read: a bad file midway
        # leaves the previous outputs as they were.
        with atomic_open(Path(args.turns)) as turns_out, \
                atomic_open(Path(args.documents)) as docs_out:
            names = attribute_names(options)
            rows.writerow((*TURN_COLUMNS, *attribute_columns(names)))
            turns_out.write("\ufeff" + sink.text)
            # A large table comes in parts (each whole meetings), then its file's summary.
            results = ingest_results(paths, root, options, docs_options, workers)
            for result in progress(results, desc="ingest", unit="part"):
                tally.add(result)
                for row in result.turn_rows:
                    rows.writerow(csv_row(turn_cells(row, names),
                                          config.output.csv_formula_guard))
                    turns_out.write(sink.text)
                for doc in result.documents:
                    docs_out.write(json.dumps(doc, ensure_ascii=False, sort_keys=True))
                    docs_out.write("\n")
            tally.check_something_to_model(args.input, cfg.exclude_speakers)
    finally:
        workers.close()
    write_rows(Path(args.meetings), *tally.meeting_table(meetings))
    write_json(Path(args.roster), tally.roster_rows())
    metrics = tally.metrics()
    metrics["files"] = [{**f, "path": shown_path(f["path"], root)} for f in metrics["files"]]
    write_metrics(Path(args.metrics), metrics)
    for line in tally.log_lines(cfg.unit, args.metrics):
        log(line)
    unknown = tally.unknown_meetings(meetings)
    if unknown:
        log(f"ingest: warning: {len(unknown)} meetings of {cfg.meetings} are in no transcript "
            f"(check their ids against outputs/tables/meetings.csv), e.g. {unknown[0]}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--input", required=True)
    parser.add_argument("--turns", required=True)
    parser.add_argument("--documents", required=True)
    parser.add_argument("--roster", required=True)
    parser.add_argument("--speakers-file", dest="speakers_file",
                        help="copy of ingest.roster (user_files makes it)")
    parser.add_argument("--meetings-file", dest="meetings_file",
                        help="copy of ingest.meetings (user_files makes it)")
    parser.add_argument("--meetings", required=True, help="meetings.csv: title and date")
    parser.add_argument("--metrics", required=True)
    run(main, parser, first=True)
