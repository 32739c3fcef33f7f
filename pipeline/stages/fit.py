"""Stage fit: document-term matrix -> topics (doc shares, top terms) and quality metrics."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from pipeline.common.atomic import write_csv, write_files, write_json, write_metrics
from pipeline.common.compute import capped_notes, executor
from pipeline.common.io import (
    read_documents_frame,
    read_index,
    read_json,
    read_matrix,
    read_terms,
)
from pipeline.model.artifact import model_files
from pipeline.model.core import DOC_FIELDS, FitInputs, FitJob, fit_model
from pipeline.model.themes import load_themes
from pipeline.model.topics import sample_rows
from pipeline.stages._cli import log, run, stage_parser


def main(args, config) -> None:
    cfg = config.model
    counts = read_matrix(args.dtm)
    index = read_index(args.index)
    vocabulary = read_json(args.vocabulary)
    # The K sweep and every coherence figure use a fixed sample of the documents.
    rows = sample_rows(counts.shape[0], cfg.sweep_max_docs, config.seed)
    sampled = len(rows) < counts.shape[0]
    data = FitInputs(
        counts=counts, vocabulary=vocabulary,
        documents=read_documents_frame(args.documents, index, DOC_FIELDS),
        weights=np.array([d.get("weight", 1.0) for d in index]), rows=rows,
        texts=read_terms(args.tokens, [index[r]["doc_id"] for r in rows] if sampled else None,
                         set(vocabulary)))
    themes = tuple(t for t in load_themes(cfg.themes_file) if t.guides) if cfg.themes_file \
        else ()
    for note in capped_notes(config.compute, cfg.n_jobs, "model.n_jobs"):
        log(f"fit: {note}")
    with executor(config.compute, cfg.n_jobs) as ex:
        result = fit_model(FitJob(data, cfg, config.seed, themes), ex, log)
    write_json(Path(args.relevance), result.relevance)
    write_csv(Path(args.doc_topics), result.doc_topics)
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
