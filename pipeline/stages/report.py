"""Stage report: tables, charts and metrics -> outputs/report/index.html and report.md."""

from __future__ import annotations

from pathlib import Path

from pipeline.common.atomic import write_files
from pipeline.report.inputs import read_report_inputs
from pipeline.report.render import build_context, render_html, render_markdown
from pipeline.stages._cli import log, run, stage_parser

INPUTS = ("ingest_metrics", "tokens_metrics", "model_metrics", "label_notes", "k_sweep",
          "speakers_metrics", "topics",
          "relevance", "doc_topics", "index", "documents", "dtm", "speaker_topics",
          "meeting_topics", "meetings", "speaker_terms", "speaker_themes", "roster", "themes",
          "stopwords",
          "group_topics", "group_differences", "meeting_attribute_topics", "topic_time",
          "charts")


def main(args, config) -> None:
    context = build_context(read_report_inputs(args, config))
    out = Path(args.out_dir)
    # Both files are replaced together: never an HTML and a Markdown of two runs.
    write_files({out / "index.html": render_html(context).encode("utf-8"),
                 out / "report.md": render_markdown(context).encode("utf-8")})
    log(f"report: wrote {out / 'index.html'} and {out / 'report.md'}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in (*INPUTS, "out_dir"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
