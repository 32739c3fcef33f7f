"""Stage report: tables, charts and metrics -> outputs/report/index.html and report.md."""

from __future__ import annotations

from pathlib import Path

from pipeline.common.atomic import iter_jsonl, read_csv, write_text
from pipeline.common.io import read_doc_topics, read_index
from pipeline.common.io import read_json as _json
from pipeline.report.groups import group_section
from pipeline.report.render import build_context, quoted_doc_ids, render_html, render_markdown
from pipeline.stages._cli import log, run, stage_parser


def main(args, config) -> None:
    charts = Path(args.charts)
    doc_topics = read_doc_topics(args.doc_topics, read_index(args.index))
    topics = _json(args.topics)
    # Only the quoted documents' texts are read (documents.jsonl holds the whole corpus).
    wanted = quoted_doc_ids(doc_topics, topics, config.report.n_quotes)
    quoted = {d["doc_id"]: d for d in iter_jsonl(Path(args.documents)) if d["doc_id"] in wanted}
    names = {"heatmap": "speaker_topic_heatmap", "top_terms": "top_terms",
             "speaker_mix": "speaker_mix", "timeline": "timeline",
             "k_selection": "k_selection", "speaker_themes": "speaker_themes",
             "group_topics": "group_topics"}
    ingest, speakers = _json(args.ingest_metrics), _json(args.speakers_metrics)
    context = build_context(
        title=config.report.title, ingest=ingest,
        tokens=_json(args.tokens_metrics), model=_json(args.model_metrics),
        topics=topics, doc_topics=doc_topics,
        docs=quoted,
        shares=read_csv(args.speaker_topics), roster=_json(args.roster),
        charts={key: (charts / f"{name}.png").read_bytes() for key, name in names.items()},
        config_text=Path(args.config).read_text(encoding="utf-8"),
        n_quotes=config.report.n_quotes, command="dvc repro", seed=config.seed,
        relevance=_json(args.relevance), speaker_terms=read_csv(args.speaker_terms),
        speaker_themes=read_csv(args.speaker_themes),
        speakers_metrics=speakers,
        groups=group_section(read_csv(args.group_topics), read_csv(args.group_differences),
                             ingest, topics, speakers.get("prior_documents")),
    )
    out = Path(args.out_dir)
    write_text(out / "index.html", render_html(context))
    write_text(out / "report.md", render_markdown(context))
    log(f"report: wrote {out / 'index.html'} and {out / 'report.md'}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("ingest_metrics", "tokens_metrics", "model_metrics", "speakers_metrics",
                 "topics", "relevance", "doc_topics", "index", "documents", "speaker_topics",
                 "speaker_terms", "speaker_themes", "roster", "group_topics",
                 "group_differences", "charts", "out_dir"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
