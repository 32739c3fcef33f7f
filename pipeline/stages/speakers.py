"""Stage speakers: document topic shares -> shares per speaker, role and meeting, with CIs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.common.atomic import iter_jsonl, write_csv, write_metrics
from pipeline.common.io import (
    read_doc_topics,
    read_document_fields,
    read_index,
    read_json,
    topic_columns,
    topic_number,
)
from pipeline.common.progress import progress
from pipeline.model.themes import load_themes
from pipeline.speakers.coding import code_documents, coverage
from pipeline.speakers.distinctive import distinctive_terms
from pipeline.speakers.shares import aggregate_shares
from pipeline.stages._cli import log, run, stage_parser


def main(args, config) -> None:
    cfg = config.speakers
    doc_topics = read_doc_topics(args.doc_topics, read_index(args.index))
    fields = read_document_fields(args.documents, ("role", "speaker"))
    speaker_of = {doc_id: speaker for doc_id, (_, speaker) in fields.items()}
    doc_topics = doc_topics.assign(role=doc_topics["doc_id"].map(
        {doc_id: role for doc_id, (role, _) in fields.items()}))
    columns = topic_columns(doc_topics)
    # Each row names its topic (configs/topic_labels.yaml, else its top terms) for readers
    # of the table alone.
    label_of = {t["topic"]: t["label"] for t in read_json(args.topics)}
    outputs = {}
    groupings = (("speaker", args.speaker_topics), ("role", args.role_topics),
                 ("meeting", args.meeting_topics))
    for by, path in progress(groupings, desc="speakers: intervals", unit="table"):
        table = aggregate_shares(doc_topics, columns, by, cfg.n_bootstrap, cfg.ci,
                                 cfg.min_tokens, config.seed)
        table["topic"] = table["topic"].map(topic_number)
        table["topic_label"] = table["topic"].map(label_of)
        write_csv(Path(path), table)
        outputs[by] = table
    terms = {r["doc_id"]: r["terms"] for r in iter_jsonl(Path(args.tokens))}
    by_speaker: dict[str, list[str]] = {}
    for doc_id, words in terms.items():
        by_speaker.setdefault(speaker_of[doc_id], []).extend(words)
    speaker_of = pd.Series(speaker_of, name="speaker")
    write_csv(Path(args.speaker_terms), distinctive_terms(by_speaker))
    themes = load_themes(config.model.themes_file) if config.model.themes_file else []
    hits = code_documents(list(terms), list(terms.values()), themes)
    write_csv(Path(args.speaker_themes), coverage(hits, speaker_of))
    speakers = outputs["speaker"].drop_duplicates("speaker")
    low = sorted(speakers.loc[speakers["low_data"], "speaker"])
    # Speakers whose every document lost all its terms (only fillers, names, procedure).
    silent = sorted(set(speaker_of) - set(speakers["speaker"]))
    prevalence = (doc_topics[columns].mul(doc_topics["n_tokens"], axis=0).sum()
                  / doc_topics["n_tokens"].sum())
    topics = [topic_number(c) for c in columns]
    write_csv(Path(args.prevalence), pd.DataFrame({"topic": topics, "share": prevalence.values}),
              bom=False)
    write_metrics(Path(args.metrics), {
        "n_speakers": int(len(speakers)), "n_speakers_low_data": len(low),
        "speakers_low_data": low, "speakers_without_terms": silent,
        "min_tokens": cfg.min_tokens, "ci": cfg.ci,
        "n_bootstrap": cfg.n_bootstrap,
    })
    log(f"speakers: {len(speakers)} speakers, {len(low)} with under {cfg.min_tokens} tokens "
        f"(flagged, not ranked); no content words at all: {', '.join(silent) or 'none'}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("doc_topics", "topics", "index", "documents", "tokens", "speaker_topics",
                 "role_topics", "meeting_topics", "speaker_terms", "speaker_themes",
                 "prevalence", "metrics"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
