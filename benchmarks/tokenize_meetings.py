"""The tokenize stage on many small meetings, with 1 and 2 jobs, cache off and on.

    python -m benchmarks.tokenize_meetings [--corpus DIR] [--min-chars 1000]
        [--max-chars 2000] [--copies 1] [--repeat 3] [--project PATH]

Meetings are cut from the Diet minutes in --corpus (NDL records, speeches.jsonl; read from
where they lie, never copied into the project): consecutive speeches are joined into
meetings of --min-chars to --max-chars characters (lengths drawn with a fixed seed), one
document per paragraph. --copies > 1 repeats the corpus under new meeting names (with
boilerplate detection off: every sentence would recur in that many meetings). The real
stage (`python -m pipeline.stages.tokenize`) runs in a subprocess with the shipped config
but for tokens.n_jobs and tokens.cache, in the checkout --project (default: this one), so
the same inputs can be timed on two commits in one sitting. Runs are interleaved in
--repeat rounds; the figure is the stage's own "done in" time (without Python start-up);
min and median are printed, and the least CPU time of the stage and its workers (on a
machine shared with other jobs, wall times say little about a second core). A sha256 of
tokens.jsonl shows whether outputs are identical across jobs, cache and commits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
_DONE = re.compile(r"tokenize: done in ([\d.]+) s, peak memory (\d+) MB")


def make_meetings(corpus: Path, min_chars: int, max_chars: int, copies: int,
                  seed: int = 0) -> tuple[list[dict], list[dict]]:
    """documents.jsonl records and roster rows for meetings of min..max characters."""
    rng = np.random.default_rng(seed)
    speeches = []
    with open(corpus / "speeches.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("kind") == "header":
                continue
            speeches.append((record["speaker"], unicodedata.normalize("NFKC", record["speech"])))
    docs: list[dict] = []
    speakers: set[str] = set()
    for copy in range(copies):
        meeting, size, target, n = None, 0, 0, 0
        for speaker, speech in speeches:
            if meeting is None or size >= target:
                n += 1
                meeting, size = f"c{copy}/m{n:05d}", 0
                target = int(rng.integers(min_chars, max_chars + 1))
            speakers.add(speaker)
            for p, paragraph in enumerate(p for p in speech.splitlines() if p.strip()):
                paragraph = paragraph[: target - size] if size + len(paragraph) > target \
                    else paragraph
                if not paragraph:
                    break
                docs.append({"doc_id": f"{meeting}#{len(docs)}.{p}", "meeting": meeting,
                             "speaker": speaker, "text": paragraph.strip(), "weight": 1.0})
                size += len(paragraph)
    roster = [{"speaker": s, "label": s, "role": ""} for s in sorted(speakers)]
    return docs, roster


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_stage(project: Path, work: Path, n_jobs: int, cache: bool,
              copies: int = 1) -> tuple[float, float, str]:
    """The stage's own time (s), the CPU time of the stage and its workers (s, with Python's
    start-up), and the sha256 of tokens.jsonl."""
    config = yaml.safe_load((project / "configs/pipeline.yaml").read_text(encoding="utf-8"))
    config["tokens"]["n_jobs"] = n_jobs
    config["tokens"]["cache"] = cache
    if copies > 1:  # every sentence recurs in `copies` meetings: all would be boilerplate
        config["tokens"]["boilerplate_min_meetings"] = 0
    path = work / f"config-{n_jobs}-{cache}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    tokens = work / f"tokens-{n_jobs}-{cache}.jsonl"
    cache_dir = work / f"cache-{n_jobs}"
    if cache_dir.exists():  # a cold cache: every meeting tokenized and written
        subprocess.run(["rm", "-rf", str(cache_dir)], check=True)
    cpu = _children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.stages.tokenize", "--config", str(path),
         "--documents", str(work / "documents.jsonl"), "--roster", str(work / "roster.json"),
         "--tokens", str(tokens), "--metrics", str(work / "tokens.json"),
         "--cache", str(cache_dir)],
        cwd=project, capture_output=True, text=True, check=True)
    match = _DONE.search(done.stderr)
    digest = hashlib.sha256(tokens.read_bytes()).hexdigest()[:16]
    return float(match[1]), _children_cpu() - cpu, digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpora/diet-dev"))
    parser.add_argument("--min-chars", type=int, default=1000)
    parser.add_argument("--max-chars", type=int, default=2000)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--project", type=Path, action="append",
                        help="checkout(s) to time (default: this one); repeat to compare")
    args = parser.parse_args()
    projects = [p.resolve() for p in args.project or [ROOT]]
    docs, roster = make_meetings(args.corpus, args.min_chars, args.max_chars, args.copies)
    n_meetings = len({d["meeting"] for d in docs})
    n_chars = sum(len(d["text"]) for d in docs)
    print(f"# {n_meetings} meetings, {len(docs)} documents, {n_chars:,} characters; "
          f"{args.repeat} interleaved rounds; stage time without start-up (s)")
    runs = [(p, j, c) for p in projects for c in (False, True) for j in (1, 2)]
    times: dict[tuple, list[float]] = {r: [] for r in runs}
    cpus: dict[tuple, list[float]] = {r: [] for r in runs}
    digests: dict[tuple, set[str]] = {r: set() for r in runs}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        with open(work / "documents.jsonl", "w", encoding="utf-8") as out:
            for doc in docs:
                out.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
        (work / "roster.json").write_text(json.dumps(roster, ensure_ascii=False),
                                          encoding="utf-8")
        # An untimed warm-up: the dictionary into the page cache.
        run_stage(projects[0], work, 1, False, args.copies)
        for _ in range(args.repeat):
            for r in runs:
                seconds, cpu, digest = run_stage(r[0], work, r[1], r[2], args.copies)
                times[r].append(seconds)
                cpus[r].append(cpu)
                digests[r].add(digest)
    for r in runs:
        print(f"{str(r[0]):<28} n_jobs={r[1]} cache={'on ' if r[2] else 'off'}  "
              f"min {min(times[r]):6.2f}  median {statistics.median(times[r]):6.2f}  "
              f"cpu {min(cpus[r]):6.2f}  "
              f"all {' '.join(f'{t:.2f}' for t in times[r])}  tokens {','.join(digests[r])}")
    print(f"tokens.jsonl identical across every run: {len(set().union(*digests.values())) == 1}")


if __name__ == "__main__":
    main()
