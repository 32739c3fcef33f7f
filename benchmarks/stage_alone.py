"""One stage alone on a kept project's inputs: its own peak memory and CPU seconds.

    python -m benchmarks.stage_alone --project /tmp/s13keep/project-small-30M \
        --stage report --code /work/wt-rep --scratch /tmp/rep-scratch/report-after

Runs the stage's command from dvc.yaml (in --code: the code measured) with its inputs in the
kept project (read only) and its outputs in --scratch, under `/usr/bin/time -v`; prints the
maximum resident set size of its largest process, its process tree's peak (RSS and PSS, as
benchmarks/scale.py measures `dvc repro`), user + system CPU seconds and, per output, whether
it is byte for byte the kept project's. Memory figures hold under load; wall times do not.

`--set tokens.cache=false` (repeatable): the kept project's configs/ copied into the scratch
folder with these values changed, and the stage run with that copy (the tokenize stage's
token cache is on in a kept project: off, the stage tokenizes rather than reads it back).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shlex
import shutil
import subprocess
import threading
import time
from pathlib import Path

import yaml

from benchmarks.scale import tree_memory_mb


def stage_command(code: Path, stage: str) -> tuple[list[str], list[str]]:
    """The stage's command (as words) and its outputs, from dvc.yaml."""
    spec = yaml.safe_load((code / "dvc.yaml").read_text(encoding="utf-8"))["stages"][stage]
    outs = []
    for key in ("outs", "metrics", "plots"):
        for entry in spec.get(key, []):
            outs.append(next(iter(entry)) if isinstance(entry, dict) else entry)
    return shlex.split(spec["cmd"]), outs


def rewritten(words: list[str], outs: list[str], project: Path, scratch: Path) -> list[str]:
    """Outputs (and paths under them) into scratch, every other relative path into the kept
    project."""
    result = []
    for word in words:
        if word.startswith(("outputs/", "configs/", "data/")):
            mine = any(word == o or word.startswith(o.rstrip("/") + "/") or
                       o.startswith(word.rstrip("/") + "/") for o in outs)
            word = str((scratch if mine else project) / word)
        result.append(word)
    return result


def measure(words: list[str], code: Path, cwd: Path, trace: bool = False) -> dict:
    """Run under /usr/bin/time -v in `cwd`, importing `code`'s pipeline: the largest
    process's max RSS (MB), the process tree's peak RSS and PSS (MB, sampled every 0.1 s as
    benchmarks/scale.py samples `dvc repro`: workers included), CPU seconds, return code.
    With trace, each of the stage's log lines is printed as it comes with the tree's peak
    since the line before: the phase that sets the peak."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    proc = subprocess.Popen(["/usr/bin/time", "-v", *words], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    tree = [0.0, 0.0, 0.0]  # peak RSS, peak PSS, peak RSS since the last traced line

    def sample() -> None:
        while proc.poll() is None:
            rss, pss = tree_memory_mb(proc.pid)
            tree[0], tree[1], tree[2] = max(tree[0], rss), max(tree[1], pss), max(tree[2], rss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started, lines = time.perf_counter(), []
    for line in proc.stderr or ():
        lines.append(line)
        if trace:
            # The peak of the phase that this line ends (a stage logs when a phase is done).
            print(f"{time.perf_counter() - started:8.1f} s  tree peak {tree[2]:7,.0f} MB  "
                  f"{line.rstrip()[:160]}", flush=True)
            tree[2] = 0.0
    err = "".join(lines)
    proc.wait()
    sampler.join()

    def field(name: str) -> float:
        found = re.search(rf"{re.escape(name)}: ([\d.:]+)", err)
        return float(found.group(1)) if found and ":" not in found.group(1) else 0.0

    return {"rc": proc.returncode,
            "max_rss_mb": field("Maximum resident set size (kbytes)") / 1024,
            "tree_mb": tree[0], "tree_pss_mb": tree[1],
            "cpu_s": field("User time (seconds)") + field("System time (seconds)"),
            "tail": err[-1500:] if proc.returncode else ""}


def with_settings(project: Path, scratch: Path, settings: list[str]) -> None:
    """The kept project's configs/ in scratch, with `settings` (dotted.key=yaml value) set."""
    shutil.copytree(project / "configs", scratch / "configs", dirs_exist_ok=True)
    path = scratch / "configs" / "pipeline.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    for setting in settings:
        dotted, value = setting.split("=", 1)
        *parents, last = dotted.split(".")
        section = config
        for name in parents:
            section = section[name]
        section[last] = yaml.safe_load(value)
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--code", type=Path, required=True)
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a config value changed (in a copy of configs/ in --scratch)")
    parser.add_argument("--trace", action="store_true",
                        help="print the stage's log lines as they come, each with the tree's "
                             "peak RSS since the line before")
    args = parser.parse_args()
    project, scratch = args.project.resolve(), args.scratch.resolve()
    words, outs = stage_command(args.code.resolve(), args.stage)
    scratch.mkdir(parents=True, exist_ok=True)
    configs = scratch / "configs"
    if configs.is_symlink():  # a run before without --set: never copy into the kept project
        configs.unlink()
    mine = outs
    if args.set:
        with_settings(project, scratch, args.set)
        mine = [*outs, "configs/"]
    elif not configs.exists():
        # The config's own relative paths (model.themes_file: configs/themes.yaml) resolve
        # from the stage's working folder, the scratch one: it sees the kept project's configs.
        configs.symlink_to(project / "configs")
    for out in outs:  # a stage that reads its own last output (run.json) finds it
        if (project / out).is_file():
            (scratch / out).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(project / out, scratch / out)
        else:  # a file's folder, or the output folder itself
            (scratch / out).parent.mkdir(parents=True, exist_ok=True)
            if not Path(out).suffix:
                (scratch / out).mkdir(exist_ok=True)
    result = measure(rewritten(words, mine, project, scratch), args.code.resolve(), scratch,
                     args.trace)
    print(f"{args.stage}: max RSS {result['max_rss_mb']:,.0f} MB (tree {result['tree_mb']:,.0f}"
          f" MB, PSS {result['tree_pss_mb']:,.0f} MB), CPU {result['cpu_s']:.1f} s, "
          f"rc {result['rc']}")
    if result["rc"]:
        print(result["tail"])
        raise SystemExit(1)
    for out in outs:
        mine, kept = scratch / out, project / out
        files = sorted(p.relative_to(mine) for p in mine.rglob("*") if p.is_file()) \
            if mine.is_dir() else [Path()]
        for name in files:
            same = (kept / name).is_file() and filecmp.cmp(mine / name, kept / name,
                                                           shallow=False)
            print(f"  {'same' if same else 'DIFFERS'} {Path(out) / name}")


if __name__ == "__main__":
    main()
