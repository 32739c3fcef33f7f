"""Stage speakers: document topic shares -> shares per speaker (partially pooled), role,
meeting (with dates), speaker attribute (group_topics.csv) and meeting attribute
(meeting_attribute_topics.csv), group differences, with intervals; shares over time
(topic_time.csv, by report.time_bin)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.common.allocator import return_large_blocks
from pipeline.common.atomic import write_csv, write_csv_blocks, write_metrics
from pipeline.common.compute import capped_notes, executor, mapping, start_workers
from pipeline.common.io import (
    TOPIC_PREFIX,
    iter_index,
    iter_records,
    iter_table_blocks,
    read_document_table,
    read_header,
    read_index_columns,
    read_json,
    read_meeting_table,
    read_table,
    with_titles,
)
from pipeline.model.themes import load_themes
from pipeline.model.topic_tree import with_topic_names
from pipeline.speakers.core import SpeakerInputs, SpeakerTables, summarize
from pipeline.speakers.row_store import BLOCK_ROWS
from pipeline.speakers.shares import PARALLEL_MIN_DRAWS
from pipeline.speakers.stored import STREAM_MIN_DOCS, stored_doc_topics
from pipeline.speakers.term_counts import TermRecord, count_terms, term_tables
from pipeline.stages._cli import log, run, stage_parser

OUTPUTS = ("speaker_topics", "role_topics", "meeting_topics", "group_topics",
           "attribute_topics", "group_differences", "speaker_terms", "speaker_themes",
           "meeting_attribute_topics", "topic_time")


@contextmanager
def doc_topics_of(path: str, columns: list[str], n_tokens: pd.Series
                  ) -> Iterator[pd.DataFrame]:
    """doc_topics.csv with each document's n_tokens: whole for a corpus of fewer than
    STREAM_MIN_DOCS documents, else without its shares, which wait on disk in a temporary
    folder (TMPDIR; speakers/stored.py) until the block ends, also on an error."""
    if len(n_tokens) < STREAM_MIN_DOCS:
        doc_topics = read_table(path)
        yield doc_topics.assign(n_tokens=doc_topics["doc_id"].map(n_tokens))
        return
    ids = n_tokens.index.to_numpy()
    blocks = (with_tokens(b, n_tokens, ids)
              for b in iter_table_blocks(path, BLOCK_ROWS, ["doc_id", "meeting", "speaker",
                                                            *columns]))
    with stored_doc_topics(blocks, columns) as doc_topics:
        yield doc_topics


def with_tokens(block: pd.DataFrame, n_tokens: pd.Series, ids: np.ndarray) -> pd.DataFrame:
    """A block of doc_topics.csv with each document's n_tokens, its doc_ids the index's own
    strings (`ids`, n_tokens' index as an array): a string per document held once, not once
    per file read (60 bytes a document)."""
    at = n_tokens.index.get_indexer(block["doc_id"])
    if (at < 0).any():  # a document the index lacks: NaN tokens, as the map gives it
        return block.assign(n_tokens=block["doc_id"].map(n_tokens))
    return block.assign(doc_id=pd.array(ids[at], dtype=block["doc_id"].dtype),
                        n_tokens=n_tokens.to_numpy()[at])


def write_tables(args, tables: SpeakerTables, topics: list[dict], titles: dict[str, str]
                 ) -> None:
    """Every table of OUTPUTS. Each row names its topic (configs/topic_labels.yaml, else its
    label words) and the topic's group for readers of the table alone; meeting_topics has
    the meetings' titles, as people name them, beside the ids."""
    def named(table: pd.DataFrame, name: str) -> pd.DataFrame:
        if "topic" in table.columns:
            table = with_topic_names(table, topics)
        return with_titles(table, titles) if name == "meeting_topics" else table

    for name in OUTPUTS:
        path = Path(getattr(args, name))
        if name == "meeting_topics" and tables.meeting_blocks is not None:
            empty = named(tables.meeting_topics, name)
            write_csv_blocks(path, (named(b, name) for b in tables.meeting_blocks),
                             list(empty.columns))
        else:
            write_csv(path, named(getattr(tables, name), name))


def summarized(args, config, n_tokens: pd.Series) -> SpeakerTables:
    """Every table, from the inputs, written (meeting_topics of a large corpus is made as it
    is written, while the shares are on disk) but for the prevalence and metrics."""
    columns = [c for c in read_header(args.doc_topics) if c.startswith(TOPIC_PREFIX)]
    # Its doc_ids the index's own strings: one string per document in the stage, not two.
    documents = read_document_table(args.documents, n_tokens.index)
    themes = load_themes(config.model.themes_file) if config.model.themes_file else []
    # Counted as tokens.jsonl streams by: no list of terms per document is held; only the
    # tables of the counts are kept.
    terms = term_tables(count_terms(
        (TermRecord(r["doc_id"], r["terms"], bool(r.get("procedural")))
         for r in iter_records(args.tokens)),
        dict(zip(documents["doc_id"], documents["speaker"], strict=True)), themes))
    meetings = read_meeting_table(args.meetings)
    with doc_topics_of(args.doc_topics, columns, n_tokens) as doc_topics:
        tables = summarize(SpeakerInputs(doc_topics, documents, columns,
                                         {}, themes, list(config.ingest.columns.attributes),
                                         frozenset(), meetings, config.report.time_bin,
                                         term_tables=terms),
                           config.speakers, config.seed)
        write_tables(args, tables, read_json(args.topics),
                     dict(zip(meetings["meeting"], meetings["title"], strict=True)))
    return tables


# Past this many documents the stage's memory, not its CPU, is what runs short: freed large
# blocks go back to the system (at small 300M, 628k documents: tree peak 1,019 -> 891 MB),
# for page faults that cost 19% of the stage's CPU at 30M, where memory is no concern.
RETURN_BLOCKS_MIN_DOCS = 100_000


def main(args, config) -> None:
    cfg = config.speakers
    for note in capped_notes(config.compute, cfg.n_jobs, "speakers.n_jobs"):
        log(f"speakers: {note}")
    # The documents counted, not held, until the workers have started (below).
    n_docs = sum(1 for _ in iter_index(args.index))
    if n_docs >= RETURN_BLOCKS_MIN_DOCS:
        # Before the workers fork, so theirs is set too: the bootstrap makes and frees
        # arrays of a few MB for minutes, and the heap kept the holes (common/allocator.py).
        return_large_blocks()
    # The bootstrap's batches of groups run on the executor (compute.parallel_map).
    with executor(config.compute, cfg.n_jobs, n_docs * cfg.n_bootstrap,
                  PARALLEL_MIN_DRAWS) as ex, mapping(ex):
        # Before the documents and the index are read: started at the first bootstrap, each
        # worker would map every row the stage holds by then and copy the pages it touches.
        start_workers(ex)
        index = read_index_columns(args.index)
        tables = summarized(args, config, pd.Series(index.n_tokens, index=index.doc_id))
        log(f"speakers: bootstrap of roles and meetings in {ex.describe()}")
    write_csv(Path(args.prevalence), tables.prevalence, bom=False)
    write_metrics(Path(args.metrics), tables.metrics)
    m = tables.metrics
    log(f"speakers: {m['n_speakers']} speakers (pooled toward the corpus with the weight of "
        f"{m['prior_documents']:.1f} documents), {m['n_speakers_low_data']} with under "
        f"{cfg.min_tokens} tokens (flagged, not ranked); no content words at all: "
        f"{', '.join(m['speakers_without_terms']) or 'none'}; attributes: "
        f"{m['attributes'] or 'none'}; meeting attributes: "
        f"{m['meeting_attributes'] or 'none'}; over time: by {m['time_bin']}, "
        f"{m['n_time_bins']} bin(s) ({m['n_meetings_undated_in_time']} undated meetings "
        f"left out); procedure only (no topic mix shown): "
        f"{', '.join(m['speakers_procedural']) or 'none'}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("doc_topics", "topics", "index", "documents", "tokens", "meetings", *OUTPUTS,
                 "prevalence", "metrics"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
