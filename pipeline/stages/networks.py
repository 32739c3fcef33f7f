"""Stage networks: terms per document -> a co-occurrence network of the most used terms and
a correspondence-analysis biplot of speakers × terms (KH Coder's maps), as PNG charts.

The documents stream by in blocks (doc_topics.csv's rows with their terms from tokens.jsonl,
and their attribute from documents.jsonl where report.ca_rows names one), twice: once to
count every term, once to mark the network's terms. Only counts are held, never a list per
document: the stage's memory follows the vocabulary and the rows of the map, not the corpus.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.common.atomic import write_files
from pipeline.common.compute import capped_notes, executor, mapping
from pipeline.common.errors import PipelineError
from pipeline.common.io import (
    DOCUMENT_FIELDS,
    iter_records,
    iter_table_blocks,
    read_header,
    read_json,
    topic_number,
)
from pipeline.report import network_counts
from pipeline.report.figure_files import figure_png
from pipeline.report.network_counts import PARALLEL_MIN_TOKENS, TermBlock, mark_terms, tally_blocks
from pipeline.report.networks import (
    ca_biplot,
    network_chart,
    network_of,
    term_table_of,
    top_terms,
)
from pipeline.speakers.attribute_names import NO_VALUE
from pipeline.stages._cli import log, run, stage_parser
from pipeline.stages.charts import draw

# tokens.jsonl holds about 20 bytes per term (a term, its quotes and separator; the
# bundled meeting 19): its size tells the executor rule the modelled tokens ahead of reading.
BYTES_PER_TOKEN = 20


@dataclass(frozen=True)
class DocBlock:
    """A block of doc_topics.csv's documents: their modelled terms, their rows' labels in
    the correspondence analysis, and their topic shares (documents × topics)."""

    doc_terms: list[list[str]]
    labels: list[str]
    shares: np.ndarray


def main(args, config) -> None:
    columns = [c for c in read_header(args.doc_topics) if c.startswith("topic_")]
    topics = read_json(args.topics)
    for note in capped_notes(config.compute, config.report.n_jobs, "report.n_jobs"):
        log(f"networks: {note}")
    # The counts run by blocks of documents on the executor (report/network_counts.py).
    work = os.path.getsize(args.tokens) / BYTES_PER_TOKEN
    with executor(config.compute, config.report.n_jobs, work, PARALLEL_MIN_TOKENS) as ex, \
            mapping(ex):
        tally = tally_blocks(TermBlock(b.doc_terms, b.labels)
                             for b in doc_blocks(args, columns, config.report.ca_rows))
        require_rows(tally.labels, config.report.ca_rows)
        terms = top_terms(tally)
        marks = mark_terms(((b.doc_terms, b.shares) for b in doc_blocks(args, columns, None)),
                           terms, len(columns))
        log(f"networks: counted in {ex.describe()}")
    network = network_of(terms, marks, [topic_number(c) for c in columns])
    table = term_table_of(tally, config.speakers.min_tokens)
    out = Path(args.out_dir)
    files = {out / f"{name}.png": draw(name, make, {"png": figure_png})["png"]
             for name, make in (
                 ("cooccurrence_network", lambda: network_chart(network, topics, config.seed)),
                 ("speaker_term_ca", lambda: ca_biplot(table, config.report.ca_rows)))}
    write_files(files)
    log(f"networks: {len(network.edges)} co-occurrences among {len(network.terms)} terms; "
        f"correspondence analysis of {table.shape[0]} {config.report.ca_rows} × "
        f"{table.shape[1]} terms")


def doc_blocks(args, columns: list[str], rows: str | None) -> Iterator[DocBlock]:
    """doc_topics.csv's documents in blocks of network_counts.BLOCK_DOCS, in its order, each
    with its terms (those of vocabulary.json) and its label of `rows` (report.ca_rows;
    None: no labels). tokens.jsonl and documents.jsonl hold every document in the order
    doc_topics.csv lists the modelled ones: each is read alongside, once."""
    vocabulary = frozenset(read_json(args.vocabulary))
    tokens = iter_records(args.tokens)
    documents = iter_records(args.documents) if rows not in (None, "speaker", "meeting") \
        else None
    for block in iter_table_blocks(args.doc_topics, network_counts.BLOCK_DOCS):
        ids = block["doc_id"].tolist()
        doc_terms = [[w for w in r["terms"] if w in vocabulary]
                     for r in aligned(tokens, ids, args.tokens)]
        if rows is None:
            labels = [""] * len(ids)
        elif documents is None:
            labels = [str(v) for v in block[rows]]
        else:
            labels = [attribute_label(r, rows) for r in aligned(documents, ids, args.documents)]
        yield DocBlock(doc_terms, labels, block[columns].to_numpy())


def require_rows(labels, rows: str) -> None:
    """An attribute of report.ca_rows that no document has is one line, not an empty map."""
    if rows not in ("speaker", "meeting") and not any(labels):
        raise PipelineError(f"report.ca_rows: no document has the attribute {rows!r}; use "
                            "speaker, meeting or an attribute of ingest.columns.attributes")


def aligned(records: Iterator[dict], doc_ids: list[str], path: str) -> list[dict]:
    """The records of doc_ids, read on from where the last block stopped."""
    found = []
    for doc_id in doc_ids:
        for record in records:
            if record["doc_id"] == doc_id:
                found.append(record)
                break
        else:
            raise PipelineError(f"{path}: no document {doc_id} of doc_topics.csv (in its "
                                "order): the two are from different runs; rerun `dvc repro`")
    return found


def attribute_label(document: dict, rows: str) -> str:
    """A document's row in the correspondence analysis by attribute `rows` (as the document
    table names it: attribute_date for an attribute named like a base field); documents
    without one (empty, or （なし）: officials have no 会派) are left out (an empty label)."""
    if rows in DOCUMENT_FIELDS:
        value = document.get(rows)
    else:
        name = rows.removeprefix("attribute_")
        value = (document.get("attributes") or {}).get(
            name if rows.startswith("attribute_") and name in DOCUMENT_FIELDS else rows)
    text = "" if value is None else str(value)
    return text if text and text not in NO_VALUE else ""


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("doc_topics", "vocabulary", "tokens", "topics", "documents",
                 "out_dir"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
