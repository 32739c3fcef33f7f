"""Peak memory and time of the ingest stage on one large NDL-shaped table (JSONL and CSV).

    python -m benchmarks.ingest_memory [--corpus DIR] [--sizes 50 150] [--formats jsonl csv]
        [--project PATH ...] [--keep DIR]

The table repeats the speeches of --corpus (NDL records, speeches.jsonl; read from where
they lie, never copied into the project) with a suffix on issueID and speechID per copy, so
each copy is a new set of meetings, until the file holds --sizes million characters; a CSV
version holds the same rows. The real stage (`python -m pipeline.stages.ingest`) runs in a
subprocess in each checkout --project (default: this one; give /work/main to compare with
it), with the shipped config but for the NDL column mapping that quality_minutes.py uses.
Printed: input size, wall time, the peak resident memory of the stage's process tree
(sampled from /proc every 0.1 s, as scale.py does), and a sha256 of each output, so that two
checkouts can be seen to write the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.scale import tree_rss_mb  # noqa: E402

NDL = {"speaker": "speaker", "text": "speech", "id": "speechID", "meeting": "issueID",
       "date": "date", "role": "role", "attributes": {"group": "group", "position": "position"}}
OUTPUTS = ("turns.csv", "documents.jsonl", "roster.json", "ingest.json")


def build_tables(corpus: Path, million_chars: float, work: Path) -> tuple[Path, Path]:
    """speeches.jsonl repeated (distinct meetings per copy) to the size asked, as JSONL and
    CSV; rows of a meeting stay together, as in NDL downloads."""
    rows = [json.loads(line) for line in
            (corpus / "speeches.jsonl").read_text(encoding="utf-8").splitlines() if line]
    columns = list(dict.fromkeys(k for r in rows for k in r))
    jsonl, table = work / f"diet-{million_chars:g}M.jsonl", work / f"diet-{million_chars:g}M.csv"
    if jsonl.exists() and table.exists():
        return jsonl, table
    target, chars, copy = million_chars * 1e6, 0, 0
    with open(jsonl, "w", encoding="utf-8", newline="") as jf, \
            open(table, "w", encoding="utf-8", newline="") as cf:
        writer = csv.writer(cf, lineterminator="\n")
        writer.writerow(columns)
        while chars < target:
            for r in rows:
                r = {**r, "issueID": f"{r['issueID']}-{copy}",
                     "speechID": f"{r['speechID']}-{copy}"}
                line = json.dumps(r, ensure_ascii=False) + "\n"
                jf.write(line)
                chars += len(line)
                writer.writerow(["" if r.get(c) is None else str(r[c]) for c in columns])
            copy += 1
    return jsonl, table


def run_stage(project: Path, table: Path, work: Path) -> tuple[float, float, dict[str, str]]:
    """Wall seconds, peak tree memory (MB) and output digests of one ingest run."""
    config = yaml.safe_load((project / "configs/pipeline.yaml").read_text(encoding="utf-8"))
    config["ingest"].update(input=str(table), columns=NDL, exclude_rows={"kind": ["header"]})
    out = work / f"out-{project.name}-{table.suffix[1:]}"
    out.mkdir(exist_ok=True)
    path = out / "config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    # cwd=project: `-m` puts it first on sys.path, so its own pipeline package is imported.
    cmd = [sys.executable, "-m", "pipeline.stages.ingest", "--config", str(path),
           "--input", str(table), "--turns", str(out / "turns.csv"),
           "--documents", str(out / "documents.jsonl"), "--roster", str(out / "roster.json"),
           "--metrics", str(out / "ingest.json")]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    log = proc.stdout.read()
    proc.wait()
    sampler.join()
    wall = time.perf_counter() - start
    if proc.returncode:
        sys.exit(f"ingest failed in {project}:\n{log[-3000:]}")
    digests = {name: hashlib.sha256((out / name).read_bytes()).hexdigest()[:12]
               for name in OUTPUTS}
    return wall, peak[0], digests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/work/shared/corpora/diet-dev"))
    parser.add_argument("--sizes", type=float, nargs="+", default=[50, 150],
                        help="million characters of the JSONL table")
    parser.add_argument("--formats", nargs="+", default=["jsonl", "csv"])
    parser.add_argument("--project", type=Path, action="append",
                        help="checkout to run (repeatable; default: this one)")
    parser.add_argument("--keep", type=Path, help="keep tables and outputs here")
    args = parser.parse_args()
    projects = [p.resolve() for p in args.project or [ROOT]]
    work = args.keep or Path(tempfile.mkdtemp(prefix="ingest-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}; NDL columns, exclude_rows {{kind: [header]}}")
    print("project\tformat\tMchars\tMB\twall_s\tpeak_MB\tsha256 " + " ".join(OUTPUTS))
    for size in args.sizes:
        tables = dict(zip(("jsonl", "csv"), build_tables(args.corpus, size, work), strict=True))
        for fmt in args.formats:
            table = tables[fmt]
            for project in projects:
                wall, peak, digests = run_stage(project, table, work)
                print(f"{project}\t{fmt}\t{size:g}\t{table.stat().st_size / 2**20:.0f}\t"
                      f"{wall:.1f}\t{peak:.0f}\t{' '.join(digests.values())}", flush=True)


if __name__ == "__main__":
    main()
