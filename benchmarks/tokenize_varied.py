"""The tokenize stage on text as varied as news, against bare fugashi, in one run.

    python -m benchmarks.tokenize_varied --corpus A/speeches.jsonl [--corpus B ...]
        [--chars 9e6] [--rounds 3] [--against OTHER_CHECKOUT] [--keep DIR]

The text is built by benchmarks/varied_text.py from the Diet records given (--corpus: NDL
records such as diet-dev, diet-2025, kokkai-sample, read where they lie): 9M characters whose
first 1.5M have 31 distinct MeCab surfaces per 1,000 tokens, as news does (diet-dev: 12).

Each checkout (this one, and --against, e.g. main, for a before/after in the same run) is
copied to a scratch folder with its config pointed at the table (the README's NDL columns,
headers left out, `tokens.n_jobs: 2`); `dvc repro tokenize` makes the stage's inputs once,
untimed. Then, in each of --rounds rounds, interleaved:

- bare fugashi in one process: `[w.surface for w in tagger(text)]` over the texts of the
  stage's documents.jsonl (the same text the stage reads), in a fresh process; only the loop
  is timed (not Python's start, the import or reading the file): the stricter measure;
- per checkout (in turns, alternating which goes first), `dvc repro -s -f tokenize` with the
  token cache emptied first (a first run writes every entry): wall time, DVC's start-up and
  checks included, as issue #27 measures.

Prints every round, the medians, and speed ratios (bare / stage: above 1.0 is faster than
bare fugashi), each round's ratio taken within the round; the load average beside them. Each
timing also gives the CPU seconds (user + system) of everything it ran (DVC, the stage and its
workers; bare fugashi's whole process): on a machine shared with other jobs the wall times
move with the load, while the work done moves much less.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

from benchmarks import varied_text

ROOT = Path(__file__).resolve().parents[1]
_SKIP = shutil.ignore_patterns(".venv", ".git", "outputs", "__pycache__", ".pytest_cache",
                               "*.egg-info", ".hypothesis", "docs")
_DONE = re.compile(r"^tokenize: done in ([\d.]+) s", re.MULTILINE)
_BARE = """
import json, sys, time, fugashi
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
tagger = fugashi.Tagger()
start = time.perf_counter()
for text in texts:
    [w.surface for w in tagger(text)]
print(time.perf_counter() - start)
"""


def _ignore(folder: str, names: list[str]) -> set[str]:
    own = {"cache", "tmp"} if Path(folder).name == ".dvc" else set()
    return set(_SKIP(folder, names)) | (own & set(names))


def _env() -> dict[str, str]:
    return {**os.environ, "DVC_NO_ANALYTICS": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd}:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return proc.stdout + proc.stderr


def prepare(source: Path, dest: Path, table: Path) -> Path:
    """A copy of the checkout at `source`, configured for the table, its inputs made."""
    shutil.copytree(source, dest, ignore=_ignore)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    config_path = dest / "configs/pipeline.yaml"
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config["ingest"].update(
        input=str(table), exclude_rows={"kind": ["header"]},
        columns={"speaker": "speaker", "text": "speech", "meeting": "issueID",
                 "id": "speechID", "date": "date", "title": ["house", "meeting", "issue"]})
    config["tokens"]["n_jobs"] = 2
    config["model"]["themes_file"] = "configs/no_themes.yaml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                           encoding="utf-8")
    _run([sys.executable, "-m", "dvc", "repro", "tokenize"], dest)
    return dest


def time_stage(project: Path) -> tuple[float, float, float]:
    """Wall seconds of `dvc repro -s -f tokenize` (cache emptied first), the stage's own
    "done in" seconds, and the CPU seconds of it all (DVC, the stage, its workers)."""
    shutil.rmtree(project / "outputs/cache/tokens", ignore_errors=True)
    cpu = _children_cpu()
    start = time.perf_counter()
    log = _run([sys.executable, "-m", "dvc", "repro", "-s", "-f", "tokenize"], project)
    wall = time.perf_counter() - start
    done = _DONE.search(log)
    return wall, float(done[1]) if done else float("nan"), _children_cpu() - cpu


def time_bare(documents: Path) -> tuple[float, float]:
    """Seconds of bare fugashi's loop, and the CPU seconds of its whole process."""
    cpu = _children_cpu()
    loop = float(_run([sys.executable, "-c", _BARE, str(documents)], ROOT).strip())
    return loop, _children_cpu() - cpu


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _summary(rows: list[dict], names: list[str]) -> None:
    """Medians over the rounds, and each round's this / against pairs (wall and CPU)."""
    print(f"median bare fugashi, 1 process: {statistics.median(r['bare'] for r in rows):.2f} s "
          f"({statistics.median(r['bare_cpu'] for r in rows):.1f} s CPU)")
    for name in names:
        wall = statistics.median(r[name][0] for r in rows)
        ratio = statistics.median(r["bare"] / r[name][0] for r in rows)
        cpu = statistics.median(r[name][2] for r in rows)
        print(f"median {name}: dvc repro tokenize {wall:.2f} s ({cpu:.1f} s CPU), speed vs "
              f"bare {ratio:.2f}x (target >= 1.0)")
    if "against" in names:
        for what, i in (("wall", 0), ("cpu", 2)):
            paired = [r["this"][i] / r["against"][i] for r in rows]
            print(f"# paired this / against per round, {what}: "
                  + " ".join(f"{x:.2f}" for x in paired)
                  + f" (median {statistics.median(paired):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", required=True)
    parser.add_argument("--chars", type=float, default=9e6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, help="another checkout, timed alike")
    parser.add_argument("--keep", type=Path, help="work folder kept (and its table reused)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="tokenize-varied-"))
    work.mkdir(parents=True, exist_ok=True)
    table = work / "varied.jsonl"
    facts_path = work / "varied.json"
    if not facts_path.exists():
        facts_path.write_text(json.dumps(varied_text.write(
            table, args.corpus, int(args.chars), 31.0, 0)))
    facts = json.loads(facts_path.read_text())
    checkouts = {"this": ROOT, **({"against": args.against.resolve()} if args.against else {})}
    projects = {}
    for name, source in checkouts.items():
        shutil.rmtree(work / name, ignore_errors=True)
        projects[name] = prepare(source, work / name, table)
    documents = projects["this"] / "outputs/interim/documents.jsonl"
    n_chars = sum(len(json.loads(line)["text"]) for line in open(documents, encoding="utf-8"))
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"fugashi {version('fugashi')}, unidic-lite {version('unidic-lite')}")
    print(f"# table: {facts['chars']:,} characters of speech, {facts['records']:,} records; "
          f"splice rate {facts['rate']}; first 1.5M: {facts['per_1000']} distinct surfaces "
          f"per 1,000 tokens (the corpora alone: {facts['mix_per_1000']})")
    print(f"# documents.jsonl: {n_chars:,} characters; checkouts: "
          + ", ".join(f"{k} = {v}" for k, v in checkouts.items()))
    print("# round: load (1, 5, 15 min) | bare s (cpu s) | per checkout: dvc repro s (stage s; "
          "cpu s) ratio")
    rows: list[dict] = []
    for i in range(args.rounds):
        row: dict[str, Any] = {"load": _load()}
        row["bare"], row["bare_cpu"] = time_bare(documents)
        # Checkouts in turn, the first one first in odd rounds only: neither always follows
        # bare fugashi.
        for name, project in sorted(projects.items(), reverse=i % 2 == 1):
            row[name] = time_stage(project)
        rows.append(row)
        print(f"#  {i + 1}: load {row['load']} | bare {row['bare']:.2f} ({row['bare_cpu']:.1f})"
              " | " + " | ".join(
                  f"{name} {row[name][0]:.2f} ({row[name][1]:.1f}; {row[name][2]:.1f}) "
                  f"{row['bare'] / row[name][0]:.2f}x" for name in projects), flush=True)
    _summary(rows, list(projects))
    print(f"# load at end: {_load()}")


if __name__ == "__main__":
    main()
