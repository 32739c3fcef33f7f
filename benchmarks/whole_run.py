"""One whole `dvc repro` of a real-shaped corpus, each stage's wall and CPU seconds and the
process tree's peak written as the stage ends: a run of an hour that is cut short still
leaves its finished stages' figures (benchmarks/scale.py prints its table at the end).

    python -m benchmarks.whole_run --size 300 --shape small --keep DIR --set model.n_topics=60

The corpus is benchmarks/scale.py's (built in --keep, or reused from there); the project a
fresh copy of this checkout in --keep. Lines go to DIR/stages-SHAPE-SIZEM.txt and stdout;
dvc's log to DIR/log-SHAPE-SIZEM.txt. A stage's CPU seconds are those of dvc's process and
its reaped children between the stage's first log line and the next stage's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from benchmarks import real_text
from benchmarks.scale import _STAGE, _env, build_corpus, input_config, set_config, tree_memory_mb
from tests._project import copy_project

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system seconds of a process and its reaped children (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / _TICKS


class Peaks:
    """The tree's peak RSS and PSS since the last reset, sampled every 0.1 s."""

    def __init__(self, proc: subprocess.Popen):
        self.rss = self.pss = self.top = 0.0
        self._proc = proc
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while self._proc.poll() is None:
            try:
                rss, pss = tree_memory_mb(self._proc.pid)
            except OSError:  # a process of the tree ended while read
                continue
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            self.top = max(self.top, rss)
            time.sleep(0.1)

    def take(self) -> tuple[float, float]:
        peaks = self.rss, self.pss
        self.rss = self.pss = 0.0
        return peaks


def run(project: Path, out, log) -> tuple[float, float]:
    """dvc repro in project, a line per stage to `out`; the run's CPU seconds and its
    tree's peak RSS (MB)."""
    proc = subprocess.Popen([sys.executable, "-m", "dvc", "repro"], cwd=project, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peaks = Peaks(proc)
    stage, started, cpu_at = "dvc", time.time(), 0.0

    def line(now: float, cpu: float) -> None:
        rss, pss = peaks.take()
        out(f"{stage:<10} {now - started:8.1f} s  CPU {cpu - cpu_at:8.1f} s  tree peak "
            f"{rss:7,.0f} MB (PSS {pss:7,.0f})")

    assert proc.stdout is not None  # piped above
    for text in proc.stdout:
        log.write(text)
        if m := _STAGE.match(text):
            now, cpu = time.time(), cpu_seconds(proc.pid)
            line(now, cpu)
            stage, started, cpu_at = m[1], now, cpu
    proc.wait()
    times = os.times()
    total = times.children_user + times.children_system
    line(time.time(), total)
    if proc.returncode:
        sys.exit(f"dvc repro failed ({proc.returncode}); see its log")
    return total, peaks.top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, required=True, help="millions of characters")
    parser.add_argument("--shape", choices=("big", "small"), required=True)
    parser.add_argument("--keep", type=Path, required=True, help="corpus and project here")
    parser.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE")
    parser.add_argument("--corpus", type=Path, default=real_text.DIET_DEV,
                        help="the speeches the corpus is made of (as benchmarks/scale.py)")
    args = parser.parse_args()
    args.keep.mkdir(parents=True, exist_ok=True)
    corpus, facts = build_corpus(args.keep, real_text.load_source(args.corpus), args.size,
                                 args.shape)
    name = f"{args.shape}-{args.size:g}M"
    project = args.keep / f"project-{name}"
    shutil.rmtree(project, ignore_errors=True)
    copy_project(project)
    set_config(project, {**input_config(corpus, args.shape),
                         **dict(kv.split("=", 1) for kv in args.set)})
    with open(args.keep / f"stages-{name}.txt", "a", encoding="utf-8") as stages, \
            open(args.keep / f"log-{name}.txt", "a", encoding="utf-8") as log:
        def out(text: str) -> None:
            print(text, flush=True)
            stages.write(text + "\n")
            stages.flush()

        out(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} {name}: {facts}; "
            f"1-minute load {os.getloadavg()[0]:.2f}; set {args.set}")
        started = time.time()
        cpu, peak = run(project, out, log)
        out(f"whole run: {time.time() - started:.1f} s, CPU {cpu:.0f} s = "
            f"{cpu / facts['chars'] * 1e6:.2f} s per M chars, tree peak {peak:,.0f} MB")


if __name__ == "__main__":
    main()
