"""Stage fit: document-term matrix -> topics (doc shares, top terms) and quality metrics."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from pipeline.common.atomic import iter_jsonl, write_csv, write_files, write_json, write_metrics
from pipeline.common.compute import executor
from pipeline.common.errors import PipelineError
from pipeline.common.io import read_document_fields, read_index, read_json
from pipeline.model.artifact import model_files
from pipeline.model.core import DOC_FIELDS, FitInputs, fit_model
from pipeline.model.themes import load_themes
from pipeline.model.topics import sample_rows
from pipeline.stages._cli import log, run, stage_parser


def _read_texts(path: Path, doc_ids: list[str] | None, vocabulary: set[str]) -> list[list[str]]:
    """The modelled terms of the given documents, in that order, streamed from tokens.jsonl;
    doc_ids None: of every document there, in file order, including those the matrix dropped
    (they have no modelled term, but gensim counts them as empty windows)."""
    if doc_ids is None:
        return [[w for w in r["terms"] if w in vocabulary] for r in iter_jsonl(path)]
    position = {d: i for i, d in enumerate(doc_ids)}
    texts: list[list[str] | None] = [None] * len(doc_ids)
    for record in iter_jsonl(path):
        i = position.get(record["doc_id"])
        if i is not None:
            texts[i] = [w for w in record["terms"] if w in vocabulary]
    missing = [d for d, t in zip(doc_ids, texts, strict=True) if t is None]
    if missing:
        raise PipelineError(f"{path}: no terms for document {missing[0]} of the matrix "
                            f"({len(missing)} missing); run dvc repro to rebuild it")
    return texts


def _read_documents(path: Path, index: list[dict]) -> pd.DataFrame:
    """doc_id and DOC_FIELDS of each document of the matrix, in its row order."""
    docs = read_document_fields(path, DOC_FIELDS, {d["doc_id"] for d in index})
    return pd.DataFrame([(d["doc_id"], *docs[d["doc_id"]]) for d in index],
                        columns=["doc_id", *DOC_FIELDS])


def main(args, config) -> None:
    cfg = config.model
    counts = sp.load_npz(args.dtm)
    index = read_index(args.index)
    vocabulary = read_json(args.vocabulary)
    # The K sweep and every coherence figure use a fixed sample of the documents.
    rows = sample_rows(counts.shape[0], cfg.sweep_max_docs, config.seed)
    sampled = len(rows) < counts.shape[0]
    data = FitInputs(
        counts=counts, vocabulary=vocabulary,
        documents=_read_documents(Path(args.documents), index),
        weights=np.array([d.get("weight", 1.0) for d in index]), rows=rows,
        texts=_read_texts(Path(args.tokens), [index[r]["doc_id"] for r in rows] if sampled
                          else None, set(vocabulary)))
    themes = [t for t in load_themes(cfg.themes_file) if t.guides] if cfg.themes_file else []
    with executor(config.compute, cfg.n_jobs) as ex:
        result = fit_model(data, themes, cfg, config.seed, ex, log)
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
