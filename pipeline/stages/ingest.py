"""Stage ingest: transcripts -> turns table, documents, roster, ingest metrics."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from pipeline.atomic import write_csv, write_json, write_jsonl
from pipeline.corpus import read_corpus
from pipeline.stages._cli import log, run, stage_parser


def turns_table(turns, modelled: set[tuple[str, int]]) -> pd.DataFrame:
    """One row per turn, all turns: the table a user checks against their file."""
    return pd.DataFrame(
        [{
            "meeting": t.meeting, "turn": t.turn, "speaker_label": t.speaker_label,
            "speaker": t.speaker, "role": t.role, "text": t.text, "n_chars": len(t.text),
            "start": t.start, "end": t.end, "directions": " ".join(t.directions),
            "modelled": (t.meeting, t.turn) in modelled,
        } for t in turns],
        columns=["meeting", "turn", "speaker_label", "speaker", "role", "text", "n_chars",
                 "start", "end", "directions", "modelled"],
    )


def main(args, config) -> None:
    cfg = config.ingest
    turns, docs, reports = read_corpus(
        Path(args.input), style=cfg.style, encoding=cfg.encoding, aliases=cfg.aliases,
        unit=cfg.unit, sentences_per_doc=cfg.sentences_per_doc, max_chars=cfg.max_doc_chars,
        exclude_speakers=frozenset(cfg.exclude_speakers),
    )
    speech = [t for t in turns if t.turn > 0]
    modelled = {(d.meeting, d.turn) for d in docs}
    skipped = Counter()
    for t in speech:
        if t.speaker in cfg.exclude_speakers:
            skipped["excluded_speaker"] += 1
        elif not t.paragraphs:
            skipped["empty"] += 1
    roster = sorted({(t.speaker, t.speaker_label, t.role) for t in speech})
    metrics = {
        "n_files": len(reports),
        "n_meetings": len({t.meeting for t in speech}),
        "n_turns": len(speech),
        "n_speakers": len({t.speaker for t in speech}),
        "n_documents": len(docs),
        "n_chars": sum(len(t.text) for t in speech),
        "unattributed_chars": sum(len(t.text) for t in turns if t.turn == 0),
        "turns_not_modelled": dict(sorted(skipped.items())),
        "files": [r.__dict__ for r in reports],
    }
    write_csv(Path(args.turns), turns_table(turns, modelled))
    write_jsonl(Path(args.documents), [d.to_record() for d in docs])
    write_json(Path(args.roster), [
        {"speaker": s, "speaker_label": label, "role": role} for s, label, role in roster
    ])
    write_json(Path(args.metrics), metrics)
    for r in reports:
        log(f"ingest: {r.path}: {r.encoding}, style {r.style}, {r.n_turns} turns")
    log(f"ingest: {len(speech)} turns by {metrics['n_speakers']} speakers -> "
        f"{len(docs)} documents ({cfg.unit}); not modelled: {dict(skipped) or 'none'}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--input", required=True)
    parser.add_argument("--turns", required=True)
    parser.add_argument("--documents", required=True)
    parser.add_argument("--roster", required=True)
    parser.add_argument("--metrics", required=True)
    run(main, parser)
