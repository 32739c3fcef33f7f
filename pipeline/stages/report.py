"""Stage report: tables, charts and metrics -> outputs/report/index.html and report.md, and
run.json, this run's record (settings, metrics, topics' terms, speakers' main topics) that a
later run is compared with."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from pipeline.common.atomic import write_files
from pipeline.compare.runs import earlier_runs, this_run
from pipeline.compare.section import comparison_sections
from pipeline.report.inputs import read_report_inputs
from pipeline.report.render import build_context, render_html, render_markdown
from pipeline.stages._cli import log, run, stage_parser

INPUTS = ("ingest_metrics", "tokens_metrics", "model_metrics", "label_notes", "k_sweep",
          "speakers_metrics", "topics",
          "relevance", "doc_topics", "index", "documents", "turns", "dtm", "speaker_topics",
          "meeting_topics", "meetings", "speaker_terms", "speaker_themes", "roster", "themes",
          "stopwords",
          "group_topics", "group_differences", "charts", "score_meeting_topics", "score_summary",
          "topic_terms", "meeting_attribute_topics", "topic_time")


def main(args, config) -> None:
    snapshot = Path(args.snapshot)
    current = this_run(Path(args.config), {
        "ingest": Path(args.ingest_metrics), "tokens": Path(args.tokens_metrics),
        "model": Path(args.model_metrics), "speakers": Path(args.speakers_metrics)},
        Path(args.topic_terms), Path(args.speaker_topics))
    # Read before run.json is replaced: with since_last_run it is the previous run's.
    earlier = earlier_runs(config.report.compare_with, config.report.since_last_run, snapshot)
    inputs = replace(read_report_inputs(args, config),
                     comparisons=comparison_sections(current, earlier))
    context = build_context(inputs)
    out = Path(args.out_dir)
    # All three are replaced together: never an HTML and a Markdown of two runs.
    write_files({out / "index.html": render_html(context).encode("utf-8"),
                 out / "report.md": render_markdown(context).encode("utf-8"),
                 snapshot: (json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True)
                            + "\n").encode("utf-8")})
    log(f"report: wrote {out / 'index.html'} and {out / 'report.md'}"
        + "".join(f"; compared with {name}" + ("" if run_ else " (none yet: from the next run)")
                  for _, name, run_ in earlier))


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in (*INPUTS, "snapshot", "out_dir"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
