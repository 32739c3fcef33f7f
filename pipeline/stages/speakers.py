"""Stage speakers: document topic shares -> shares per speaker, role and meeting, with CIs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.atomic import read_jsonl, write_csv, write_json
from pipeline.shares import aggregate_shares
from pipeline.stages._cli import log, run, stage_parser


def main(args, config) -> None:
    cfg = config.speakers
    doc_topics = pd.read_csv(args.doc_topics, encoding="utf-8-sig", keep_default_na=False)
    index = json.loads(Path(args.index).read_text(encoding="utf-8"))
    roles = {d["doc_id"]: d["role"] for d in read_jsonl(Path(args.documents))}
    n_tokens = {d["doc_id"]: d["n_tokens"] for d in index}
    doc_topics = doc_topics.assign(
        n_tokens=doc_topics["doc_id"].map(n_tokens), role=doc_topics["doc_id"].map(roles))
    columns = [c for c in doc_topics.columns if c.startswith("topic_")]
    outputs = {}
    for by, path in (("speaker", args.speaker_topics), ("role", args.role_topics),
                     ("meeting", args.meeting_topics)):
        table = aggregate_shares(doc_topics, columns, by, cfg.n_bootstrap, cfg.ci,
                                 cfg.min_tokens, config.seed)
        table["topic"] = table["topic"].str.removeprefix("topic_").astype(int)
        write_csv(Path(path), table)
        outputs[by] = table
    speakers = outputs["speaker"].drop_duplicates("speaker")
    low = sorted(speakers.loc[speakers["low_data"], "speaker"])
    prevalence = (doc_topics[columns].mul(doc_topics["n_tokens"], axis=0).sum()
                  / doc_topics["n_tokens"].sum())
    topics = [int(c.removeprefix("topic_")) for c in columns]
    write_csv(Path(args.prevalence), pd.DataFrame({"topic": topics, "share": prevalence.values}),
              bom=False)
    write_json(Path(args.metrics), {
        "n_speakers": int(len(speakers)), "n_speakers_low_data": len(low),
        "speakers_low_data": low, "min_tokens": cfg.min_tokens, "ci": cfg.ci,
        "n_bootstrap": cfg.n_bootstrap,
    })
    log(f"speakers: {len(speakers)} speakers, {len(low)} with under {cfg.min_tokens} tokens "
        "(flagged, not ranked)")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    for name in ("doc_topics", "index", "documents", "speaker_topics", "role_topics",
                 "meeting_topics", "prevalence", "metrics"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
