"""Memory per stage on one table of many short turns (issue #27, "bounded memory").

    python -m benchmarks.short_turns [--turns 1000000] [--corpus DIR] [--keep DIR]
        [--out benchmarks/results/short_turns.txt] [--stages STAGE ...]

One CSV of --turns turns of about 25 characters each (a clause or a short sentence of the
Diet minutes in --corpus, NDL records as speeches.jsonl, read where they lie), in meetings of
200-400 turns, spoken by the corpus's own speakers with their groups and positions, one date
a meeting. The table uses the shipped config's default column names, so only
`ingest.input` changes. It copies the project (tests/_project.py), runs `dvc repro` there
and prints each stage's own "done in" time and the peak resident memory of the whole
process tree while that stage ran (benchmarks/scale.py's sampler), and the report's size.

With --keep the corpus and the project stay in that folder and a later run reuses them:
--stages reruns only those stages there (`dvc repro -s -f STAGE`) with this checkout's
code, stage map and config copied in, for a before/after of one stage on the same inputs.
Results are appended to --out with the machine's notes.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import random
import re
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import real_text  # noqa: E402
from benchmarks.scale import _DONE, run_repro, set_config  # noqa: E402
from tests._project import copy_project  # noqa: E402

_CLAUSE = re.compile(r"[^、。？！]+[、。？！]?")
_COLUMNS = ("id", "meeting", "date", "title", "speaker", "group", "position", "text")


def load_clauses(corpus: Path) -> tuple[list[str], list[dict]]:
    """The corpus's clauses (cut at 、 and sentence ends) and its speakers."""
    clauses, speakers = [], {}
    with open(corpus / "speeches.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            tag = real_text._TAG.match(record["speech"])
            if record.get("kind") == "header" or not tag:
                continue
            body = record["speech"][tag.end():].replace("\r", "").replace("\n", "")
            clauses += [c.strip("\u3000 ") for c in _CLAUSE.findall(body)]
            # diet-dev's field names, or the NDL API's own (tests/data/kokkai).
            speakers[record["speaker"]] = {
                "speaker": record["speaker"],
                "group": record.get("group", record.get("speakerGroup")) or "",
                "position": record.get("position", record.get("speakerPosition")) or ""}
    # Whole clauses only, none longer than a short turn: no word is cut in two.
    return [c for c in clauses if 2 <= len(c) <= 40], list(speakers.values())


def turn_text(clauses: list[str], rng: random.Random) -> str:
    """One short turn: consecutive clauses up to a length drawn around 25 characters."""
    want = rng.lognormvariate(2.6, 0.5)
    start = rng.randrange(len(clauses))
    text = clauses[start]
    for clause in clauses[start + 1:start + 4]:
        if len(text) >= want:
            break
        text += clause
    return text


def write_table(path: Path, n_turns: int, corpus: Path, seed: int = 0) -> dict:
    """The CSV of n_turns short turns; its counts."""
    clauses, speakers = load_clauses(corpus)
    rng = random.Random(seed)
    day, n_meetings, n_chars, written = datetime.date(2018, 1, 9), 0, 0, 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(_COLUMNS)
        while written < n_turns:
            n_meetings += 1
            day += datetime.timedelta(days=rng.choice((1, 1, 2, 3, 7)))
            cast = rng.sample(speakers, min(len(speakers), rng.randint(8, 30)))
            for order in range(min(rng.randint(200, 400), n_turns - written)):
                who = cast[0] if order % 2 == 0 else rng.choice(cast[1:])  # a chair and others
                text = turn_text(clauses, rng)
                n_chars += len(text)
                out.writerow([f"T{written:08d}", f"M{n_meetings:05d}", day.isoformat(),
                              f"第{n_meetings}回会議", who["speaker"], who["group"],
                              who["position"], text])
                written += 1
    return {"turns": written, "meetings": n_meetings, "chars": n_chars,
            "speakers": len(speakers), "bytes": path.stat().st_size}


def refresh_code(project: Path, table: Path) -> None:
    """This checkout's code, stage map and config into a kept project (the input kept): a
    stage rerun there measures the code as it is now on the same inputs."""
    shutil.rmtree(project / "pipeline")
    shutil.copytree(ROOT / "pipeline", project / "pipeline",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("dvc.yaml", "configs/pipeline.yaml"):
        shutil.copy2(ROOT / name, project / name)
    set_config(project, {"ingest.input": str(table)})


def machine_notes() -> str:
    return (f"# {platform.machine()}, {os.cpu_count()} cores, "
            f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB, "
            f"Python {platform.python_version()}; 1-minute load at start "
            f"{os.getloadavg()[0]:.2f}; {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--corpus", type=Path, default=real_text.DIET_DEV)
    parser.add_argument("--keep", type=Path, help="keep the corpus and project here")
    parser.add_argument("--stages", nargs="*", help="rerun only these stages (with --keep)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/short_turns.txt")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="short-turns-"))
    table, project = work / f"turns-{args.turns}.csv", work / f"project-{args.turns}"
    facts_file = table.with_suffix(".json")
    if not facts_file.exists():  # a kept table is reused: the same arguments give the same rows
        facts_file.write_text(json.dumps(write_table(table, args.turns, args.corpus)))
    facts = json.loads(facts_file.read_text())
    lines = [machine_notes(), f"# table: {facts['turns']:,} turns, {facts['meetings']:,} "
             f"meetings, {facts['speakers']} speakers, {facts['chars']:,} characters "
             f"({facts['chars'] / facts['turns']:.1f} a turn), {facts['bytes'] / 1e6:.1f} MB"]
    if args.stages:
        refresh_code(project, table)
        runs = [(name, run_repro(project, "-s", "-f", name)) for name in args.stages]
    else:
        shutil.rmtree(project, ignore_errors=True)
        copy_project(project)
        set_config(project, {"ingest.input": str(table)})
        runs = [("dvc repro", run_repro(project))]
    for what, (wall, peaks, log) in runs:
        lines.append(f"## {what}: {wall:.1f} s, process-tree peak {max(peaks.values()):,.0f} MB"
                     f" (PSS {max(peaks.pss.values()):,.0f} MB)")
        lines += [f"  {m[1]:<10}{float(m[2]):8.1f} s  tree peak {peaks.get(m[1], 0.0):7,.0f} MB"
                  f" (PSS {peaks.pss.get(m[1], 0.0):7,.0f} MB)"
                  f"  (stage's own peak {int(m[3]):,} MB)" for m in _DONE.finditer(log)]
    report = project / "outputs/report/index.html"
    if report.exists():
        lines.append(f"  index.html {report.stat().st_size / 1e6:.1f} MB")
    text = "\n".join(lines) + "\n"
    print(text)
    with open(args.out, "a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
