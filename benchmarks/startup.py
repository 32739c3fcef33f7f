"""What each stage pays before it does any work: `python -c "import pipeline.stages.X"`.

    python -m benchmarks.startup [--repeat 5] [--stages label,score] [--against /other/tree]
    PYTHONPATH=/other/checkout python -m benchmarks.startup   # another tree's code alone

Every run is a fresh interpreter (this one's executable), as `dvc repro` starts each stage.
The stages (and with --against, the two checkouts) are interleaved in --repeat rounds, so a
busy moment on a shared machine hits all of them alike. Prints the median wall time per stage
and the total of the medians, with a bare `python -c pass` for the interpreter's own share.
The children run in an empty folder and import the code of this checkout, or of the one
PYTHONPATH names; --against adds a column for another checkout (say, main's) and the change.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# In the order dvc repro runs them.
STAGES = ("user_files", "ingest", "tokenize", "vectorize", "fit", "label", "score", "speakers",
          "charts", "networks", "report")
BARE = "(python -c pass)"


def timed_run(code: str, cwd: str, env: dict[str, str]) -> float:
    """Wall seconds of one fresh `python -c code`."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, check=True)
    return time.perf_counter() - start


def code_folder(env: dict[str, str], cwd: str) -> str:
    """The checkout whose `pipeline` package the children import."""
    where = subprocess.run([sys.executable, "-c", "import pipeline; print(pipeline.__file__)"],
                           cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return os.path.dirname(os.path.dirname(where.stdout.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per stage (median)")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated")
    parser.add_argument("--against", help="another checkout to time in the same rounds")
    args = parser.parse_args()
    stages = args.stages.split(",")
    envs = {"this": {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or str(ROOT)}}
    if args.against:
        envs = {"against": {**os.environ, "PYTHONPATH": args.against}, **envs}
    times = {tree: {name: [] for name in (BARE, *stages)} for tree in envs}
    with tempfile.TemporaryDirectory() as empty:
        for tree, env in envs.items():
            print(f"{tree}: code of {code_folder(env, empty)}")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
              f"{platform.release()}, Python {platform.python_version()}; "
              f"median of {args.repeat} fresh processes")
        for _ in range(args.repeat):
            for tree, env in envs.items():
                times[tree][BARE].append(timed_run("pass", empty, env))
                for stage in stages:
                    times[tree][stage].append(
                        timed_run(f"import pipeline.stages.{stage}", empty, env))
    medians = {tree: {name: statistics.median(runs) for name, runs in by_stage.items()}
               for tree, by_stage in times.items()}
    for by_stage in medians.values():
        by_stage["total"] = sum(by_stage[s] for s in stages)
    print(f"{'stage':<18}" + "".join(f"{tree + ' s':>11}" for tree in envs)
          + (f"{'change':>9}" if args.against else ""))
    for name in (BARE, *stages, "total"):
        row = [medians[tree][name] for tree in envs]
        change = f"{row[1] / row[0] - 1:>+9.0%}" if args.against else ""
        print(f"{name:<18}" + "".join(f"{t:>11.2f}" for t in row) + change)


if __name__ == "__main__":
    main()
