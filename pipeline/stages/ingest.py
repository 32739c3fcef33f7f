"""Stage ingest: transcripts -> turns table, documents, roster, ingest metrics."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from pipeline.atomic import write_csv, write_json, write_jsonl, write_metrics
from pipeline.corpus import ReadOptions, read_corpus
from pipeline.documents import make_documents
from pipeline.errors import PipelineError
from pipeline.stages._cli import log, run, stage_parser
from pipeline.tables import Columns


def turns_table(turns, modelled: set[tuple[str, int]]) -> pd.DataFrame:
    """One row per turn, all turns: the table a user checks against their file."""
    return pd.DataFrame(
        [{
            "meeting": t.meeting, "turn": t.turn, "speaker_label": t.speaker_label,
            "speaker": t.speaker, "role": t.role, "text": t.text, "n_chars": len(t.text),
            "start": t.start, "end": t.end, "directions": " ".join(t.directions),
            "source_id": t.source_id, "date": t.date,
            "modelled": (t.meeting, t.turn) in modelled,
        } for t in turns],
        columns=["meeting", "turn", "speaker_label", "speaker", "role", "text", "n_chars",
                 "start", "end", "directions", "source_id", "date", "modelled"],
    )


def main(args, config) -> None:
    cfg = config.ingest
    options = ReadOptions(
        style=cfg.style, encoding=cfg.encoding, aliases=tuple(sorted(cfg.aliases.items())),
        fold_old=cfg.fold_old_kanji, columns=Columns(**cfg.columns.model_dump()),
        exclude_rows=tuple(sorted((k, tuple(v)) for k, v in cfg.exclude_rows.items())),
    )
    turns, reports, skipped = read_corpus(Path(args.input), options)
    docs = make_documents(turns, cfg.unit, cfg.sentences_per_doc, cfg.max_doc_chars,
                          frozenset(cfg.exclude_speakers), cfg.speaker_weights)
    speech = [t for t in turns if t.turn > 0]
    if not docs:
        reason = ("every speaker is in ingest.exclude_speakers" if speech and all(
            t.speaker in cfg.exclude_speakers for t in speech) else "the turns hold no speech")
        raise PipelineError(f"{args.input}: {len(speech)} speaker tags found but nothing to "
                            f"model: {reason}")
    modelled = {(d.meeting, d.turn) for d in docs}
    not_modelled = Counter()
    for t in speech:
        if t.speaker in cfg.exclude_speakers:
            not_modelled["excluded_speaker"] += 1
        elif not t.paragraphs:
            not_modelled["empty"] += 1
    roster = sorted({(t.speaker, t.speaker_label, t.role) for t in speech})
    metrics = {
        "n_files": len(reports),
        "n_meetings": len({t.meeting for t in speech}),
        "n_turns": len(speech),
        "n_speakers": len({t.speaker for t in speech}),
        "n_documents": len(docs),
        "n_chars": sum(len(t.text) for t in speech),
        "unattributed_chars": sum(len(t.text) for t in turns if t.turn == 0),
        "turns_not_modelled": dict(sorted(not_modelled.items())),
        "rows_skipped": dict(sorted(skipped.items())),
        "files": [r.__dict__ for r in reports],
    }
    write_csv(Path(args.turns), turns_table(turns, modelled))
    write_jsonl(Path(args.documents), [d.to_record() for d in docs])
    write_json(Path(args.roster), [
        {"speaker": s, "speaker_label": label, "role": role} for s, label, role in roster
    ])
    write_metrics(Path(args.metrics), metrics)
    for r in reports:
        log(f"ingest: {r.path}: {r.encoding}, style {r.style}, {r.n_turns} turns")
    log(f"ingest: {len(speech)} turns by {metrics['n_speakers']} speakers -> "
        f"{len(docs)} documents ({cfg.unit}); turns not modelled: {dict(not_modelled) or 'none'}"
        f"; table rows skipped: {dict(skipped) or 'none'}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--input", required=True)
    parser.add_argument("--turns", required=True)
    parser.add_argument("--documents", required=True)
    parser.add_argument("--roster", required=True)
    parser.add_argument("--metrics", required=True)
    run(main, parser)
