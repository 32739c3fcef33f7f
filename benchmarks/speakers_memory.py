"""The speakers stage alone, on a built project's inputs and on N copies of them (issue #27:
does its memory stay flat as the corpus grows?).

    python -m benchmarks.speakers_memory --project P [--times 1 10] [--work DIR]
        [--code DIR ...] [--out benchmarks/results/speakers_memory.txt]

--project is a project whose stages up to `label` have run (benchmarks/scale.py --keep). For
each --times N, the stage's inputs (doc_topics.csv, topics.json, dtm_documents.json,
documents.jsonl without its text, tokens.jsonl, meetings.csv) are written N times over into
--work, each copy's documents and meetings renamed (`~rI`), the speakers kept: N times the
documents and meetings of the same people, as a corpus N times longer has (1 = the project's
own files, read where they lie). Then the speakers stage of each --code checkout (default:
this one) runs on them as dvc.yaml's command, under `/usr/bin/time -v`: its peak resident
memory and CPU seconds (the machine may be shared: CPU seconds hold, wall times do not), and
whether its outputs are byte for byte those of the first checkout.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import filecmp
import json
import os
import platform
import shutil
import sys
from pathlib import Path

from benchmarks.stage_alone import measure

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("speaker_topics", "role_topics", "meeting_topics", "speaker_terms",
           "speaker_themes", "group_topics", "attribute_topics", "group_differences",
           "meeting_attribute_topics", "topic_time")


def replicate(project: Path, times: int, work: Path) -> dict[str, Path]:
    """The speakers stage's inputs of `project`, `times` copies (1: the files themselves)."""
    out, interim = project / "outputs" / "tables", project / "outputs" / "interim"
    files = {"doc_topics": out / "doc_topics.csv", "meetings": out / "meetings.csv",
             "topics": interim / "topics.json", "index": interim / "dtm_documents.json",
             "documents": interim / "documents.jsonl", "tokens": interim / "tokens.jsonl"}
    if times == 1:
        return files
    work.mkdir(parents=True, exist_ok=True)
    made = {name: work / path.name for name, path in files.items()}
    if (work / "DONE").exists():
        return made
    shutil.copyfile(files["topics"], made["topics"])
    _csv_copies(files["doc_topics"], made["doc_topics"], times, ("doc_id", "meeting"))
    _csv_copies(files["meetings"], made["meetings"], times, ("meeting", "title"))
    for name in ("documents", "tokens"):
        with open(files[name], encoding="utf-8") as source, \
                open(made[name], "w", encoding="utf-8") as target:
            for i in range(times):
                source.seek(0)
                for line in source:
                    record = json.loads(line)
                    record.pop("text", None)
                    for key in ("doc_id", "meeting", "source_id"):
                        if key in record:
                            record[key] = f"{record[key]}~r{i}"
                    target.write(json.dumps(record, ensure_ascii=False) + "\n")
    index = json.loads(files["index"].read_text(encoding="utf-8"))
    made["index"].write_text(json.dumps(
        [{**d, "doc_id": f"{d['doc_id']}~r{i}"} for i in range(times) for d in index],
        ensure_ascii=False), encoding="utf-8")
    (work / "DONE").write_text("")
    return made


def _csv_copies(source: Path, target: Path, times: int, renamed: tuple[str, ...]) -> None:
    with open(source, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, at = rows[0], [rows[0].index(c) for c in renamed]
    with open(target, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for i in range(times):
            for row in rows[1:]:
                writer.writerow([f"{v}~r{i}" if j in at else v for j, v in enumerate(row)])


def run_stage(code: Path, inputs: dict[str, Path], config: Path, out: Path) -> dict:
    """The speakers stage of checkout `code` (stage_alone.measure): peak RSS, CPU s."""
    out.mkdir(parents=True, exist_ok=True)
    args = [f"--{k.replace('_', '-')}={v}" for k, v in inputs.items()]
    args += [f"--{n.replace('_', '-')}={out / n}.csv" for n in OUTPUTS]
    args += [f"--prevalence={out / 'topic_prevalence.csv'}", f"--metrics={out / 'speakers.json'}"]
    found = measure([sys.executable, "-m", "pipeline.stages.speakers", "--config", str(config),
                     *args], code, code)
    if found["rc"]:
        raise SystemExit(found["tail"])
    return {"rss_mb": found["max_rss_mb"], "cpu_s": found["cpu_s"]}


def same_outputs(a: Path, b: Path) -> list[str]:
    """The outputs that differ between two runs."""
    names = [f"{n}.csv" for n in OUTPUTS] + ["topic_prevalence.csv", "speakers.json"]
    return [n for n in names if not filecmp.cmp(a / n, b / n, shallow=False)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--times", type=int, nargs="+", default=[1])
    parser.add_argument("--work", type=Path, default=Path("/tmp/speakers-memory"))
    parser.add_argument("--code", type=Path, nargs="+", default=[ROOT])
    parser.add_argument("--out", type=Path,
                        default=ROOT / "benchmarks" / "results" / "speakers_memory.txt")
    args = parser.parse_args()
    lines = [f"# {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
             f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; project {args.project}"]
    for times in args.times:
        inputs = replicate(args.project, times, args.work / f"x{times}")
        first = None
        for code in args.code:
            out = args.work / f"out-x{times}-{code.name}"
            found = run_stage(code, inputs, args.project / "configs" / "pipeline.yaml", out)
            differ = same_outputs(first, out) if first else []
            first = first or out
            lines.append(f"x{times:<3} {str(code):30} peak {found['rss_mb']:7,.0f} MB  "
                         f"CPU {found['cpu_s']:6.1f} s"
                         + (f"  differs from the first: {differ}" if differ else ""))
            print(lines[-1], flush=True)
    with open(args.out, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
