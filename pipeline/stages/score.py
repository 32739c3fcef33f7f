"""Stage score: new transcripts -> topic shares per document and per speaker on the fitted
model's topics (outputs/model), without fitting again.

    python -m pipeline.stages.score --config configs/pipeline.yaml --input new/minutes ...

or set score.input and run `dvc repro`. The new files are read with the ingest and tokens
settings of configs/pipeline.yaml; a topic named or merged in configs/topic_labels.yaml is
named and merged here too.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.common.atomic import write_csv, write_csv_header, write_json
from pipeline.common.io import read_json
from pipeline.ingest.core import doc_options, read_corpus, read_options
from pipeline.ingest.corpus import has_transcripts, shown_path
from pipeline.ingest.roster import parse_roster
from pipeline.speakers.score_columns import DOC_COLUMNS, MEETING_COLUMNS, SPEAKER_COLUMNS
from pipeline.stages._cli import log, run, stage_parser
from pipeline.tokenize.procedure import procedure_lexicon
from pipeline.tokenize.rules import parse_stopwords, shipped_stopwords


def main(args, config) -> None:
    source = args.input or config.score.input
    outputs = (Path(args.doc_topics), Path(args.speaker_topics), Path(args.summary),
               Path(args.meeting_topics))
    if not source or not has_transcripts(Path(source)):
        # Nothing to score (null, or the shipped empty folder): empty tables, so `dvc repro`
        # has its outputs and nothing is stale.
        write_csv_header(outputs[0], [*DOC_COLUMNS, "source_id"])
        write_csv_header(outputs[1], SPEAKER_COLUMNS)
        write_csv_header(outputs[3], MEETING_COLUMNS)
        write_json(outputs[2], {"input": None})
        log(f"score: score.input is {source or 'null'}: nothing to score")
        return
    # Imported only now: scoring needs scikit-learn, pandas and scipy.stats (over 1 s to
    # import), which a run with nothing to score (the default) does without.
    from pipeline.model.artifact import read_model
    from pipeline.speakers.scoring import FixedTopics, score_transcripts, with_meeting_names

    # The copy user_files made of ingest.roster (empty when null), as the ingest stage reads it.
    roster = parse_roster(Path(args.speakers_file).read_text(encoding="utf-8"),
                          config.ingest.roster or "")
    root = Path(source)
    corpus = read_corpus(root, read_options(config.ingest, roster),
                         doc_options(config.ingest, procedure_lexicon()), "score.input")
    tally = corpus.tally
    tally.check_something_to_model(source, config.ingest.exclude_speakers)
    stopwords = shipped_stopwords() | parse_stopwords(
        Path(args.stopwords).read_text(encoding="utf-8"))
    model = FixedTopics(read_model(Path(args.model)), read_json(args.topics))
    scored = score_transcripts(model, corpus.documents, tally.roster_rows(), stopwords, config)
    write_csv(outputs[0], scored.doc_topics)
    write_csv(outputs[1], scored.speaker_topics)
    write_csv(outputs[3], with_meeting_names(scored.meeting_topics, tally.titles, tally.dates))
    write_json(outputs[2], {"input": shown_path(source, root), **scored.metrics,
                            "files": [{**r.__dict__, "path": shown_path(r.path, root)}
                                      for r in tally.reports]})
    m = scored.metrics
    log(f"score: {len(tally.reports)} files, {m['n_documents_scored']} of {m['n_documents']} "
        f"documents scored by {m['n_speakers']} speakers; the model knows "
        f"{m['share_of_terms_known']:.0%} of their terms ({m['n_documents_procedural']} "
        f"procedural, {m['n_documents_without_known_terms']} without a known term)")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--input", help="transcripts to score (else score.input)")
    for name in ("model", "topics", "stopwords", "speakers_file", "doc_topics",
                 "speaker_topics", "summary", "meeting_topics"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
