"""The whole `dvc repro` on large corpora: wall time, throughput and peak memory per stage.

    python benchmarks/scale.py [--sizes 3 10 30] [--files-per-million 33.3] [--keep DIR]

For each size (millions of characters) it builds a corpus with make_corpus.py (30M = 1,000
files), copies the project to a temporary folder with ingest.input pointing at the corpus,
and runs `dvc repro` there (after one untimed warm-up run on the bundled transcript), with
the shipped config otherwise (but boilerplate detection off: the recombined sentences would
nearly all count as boilerplate). Each stage logs its own wall
time and peak memory; the benchmark also samples the resident memory of the whole process
tree (dvc, the stage and its workers) every 0.1 s. It then adds one meeting file and runs
`dvc repro` again, to show the incremental path. Prints a Markdown table for the README.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.make_corpus import build  # noqa: E402
from tests._project import copy_project  # noqa: E402

_DONE = re.compile(r"^(\w+): done in ([\d.]+) s, peak memory (\d+) MB", re.MULTILINE)


def tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 2**20


def run_repro(project: Path) -> tuple[float, float, str]:
    """`dvc repro` in project: wall seconds, peak tree memory (MB), and its log."""
    env = {**os.environ, "DVC_NO_ANALYTICS": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "dvc", "repro"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
    if proc.returncode != 0:
        sys.exit(f"dvc repro failed in {project}:\n{log[-3000:]}")
    return wall, peak[0], log


def set_input(project: Path, corpus: Path) -> None:
    config = project / "configs/pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^  input: .*$", f"  input: {corpus}", text, count=1)
    # make_corpus recombines a few thousand sentences, so nearly every sentence recurs in
    # three meetings and would be boilerplate: measure the work real text gets.
    text = re.sub(r"(?m)^  boilerplate_min_meetings: .*$", "  boilerplate_min_meetings: 0",
                  text, count=1)
    config.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[3, 10, 30])
    parser.add_argument("--files-per-million", type=float, default=1000 / 30)
    parser.add_argument("--keep", type=Path, help="keep the projects and corpora here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="scale-"))
    print(f"# {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}; shipped config otherwise")
    # One untimed run first: a fresh copy compiles its bytecode and the libraries load from
    # disk once; the sizes below then compare work, not first-run costs.
    warm = work / "warm-up"
    shutil.rmtree(warm, ignore_errors=True)
    run_repro(copy_project(warm))
    rows = []
    for size in args.sizes:
        chars = int(size * 1e6)
        files = max(1, round(size * args.files_per_million))
        corpus = work / f"corpus-{size:g}M"
        shutil.rmtree(corpus, ignore_errors=True)
        _, n_chars = build(corpus, chars, files, seed=0)
        project = work / f"project-{size:g}M"
        shutil.rmtree(project, ignore_errors=True)
        copy_project(project)
        set_input(project, corpus)
        wall, peak, log = run_repro(project)
        stages = {m[1]: (float(m[2]), int(m[3])) for m in _DONE.finditer(log)}
        # Incremental: one more meeting, then repro again; the tokenize log says what it redid.
        extra = work / f"extra-{size:g}M"
        build(extra, chars // files, 1, seed=1)
        shutil.copy(extra / "meeting_0001.txt", corpus / "added_meeting.txt")
        wall2, peak2, log2 = run_repro(project)
        cache_line = next((line for line in log2.splitlines()
                           if line.startswith("tokenize:") and "cache" in line), "")
        rows.append((size, files, n_chars, wall, peak, stages, wall2, cache_line))
        print(f"\n## {size:g}M characters, {files} files: dvc repro {wall:.1f} s, "
              f"peak {peak:,.0f} MB (process tree)")
        for name, (seconds, mb) in stages.items():
            print(f"  {name:<10}{seconds:7.1f} s {n_chars / max(seconds, 1e-9) / 1e6:7.2f} "
                  f"M chars/s {mb:6,d} MB")
        print(f"  + one file: dvc repro {wall2:.1f} s; {cache_line}")
        sys.stdout.flush()
    names = list(rows[0][5])
    print("\n| corpus | files | `dvc repro` | peak memory | "
          + " | ".join(names) + " | one file added |")
    print("|---|---|---|---|" + "---|" * len(names) + "---|")
    for size, files, _, wall, peak, stages, wall2, _ in rows:
        cells = " | ".join(f"{stages[n][0]:.0f} s" if n in stages else "-" for n in names)
        print(f"| {size:g}M chars | {files} | {wall:.0f} s | {peak / 1024:.2f} GB | {cells} "
              f"| {wall2:.0f} s |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
