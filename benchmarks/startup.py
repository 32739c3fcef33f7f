"""What each stage pays before it does any work: `python -c "import pipeline.stages.X"`.

    python -m benchmarks.startup [--repeat 5] [--stages label,score]
    PYTHONPATH=/other/checkout python -m benchmarks.startup   # another tree's code

Every run is a fresh interpreter (this one's executable), as `dvc repro` starts each stage;
the stages are interleaved in --repeat rounds, so a busy moment on a shared machine hits all
of them alike. Prints the median wall time per stage, the total of the medians, and a bare
`python -c pass` for the interpreter's own share. The children run in an empty folder and
import the code of this checkout, or of the one PYTHONPATH names (the first line says which).
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


def timed_run(code: str, cwd: str, env: dict[str, str]) -> float:
    """Wall seconds of one fresh `python -c code`."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per stage (median)")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated")
    args = parser.parse_args()
    stages = args.stages.split(",")
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or str(ROOT)}
    with tempfile.TemporaryDirectory() as empty:
        where = subprocess.run(
            [sys.executable, "-c", "import pipeline; print(pipeline.__file__)"],
            cwd=empty, env=env, check=True, capture_output=True, text=True).stdout.strip()
        print(f"code: {os.path.dirname(os.path.dirname(where))}")
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
              f"{platform.release()}, Python {platform.python_version()}; "
              f"median of {args.repeat} fresh processes")
        times: dict[str, list[float]] = {name: [] for name in ("(python -c pass)", *stages)}
        for _ in range(args.repeat):
            times["(python -c pass)"].append(timed_run("pass", empty, env))
            for stage in stages:
                times[stage].append(timed_run(f"import pipeline.stages.{stage}", empty, env))
    medians = {name: statistics.median(runs) for name, runs in times.items()}
    print(f"{'stage':<18}{'median s':>9}{'min s':>8}{'max s':>8}")
    for name, runs in times.items():
        print(f"{name:<18}{medians[name]:>9.2f}{min(runs):>8.2f}{max(runs):>8.2f}")
    print(f"{f'total ({len(stages)} stages)':<18}{sum(medians[s] for s in stages):>9.2f}")


if __name__ == "__main__":
    main()
