"""Stage label: names and merges from configs/topic_labels.yaml applied to the fit's tables,
and the topics' groups (two levels of topics).

Its own stage, after fit: editing the labels file reruns this and the stages after it (tables,
charts, report), never the fit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.common.atomic import write_csv, write_csv_blocks, write_json
from pipeline.common.config import read_yaml
from pipeline.common.io import (
    iter_table_blocks,
    read_header,
    read_json,
    read_table,
    topic_column,
)
from pipeline.model.artifact import read_model
from pipeline.model.topic_labels import (
    FitTables,
    apply_topic_labels,
    merge_groups,
    merged_doc_topics,
    parse_topic_labels,
)
from pipeline.model.topic_tree import group_topics, topic_table, with_parents
from pipeline.stages._cli import log, run, stage_parser

BLOCK_ROWS = 5_000  # doc_topics.csv's rows held at once: each cell becomes a string to write


def main(args, config) -> None:
    labels = parse_topic_labels(read_yaml(args.labels, "topic labels"), args.labels)
    saved = read_model(Path(args.model), scoring=False)
    # doc_topics.csv goes through in blocks of rows (below): the names and merges need none.
    header = read_header(args.fit_doc_topics)
    fit = FitTables(
        doc_topics=pd.DataFrame(columns=header),
        topic_terms=read_table(args.fit_topic_terms), topics=read_json(args.fit_topics),
        relevance=read_json(args.fit_relevance), components=saved.arrays["components"],
        term_share=saved.arrays["term_share"], vocabulary=saved.vocabulary)
    result = apply_topic_labels(fit, labels, config.model.relevance_lambda,
                                config.model.n_top_terms, args.labels)
    # The groups are of the topics as named and merged, so a merge never splits a group.
    groups = group_topics(result.phi, result.topics, fit.term_share, fit.vocabulary,
                          config.model.relevance_lambda)
    topics = with_parents(result.topics, groups)
    merges = merge_groups(labels, [t["topic"] for t in fit.topics])
    write_csv_blocks(Path(args.doc_topics),
                     (merged_doc_topics(block, merges)
                      for block in iter_table_blocks(args.fit_doc_topics, BLOCK_ROWS)),
                     [c for c in header if c not in
                      {topic_column(t) for g in merges for t in g[1:]}])
    write_csv(Path(args.topic_terms), result.topic_terms)
    write_json(Path(args.topics), topics)
    write_csv(Path(args.topic_table), topic_table(topics))
    write_json(Path(args.relevance), result.relevance)
    write_json(Path(args.notes), {"warnings": result.warnings})
    for line in [f"label: warning: {w}" for w in result.warnings] + result.summary:
        log(line)


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("labels", "model", "fit_doc_topics", "fit_topic_terms", "fit_topics",
                 "fit_relevance", "doc_topics", "topic_terms", "topics", "topic_table",
                 "relevance", "notes"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
