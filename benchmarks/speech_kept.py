"""Issue 24 on Diet records: speakers split and joined, documents modelled, chair turns kept,
sentences dropped as boilerplate (ingest and boilerplate only; no tokenizing, no model).

For NDL speech-record folders (`speeches.jsonl`, as in `../shared/corpora/diet-dev`), given
by path, never copied here, each read two ways with the NDL settings
(`ingest.columns: {speaker: speaker, text: speech, meeting: issueID, id: speechID, date:
date}`, `exclude_rows: {kind: [header]}`):

- **table**: the records as the pipeline reads them (speaker = the `speaker` column's full
  name, role from the speech's `○label`);
- **text**: each meeting written back as text minutes (its speeches joined, each opening
  with its `○label　`, as the minutes print it), read by the text reader: speakers are then
  the labels' surnames, where a split by kind of role can happen.

Run it in this tree and in a checkout of an older commit (copy this file there) to compare:

    python -m benchmarks.speech_kept ../shared/corpora/diet-dev ../shared/corpora/diet-2025
"""

from __future__ import annotations

import argparse
import inspect
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.common.compute import SerialExecutor  # noqa: E402
from pipeline.common.config import IngestConfig  # noqa: E402
from pipeline.ingest.core import IngestTally, doc_options, read_options  # noqa: E402
from pipeline.ingest.stream import ingest_results  # noqa: E402
from pipeline.tokenize.boilerplate import find_boilerplate  # noqa: E402
from pipeline.tokenize.procedure import procedure_lexicon  # noqa: E402

NDL = {"columns": {"speaker": "speaker", "text": "speech", "meeting": "issueID",
                   "id": "speechID", "date": "date"},
       "exclude_rows": {"kind": ["header"]}}
# Two sentences of the Prime Minister's policy speech that recur verbatim in 3 meetings.
POLICY = ("意思決定に女性が参画することを官民の目標とし", "日露関係は厳しい状況にありますが")


def _options(cfg: IngestConfig):
    try:
        docs = doc_options(cfg, procedure_lexicon())
    except TypeError:  # before issue 24: no chair speech
        docs = doc_options(cfg)
    return read_options(cfg), docs


def ingest(root: Path, table: bool) -> tuple[dict, list[dict]]:
    cfg = IngestConfig(input=str(root), **(NDL if table else {}))
    options, docs = _options(cfg)
    tally, documents = IngestTally(), []
    paths = [root / "speeches.jsonl"] if table else sorted(root.glob("*.txt"))
    for result in ingest_results(paths, root, options, docs, SerialExecutor()):
        tally.add(result)
        documents.extend(result.documents)
    return tally.metrics(), documents


def write_minutes(corpus: Path, out: Path) -> int:
    """Each meeting of the records as one text file of minutes."""
    meetings: dict[str, list[str]] = defaultdict(list)
    for line in (corpus / "speeches.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        if record.get("kind") != "header":
            meetings[record["issueID"]].append(record["speech"].replace("\r\n", "\n"))
    for meeting, speeches in meetings.items():
        (out / f"{meeting}.txt").write_text("\n".join(speeches) + "\n", encoding="utf-8")
    return len(meetings)


def boilerplate(documents: list[dict]) -> dict:
    """What the shipped settings drop as boilerplate (3 meetings; 2 speakers where known)."""
    with_speakers = "min_speakers" in inspect.signature(find_boilerplate).parameters
    if with_speakers:
        found = find_boilerplate(((d["meeting"], d["speaker"], d["text"]) for d in documents),
                                 3, 5, min_speakers=2)
    else:
        found = find_boilerplate(((d["meeting"], d["text"]) for d in documents), 3, 5)
    dropped = chars = 0
    policy_dropped = {p: 0 for p in POLICY}
    for d in documents:
        text, n = found.strip_next(d["text"])
        dropped += n
        chars += len(d["text"]) - len(text)
        for p in POLICY:
            policy_dropped[p] += p in d["text"] and p not in text
    return {"n_patterns": found.n_keys, "n_segments_dropped": dropped, "n_chars_dropped": chars,
            "n_near_duplicates": getattr(found, "n_near", None),
            "policy_sentences_dropped": policy_dropped,
            "examples": [t for t, _ in found.examples[:5]],
            "near_examples": [t for t, _ in getattr(found, "near_examples", ())[:5]]}


def summary(metrics: dict, documents: list[dict]) -> dict:
    return {k: metrics.get(k) for k in (
        "n_turns", "n_speakers", "n_documents", "turns_not_modelled",
        "n_chair_speeches_modelled", "n_surnames_merged", "n_ambiguous_surnames",
        "n_surnames_split", "n_speakers_from_splits")} | {
        "surnames_split": dict(list((metrics.get("surnames_split") or {}).items())[:8]),
        "n_chars_modelled": sum(len(d["text"]) for d in documents)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="write the results (JSON) here too")
    args = parser.parse_args()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "(no git)"
    results: dict = {"machine": f"{platform.node()} {platform.machine()} "
                                f"{platform.python_version()}", "commit": commit}
    for corpus in args.corpora:
        started = time.perf_counter()
        metrics, documents = ingest(corpus.resolve(), table=True)
        entry = {"table": summary(metrics, documents) | {"boilerplate": boilerplate(documents)}}
        with tempfile.TemporaryDirectory() as tmp:
            n = write_minutes(corpus, Path(tmp))
            metrics, documents = ingest(Path(tmp), table=False)
            entry["text"] = summary(metrics, documents) | {"n_files": n}
        entry["seconds"] = round(time.perf_counter() - started, 1)
        results[corpus.name] = entry
    text = json.dumps(results, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
