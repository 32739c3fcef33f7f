"""Issue 14 on Diet records: labels split into people, group tables, dates, bootstrap speed.

For the NDL speech-record layout (`speeches.jsonl`, as in `../shared/corpora/diet-dev`),
given by path, never copied here:

- **labels**: the speeches written back as text minutes (one file per meeting, each speech
  opening with its `○label　` tag, as the minutes print it), read by the text reader; each
  turn's speaker from the label is compared with the record's full name (`speaker` column):
  distinct speakers, and turns whose speaker is not a prefix of the full name (an office
  glued to the name: `遠藤都市整備局…`), before (`--ref`, default `main`) and after;
- **outputs** (`--outputs DIR`, a `dvc repro` of the corpus with the shipped settings):
  rows of group_topics.csv against groups × topics, intervals, meetings in date order;
- **speed**: the per-speaker bootstrap before (`aggregate_shares`, a Python loop over
  speakers) and after (pooled shares + `owner_intervals`, all speakers in sparse products),
  and the two-level group bootstrap, on the run's own doc_topics (if given) and on a
  synthetic corpus of 100,000 documents by 5,000 speakers.

    python -m benchmarks.speakers_groups --corpus ../shared/corpora/diet-dev \
        [--outputs /tmp/run/outputs] [--ref main]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import types
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.common.config import SpeakersConfig  # noqa: E402
from pipeline.ingest import speaker_labels  # noqa: E402
from pipeline.ingest.corpus import (  # noqa: E402
    ReadOptions,
    find_transcripts,
    meeting_id,
    read_file,
)
from pipeline.ingest.transcripts import fold  # noqa: E402
from pipeline.speakers.core import speaker_table  # noqa: E402
from pipeline.speakers.groups import SharedDocs, group_samples  # noqa: E402
from pipeline.speakers.shares import aggregate_shares  # noqa: E402


def old_splitter(ref: str):
    """split_speaker as it was at git revision `ref`."""
    source = subprocess.run(["git", "-C", str(ROOT), "show",
                             f"{ref}:pipeline/ingest/speaker_labels.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("old_speaker_labels")
    exec(compile(source, "old_speaker_labels", "exec"), module.__dict__)  # noqa: S102
    return module.split_speaker


def labels(corpus: Path, ref: str) -> dict:
    records = [json.loads(line) for line in (corpus / "speeches.jsonl").open(encoding="utf-8")]
    speeches = [r for r in records if r.get("kind") != "header"]
    by_meeting = defaultdict(list)
    for r in speeches:
        by_meeting[r["issueID"]].append(r)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for issue, rows in by_meeting.items():
            (folder / f"{issue}.txt").write_text(
                "\n".join(r["speech"].replace("\r\n", "\n") for r in rows), encoding="utf-8")
        # The turns as read (before speakers are unified), file by file.
        turns = [t for p in find_transcripts(folder)
                 for t in read_file(p, meeting_id(p, folder), ReadOptions()).turns]
    turns = [t for t in turns if t.turn > 0]
    full = {(m, i + 1): fold(r["speaker"]).replace(" ", "").replace("\u3000", "")
            for m, rows in by_meeting.items() for i, r in enumerate(rows)}
    split_old = old_splitter(ref)
    out = {"n_speech_records": len(speeches), "n_turns_read_from_text": len(turns),
           "n_full_names": len({v for v in full.values()})}
    for name, split in (("before", split_old), ("after", speaker_labels.split_speaker)):
        speakers = [split(fold(t.speaker_label))[0] for t in turns]
        wrong = [(t.speaker_label, s) for t, s in zip(turns, speakers, strict=True)
                 if not full.get((t.meeting, t.turn), "").startswith(s.split("(")[0])]
        out[name] = {
            "n_speakers": len(set(speakers)),
            "n_speakers_per_meeting": len({(t.meeting, s) for t, s in
                                           zip(turns, speakers, strict=True)}),
            "n_turns_speaker_not_the_person": len(wrong),
            "examples": sorted(set(wrong))[:8],
        }
    out["n_labels"] = len({t.speaker_label for t in turns})
    out["after_with_people_joined"] = {
        "n_speakers": len({t.speaker for t in turns}),
        "n_speakers_per_meeting": len({(t.meeting, t.speaker) for t in turns})}
    return out


def outputs(folder: Path) -> dict:
    groups = pd.read_csv(folder / "tables" / "group_topics.csv", encoding="utf-8-sig")
    meetings = pd.read_csv(folder / "tables" / "meeting_topics.csv", encoding="utf-8-sig",
                           dtype={"date": str}, keep_default_na=False)
    speakers = pd.read_csv(folder / "tables" / "speaker_topics.csv", encoding="utf-8-sig")
    order = meetings.drop_duplicates("meeting")["date"]
    zero = speakers["ci_low"] == speakers["ci_high"]
    return {
        "group_topics_rows": len(groups), "n_groups": int(groups["group"].nunique()),
        "n_topics": int(groups["topic"].nunique()),
        "rows_with_interval": int((groups["ci_low"] < groups["ci_high"]).sum()),
        "meetings_dated": int((order != "").sum()), "n_meetings": len(order),
        "meetings_in_date_order": bool(order.is_monotonic_increasing),
        "speaker_rows": len(speakers), "speaker_rows_zero_width": int(zero.sum()),
        "speaker_rows_zero_width_not_all_zero": int((zero & (speakers["share"] > 0)).sum()),
        "pooled_speakers": int(speakers.drop_duplicates("speaker")["pooled"].sum()),
    }


def timed(fn, *args, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return round(best, 3)


def speed(frame: pd.DataFrame, columns: list[str], groups: np.ndarray | None) -> dict:
    cfg = SpeakersConfig()
    out = {"n_docs": len(frame), "n_speakers": int(frame["speaker"].nunique()),
           "n_bootstrap": cfg.n_bootstrap,
           "before_speaker_bootstrap_s": timed(aggregate_shares, frame, columns, "speaker",
                                               cfg, 42),
           "after_speaker_table_s": timed(speaker_table, frame, columns, [], cfg, 42)}
    if groups is not None:
        out["group_two_level_bootstrap_s"] = timed(
            group_samples, SharedDocs(frame[columns].to_numpy(float), frame["n_tokens"].to_numpy(),
                                      frame["speaker"].to_numpy(str), groups,
                                      frame["doc_id"].to_numpy(str)), cfg.n_bootstrap, 42)
    return out


def synthetic(n_docs: int = 100_000, n_speakers: int = 5_000, n_topics: int = 20):
    rng = np.random.default_rng(0)
    theta = rng.dirichlet(np.full(n_topics, 0.2), size=n_docs)
    speaker = rng.zipf(1.3, n_docs) % n_speakers
    frame = pd.DataFrame(theta, columns=[f"topic_{k}" for k in range(1, n_topics + 1)])
    frame.insert(0, "doc_id", [f"d{i:06d}" for i in range(n_docs)])
    frame.insert(1, "speaker", [f"s{s:05d}" for s in speaker])
    frame["n_tokens"] = rng.integers(1, 60, n_docs)
    return frame, list(frame.columns[2:-1]), np.array([f"g{s % 25}" for s in speaker])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--outputs", type=Path)
    parser.add_argument("--ref", default="main")
    args = parser.parse_args()
    report = {"labels": labels(args.corpus, args.ref)}
    if args.outputs:
        report["outputs"] = outputs(args.outputs)
        from pipeline.common.io import (
            read_doc_topics,
            read_document_table,
            read_index,
            topic_columns,
        )

        frame = read_doc_topics(args.outputs / "tables" / "doc_topics.csv",
                                read_index(args.outputs / "interim" / "dtm_documents.json"))
        docs = read_document_table(args.outputs / "interim" / "documents.jsonl")
        group = frame["doc_id"].map(docs.set_index("doc_id")["group"]).fillna("").to_numpy(str)
        report["speed_on_corpus"] = speed(frame, topic_columns(frame), group)
    frame, columns, groups = synthetic()
    report["speed_synthetic"] = speed(frame, columns, groups)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
