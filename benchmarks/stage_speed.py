"""One stage's wall time, two checkouts, the same kept project: before/after a change.

    python -m benchmarks.stage_speed charts networks --project /tmp/speed10/project-big-10M
        [--project ...] --before /tmp/main-copy [--after .] [--rounds 3]

A kept project is one `python -m benchmarks.scale --keep DIR` made (its `dvc repro` left every
stage's inputs in outputs/). For each stage, each checkout runs the stage's own command from
its dvc.yaml (params substituted from the project's config) as `dvc repro` would, in a fresh
interpreter, in a folder of its own: the project's files linked in, its stage's inputs linked
from the project's outputs/, `pipeline` linked to the checkout's code, and the outputs written
there. The two checkouts alternate in each round (before first in odd rounds), so a busy
moment on a shared machine hits both alike. Prints each run's wall time (interpreter start
and imports included, which `dvc repro` pays too), its CPU time (user + system of the stage
and its workers: steadier than wall time on a loaded machine, but blind to waiting and
to work moved onto more cores) and the 1-minute load when it started, the medians, and
whether the two checkouts' outputs are byte-identical (sha256 of every output file, folders
file by file). The report is appended to benchmarks/results/stage_speed.txt.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "stage_speed.txt"
_VAR = re.compile(r"\$\{([\w.]+)\}")
_DONE = re.compile(r"^\w+: done in ([\d.]+) s", re.MULTILINE)


def stage_spec(checkout: Path, project: Path, stage: str) -> tuple[list[str], list[str],
                                                                    list[str]]:
    """The stage's command (params substituted from the project's config), deps and outs."""
    spec = yaml.safe_load((checkout / "dvc.yaml").read_text(encoding="utf-8"))["stages"][stage]
    config = yaml.safe_load((project / "configs" / "pipeline.yaml").read_text(encoding="utf-8"))

    def value(match: re.Match) -> str:
        node = config
        for key in match[1].split("."):
            node = node[key]
        return str(node)

    def names(entries: list) -> list[str]:
        return [_VAR.sub(value, e if isinstance(e, str) else next(iter(e))) for e in entries]

    cmd = shlex.split(_VAR.sub(value, spec["cmd"]))
    return cmd, names(spec.get("deps", [])), names(spec.get("outs", []) +
                                                    spec.get("metrics", []))


def prepare(run_dir: Path, project: Path, checkout: Path, deps: list[str]) -> None:
    """A folder where the stage reads the project's inputs and the checkout's code."""
    run_dir.mkdir(parents=True)
    for entry in project.iterdir():
        if entry.name not in ("outputs", "pipeline", ".git", ".dvc"):
            (run_dir / entry.name).symlink_to(entry)
    (run_dir / "pipeline").symlink_to(checkout / "pipeline")
    for dep in deps:
        if dep.startswith("outputs/") and (project / dep).exists():
            (run_dir / dep).parent.mkdir(parents=True, exist_ok=True)
            (run_dir / dep).symlink_to(project / dep)


def digest(path: Path) -> dict[str, str]:
    """sha256 of a file, or of every file under a folder, by path."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.exists()}


@dataclass(frozen=True)
class Run:
    """One run of a stage."""

    wall: float  # seconds, interpreter start included
    done: float  # the stage's own `done in`
    cpu: float  # user + system seconds of the stage's process tree (its workers too)
    load: float  # the 1-minute load when it started
    hashes: dict[str, str]


def run_stage(run_dir: Path, cmd: list[str], outs: list[str]) -> Run:
    """Run the stage once in run_dir: its times, the load, and the outputs' hashes."""
    env = {k: v for k, v in os.environ.items() if k not in ("DVC_STAGE", "PYTHONPATH")}
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *cmd[1:]], cwd=run_dir, env=env,
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode:
        sys.exit(f"{' '.join(cmd)} failed in {run_dir}:\n{proc.stderr[-3000:]}")
    done = _DONE.search(proc.stderr)
    hashes: dict[str, str] = {}
    for out in outs:
        hashes |= {str(Path(k).relative_to(run_dir)): v for k, v in digest(run_dir / out).items()}
    return Run(wall, float(done[1]) if done else float("nan"), cpu, load, hashes)


def compare(stage: str, project: Path, checkouts: dict[str, Path], rounds: int,
            work: Path) -> list[str]:
    """Interleaved rounds of one stage on one project: the report's lines."""
    specs = {name: stage_spec(path, project, stage) for name, path in checkouts.items()}
    runs: dict[str, list[Run]] = {name: [] for name in checkouts}
    dirs = {name: work / f"{project.name}-{stage}-{name}" for name in checkouts}
    for name, path in checkouts.items():
        prepare(dirs[name], project, path, specs[name][1])
    lines = [f"## {stage} on {project.name}"]
    for r in range(rounds):
        order = list(checkouts) if r % 2 == 0 else list(checkouts)[::-1]
        for name in order:
            cmd, _, outs = specs[name]
            run = run_stage(dirs[name], cmd, outs)
            runs[name].append(run)
            lines.append(f"  round {r + 1} {name:<7} wall {run.wall:6.2f} s  (stage's own "
                         f"{run.done:5.1f} s)  cpu {run.cpu:6.2f} s  load {run.load:4.2f}")
            print(lines[-1], flush=True)
    medians = {name: statistics.median(r.wall for r in runs[name]) for name in checkouts}
    cpus = {name: statistics.median(r.cpu for r in runs[name]) for name in checkouts}
    before, after = list(checkouts)
    hashes = [r.hashes for name in checkouts for r in runs[name]]
    files = set().union(*hashes)
    differ = sorted(f for f in files if len({h.get(f) for h in hashes}) > 1)
    lines.append(f"  median wall: {before} {medians[before]:.2f} s, {after} "
                 f"{medians[after]:.2f} s ({medians[after] / medians[before]:.2f}x); median "
                 f"cpu: {cpus[before]:.2f} s, {cpus[after]:.2f} s "
                 f"({cpus[after] / cpus[before]:.2f}x); {len(files)} output files, "
                 + ("all byte-identical (every run of both)" if not differ else
                    f"{len(differ)} differ: {', '.join(differ[:8])}"))
    print(lines[-1], flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stages", nargs="+")
    parser.add_argument("--project", type=Path, action="append", required=True,
                        help="a kept project (benchmarks/scale.py --keep); repeatable")
    parser.add_argument("--before", type=Path, required=True, help="a checkout (main's copy)")
    parser.add_argument("--after", type=Path, default=ROOT, help="a checkout (default: this)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--note", default="", help="a line for the results file")
    parser.add_argument("--no-save", action="store_true", help="do not append to the results")
    args = parser.parse_args()
    checkouts = {"before": args.before.resolve(), "after": args.after.resolve()}
    head = [f"# {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}; 1-minute load at "
            f"start {os.getloadavg()[0]:.2f}",
            f"# python -m benchmarks.stage_speed {' '.join(sys.argv[1:])}",
            *([f"# {args.note}"] if args.note else [])]
    print("\n".join(head), flush=True)
    lines = []
    work = Path(tempfile.mkdtemp(prefix="stage-speed-"))
    try:
        for project in args.project:
            for stage in args.stages:
                lines += compare(stage, project.resolve(), checkouts, args.rounds, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not args.no_save:
        with open(RESULTS, "a", encoding="utf-8") as out:
            out.write("\n".join(head + lines) + "\n\n")


if __name__ == "__main__":
    main()
