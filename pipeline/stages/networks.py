"""Stage networks: terms per document -> a co-occurrence network of the most used terms and
a correspondence-analysis biplot of speakers × terms (KH Coder's maps), as PNG charts."""

from __future__ import annotations

from pathlib import Path

from pipeline.common.atomic import write_files
from pipeline.common.compute import capped_notes, executor, mapping
from pipeline.common.errors import PipelineError
from pipeline.common.io import (
    iter_records,
    read_doc_topics,
    read_document_table,
    read_index,
    read_json,
    topic_columns,
    topic_number,
)
from pipeline.report.figure_files import figure_png
from pipeline.report.network_counts import PARALLEL_MIN_TOKENS
from pipeline.report.networks import (
    ca_biplot,
    cooccurrence_network,
    network_chart,
    speaker_term_table,
)
from pipeline.speakers.attribute_names import NO_VALUE
from pipeline.stages._cli import log, run, stage_parser
from pipeline.stages.charts import draw


def main(args, config) -> None:
    doc_topics = read_doc_topics(args.doc_topics, read_index(args.index))
    vocabulary = set(read_json(args.vocabulary))
    # The modelled terms of the modelled documents, in doc_topics.csv's order.
    terms = {r["doc_id"]: [w for w in r["terms"] if w in vocabulary]
             for r in iter_records(args.tokens)}
    doc_terms = [terms[d] for d in doc_topics["doc_id"]]
    columns = topic_columns(doc_topics)
    topics = read_json(args.topics)
    labels = ca_row_labels(args, doc_topics, config.report.ca_rows)
    for note in capped_notes(config.compute, config.report.n_jobs, "report.n_jobs"):
        log(f"networks: {note}")
    # The counts run by blocks of documents on the executor (report/network_counts.py).
    with executor(config.compute, config.report.n_jobs, sum(map(len, doc_terms)),
                  PARALLEL_MIN_TOKENS) as ex, mapping(ex):
        network = cooccurrence_network(doc_terms, doc_topics[columns].to_numpy(),
                                       [topic_number(c) for c in columns])
        table = speaker_term_table(doc_terms, labels, config.speakers.min_tokens)
        log(f"networks: counted in {ex.describe()}")
    out = Path(args.out_dir)
    files = {out / f"{name}.png": draw(name, make, {"png": figure_png})["png"]
             for name, make in (
                 ("cooccurrence_network", lambda: network_chart(network, topics, config.seed)),
                 ("speaker_term_ca", lambda: ca_biplot(table, config.report.ca_rows)))}
    write_files(files)
    log(f"networks: {len(network.edges)} co-occurrences among {len(network.terms)} terms; "
        f"correspondence analysis of {table.shape[0]} {config.report.ca_rows} × "
        f"{table.shape[1]} terms")


def ca_row_labels(args, doc_topics, rows: str) -> list[str]:
    """Each modelled document's row in the correspondence analysis: its speaker, its meeting
    or its speaker's attribute (report.ca_rows); documents without the attribute (empty, or
    （なし）: officials have no 会派) are left out (an empty label)."""
    if rows in ("speaker", "meeting"):
        return [str(v) for v in doc_topics[rows]]
    table = read_document_table(args.documents).set_index("doc_id")
    values = list(table[rows].reindex(doc_topics["doc_id"]).fillna("")) \
        if rows in table.columns else []
    labels = [str(v) if v and str(v) not in NO_VALUE else "" for v in values]
    if not any(labels):
        raise PipelineError(f"report.ca_rows: no document has the attribute {rows!r}; use "
                            "speaker, meeting or an attribute of ingest.columns.attributes")
    return labels


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("doc_topics", "index", "vocabulary", "tokens", "topics", "documents",
                 "out_dir"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
