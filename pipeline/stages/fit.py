"""Stage fit: document-term matrix -> topics (doc shares, top terms) and quality metrics."""

from __future__ import annotations

import warnings
from pathlib import Path

from sklearn.exceptions import ConvergenceWarning

from pipeline.common.atomic import (
    write_csv,
    write_csv_blocks,
    write_files,
    write_json,
    write_metrics,
)
from pipeline.common.compute import capped_notes, executor, start_workers
from pipeline.common.io import (
    iter_documents_frames,
    read_documents_frame,
    read_index_columns,
    read_json,
    read_matrix,
    read_matrix_shape,
    read_terms,
)
from pipeline.model.artifact import model_files
from pipeline.model.core import DOC_FIELDS, FitInputs, FitJob, StreamedCorpus, fit_model, streams
from pipeline.model.themes import load_themes
from pipeline.model.topics import sample_rows
from pipeline.stages._cli import log, run, stage_parser


def read_inputs(args, config) -> FitInputs:
    """The fit's inputs; a corpus fitted online (core.streams) is held as the K sweep's
    sample rows only, its counts and documents read again when the final fit needs them."""
    cfg = config.model
    n_docs, _ = read_matrix_shape(args.dtm)
    index = read_index_columns(args.index)
    vocabulary = read_json(args.vocabulary)
    # The K sweep and every coherence figure use a fixed sample of the documents.
    rows = sample_rows(n_docs, cfg.sweep_max_docs, config.seed)
    sampled = len(rows) < n_docs
    texts = read_terms(args.tokens, index.doc_id[rows].tolist() if sampled else None,
                       set(vocabulary))
    if not streams(cfg, n_docs):
        return FitInputs(counts=read_matrix(args.dtm), vocabulary=vocabulary,
                         documents=read_documents_frame(args.documents, index.doc_id.tolist(),
                                                        DOC_FIELDS),
                         weights=index.weight, rows=rows, texts=texts)
    # The whole matrix only until its sample is taken: the sweep's workers are forked with
    # what this process holds.
    sample = read_matrix(args.dtm)[rows]
    doc_ids = index.doc_id
    return FitInputs(
        counts=sample, vocabulary=vocabulary,
        documents=read_documents_frame(args.documents, doc_ids[rows].tolist(), DOC_FIELDS),
        weights=index.weight, rows=rows, texts=texts,
        streamed=StreamedCorpus(
            n_docs, lambda: read_matrix(args.dtm),
            lambda block: iter_documents_frames(args.documents, doc_ids, DOC_FIELDS, block)))


def main(args, config) -> None:
    cfg = config.model
    for note in capped_notes(config.compute, cfg.n_jobs, "model.n_jobs"):
        log(f"fit: {note}")
    with executor(config.compute, cfg.n_jobs) as ex:
        # Before the inputs are read: forked at the sweep, the workers would map the index
        # and the sample's texts (400 MB at 300M characters).
        start_workers(ex)
        data = read_inputs(args, config)
        themes = tuple(t for t in load_themes(cfg.themes_file) if t.guides) \
            if cfg.themes_file else ()
        result = fit_model(FitJob(data, cfg, config.seed, themes), ex, log)
        # Written while the executor is open: a streamed fit places its blocks as they go.
        write_csv_blocks(Path(args.doc_topics), result.doc_topics, result.doc_topic_columns)
    write_json(Path(args.relevance), result.relevance)
    write_csv(Path(args.topic_terms), result.topic_terms)
    write_json(Path(args.topics), result.topics)
    write_metrics(Path(args.metrics), result.metrics)
    write_csv(Path(args.k_sweep), result.k_sweep, bom=False)
    write_files({Path(args.model) / name: data
                 for name, data in model_files(result.model).items()})
    for line in result.summary:
        log(line)


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    parser = stage_parser(__doc__)
    for name in ("dtm", "vocabulary", "index", "documents", "tokens", "doc_topics",
                 "topic_terms", "topics", "relevance", "metrics", "k_sweep", "model"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
