"""Speed at any size on real-shaped text: `dvc repro` per stage, the tokenizer against bare
fugashi, a naive script, and a Dask LocalCluster, in one run.

    python -m benchmarks.scale [--sizes 3 10 30 100] [--shapes big small] [--ratios-at 10]
        [--naive-at 10] [--fixed-k 10] [--dask-at 100] [--set KEY=VALUE ...] [--corpus DIR]
        [--keep DIR]

Text comes from benchmarks/real_text.py: Diet speech (--corpus, NDL records, read where it
lies) whose vocabulary keeps growing by the Heaps' law fitted on that corpus. Two shapes:
`big`, one file per meeting of about 100k characters; `small`, one NDL-layout table of
meetings of 1-2k characters (a 10M table holds about 6,500 meetings).

For each shape and size it copies the project, points `ingest.input` at the corpus (the
table's columns mapped as for NDL records), and runs `dvc repro` with the shipped config
otherwise (after one untimed warm-up on the bundled meeting). Each stage's own "done in"
time is read from its log; the resident memory of the whole process tree (dvc, the stage,
its workers) is sampled every 0.1 s and attributed to the stage running at the time.

At --ratios-at it times, interleaved over --rounds rounds on the same documents: bare
fugashi (`[w.surface for w in tagger(text)]`) in one process and on two halves in two
processes (this machine's ceiling), and our tokenizer's entry point `tokenize_corpus`
(documents in their meetings, cache off) with 1 and 2 processes, and our MeCab pass alone
(the floor under our time). At --naive-at it times benchmarks/naive_pipeline.py on the same
corpus (and with --fixed-k, the whole pipeline again with that K fixed: the product beside
the naive script at the naive script's K). At --dask-at it reruns the pipeline with
`compute.backend: dask` (a LocalCluster of 2 workers) and times one worker alone on a
slice of the text: the rate the whole-Diet plan in docs/scaling.md scales from.

With --restage STAGE ... it runs no pipeline: on each kept project of --keep (a run of this
script before, on the code of then), it sets aside the outputs of those stages, copies this
checkout's code in, and runs each stage alone (`dvc repro --force -s STAGE`): its tree peak,
its CPU seconds (the machine's load moves wall time, not these) and whether every output
came out byte for byte as before (`same`, else the files that differ):

    python -m benchmarks.scale --sizes 30 100 --keep DIR --restage label speakers networks

To run one stage by hand on a kept project without writing into it (its own peak, tree
peak, CPU seconds and outputs against the project's), see benchmarks/stage_alone.py.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import real_text  # noqa: E402
from tests._project import copy_project  # noqa: E402

_DONE = re.compile(r"^(\w+): done in ([\d.]+) s, peak memory (\d+) MB", re.MULTILINE)
_STAGE = re.compile(r"^Running stage '(\w+)'")
_PART = re.compile(r"^fit: (K sweep|final fit) done in ([\d.]+) s", re.MULTILINE)
_K = re.compile(r"^fit: \w+, K=(\d+) ", re.MULTILINE)


def _tree(root_pid: int) -> tuple[list[int], dict[int, int]]:
    """The pids of a process and all its descendants, and each one's resident bytes."""
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
    tree, stack = [], [root_pid]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, []))
    return tree, rss


def tree_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    tree, rss = _tree(root_pid)
    return sum(rss.get(pid, 0) for pid in tree) / 2**20


def _pss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_memory_mb(root_pid: int) -> tuple[float, float]:
    """The tree's resident memory (tree_rss_mb) and its proportional set size: RSS counts a
    page shared by several processes (a forked worker's copy-on-write pages, the MeCab
    dictionary every tagger maps) once in each; PSS divides it among them, so the tree's
    PSS is the memory it takes from the machine."""
    tree, rss = _tree(root_pid)
    return (sum(rss.get(pid, 0) for pid in tree) / 2**20,
            sum(map(_pss_bytes, tree)) / 2**20)


class Peaks(dict):
    """Peak tree RSS (MB) per stage, as run_repro measures it, with `pss`: the same for the
    tree's proportional set size (tree_memory_mb)."""

    def __init__(self) -> None:
        super().__init__()
        self.pss: dict[str, float] = {}


def _env() -> dict[str, str]:
    return {**os.environ, "DVC_NO_ANALYTICS": "1",
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def run_repro(project: Path, *extra: str) -> tuple[float, Peaks, str]:
    """`dvc repro` in project: wall seconds, peak tree memory (MB) per stage (RSS, and PSS
    as `.pss`), and its log."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "dvc", "repro", *extra], cwd=project,
                            env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    stage, peaks = ["dvc"], Peaks()

    def sample() -> None:
        while proc.poll() is None:
            rss, pss = tree_memory_mb(proc.pid)
            peaks[stage[0]] = max(peaks.get(stage[0], 0.0), rss)
            peaks.pss[stage[0]] = max(peaks.pss.get(stage[0], 0.0), pss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if match := _STAGE.match(line):
            stage[0] = match[1]
    proc.wait()
    sampler.join()
    wall = time.perf_counter() - start
    log = "".join(lines)
    if proc.returncode != 0:
        sys.exit(f"dvc repro failed in {project}:\n{log[-3000:]}")
    return wall, peaks, log


def set_config(project: Path, values: dict[str, str]) -> None:
    """Set keys (dotted) in the project's configs/pipeline.yaml, as text."""
    config = project / "configs/pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    for key, value in values.items():
        *parents, leaf = key.split(".")
        indent = "  " * len(parents)
        text, n = re.subn(rf"(?m)^{indent}{leaf}:[^\n]*$", f"{indent}{leaf}: {value}", text,
                          count=1)
        if not n:
            sys.exit(f"{config}: no key {key}")
    config.write_text(text, encoding="utf-8")


def input_config(corpus: Path, shape: str) -> dict[str, str]:
    if shape == "big":
        return {"ingest.input": str(corpus)}
    return {"ingest.input": str(corpus / "speeches.jsonl"), "ingest.columns.text": "speech",
            "ingest.columns.meeting": "issueID", "ingest.columns.id": "speechID"}


def build_corpus(work: Path, source, size: float, shape: str) -> tuple[Path, dict]:
    corpus = work / f"corpus-{shape}-{size:g}M"
    facts = corpus.with_suffix(".json")
    if not facts.exists():  # a kept corpus is reused: the same arguments give the same text
        shutil.rmtree(corpus, ignore_errors=True)
        facts.write_text(json.dumps(real_text.write(corpus, source, int(size * 1e6), shape)))
    return corpus, json.loads(facts.read_text())


def documents_of(corpus: Path) -> list[dict]:
    """The corpus's paragraphs as tokenizer documents, each in its meeting."""
    docs = []
    table = corpus / "speeches.jsonl"
    if table.exists():
        with open(table, encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                for paragraph in real_text._TAG.sub("", record["speech"]).split("\n"):
                    docs.append({"doc_id": str(len(docs)), "meeting": record["issueID"],
                                 "text": paragraph.strip("\u3000 "), "weight": 1.0})
    for path in sorted(corpus.glob("meeting_*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines()[3:]:
            docs.append({"doc_id": str(len(docs)), "meeting": path.stem,
                         "text": real_text._TAG.sub("", line).strip("\u3000 "), "weight": 1.0})
    return [d for d in docs if d["text"]]


def _bare(texts: list[str]) -> None:
    import fugashi

    tagger = fugashi.Tagger()
    for text in texts:
        [w.surface for w in tagger(text)]


def _mecab_pass(texts: list[str]) -> None:
    """Our tokenizer's MeCab pass alone (one output line per token, split), no term work:
    the floor under our time, to read the single-core ratio against."""
    from pipeline.tokenize.analyzer import Analyzer

    tagger = Analyzer()
    for text in texts:
        tagger.lines(text)


def _bare_two(texts: list[str]) -> None:
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_bare, [texts[0::2], texts[1::2]])


def _ours(docs: list[dict], n_jobs: int) -> None:
    from pipeline.common.compute import LocalExecutor
    from pipeline.common.config import TokensConfig
    from pipeline.tokenize.chunks import Worker
    from pipeline.tokenize.core import TokenizeRun, tokenize_corpus

    Worker.reset()  # every run starts cold, as a stage does: no words learned yet
    cfg = TokensConfig(pos=["noun", "proper_noun"], compound_min_count=3)
    ex = LocalExecutor(n_jobs)
    try:
        for _ in tokenize_corpus(lambda: docs, None, cfg, run=TokenizeRun(ex)).records():
            pass
    finally:
        ex.close()


def tokenizer_ratios(docs: list[dict], rounds: int) -> dict[str, list[float]]:
    """Seconds of bare fugashi and of ours, 1 and 2 processes, interleaved in rounds."""
    texts = [d["text"] for d in docs]
    runs = {"bare 1": lambda: _bare(texts), "ours 1": lambda: _ours(docs, 1),
            "ours 2": lambda: _ours(docs, 2), "bare 2": lambda: _bare_two(texts),
            "our MeCab pass alone": lambda: _mecab_pass(texts)}
    _bare(texts[: len(texts) // 10])  # the dictionary into the page cache, untimed
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def ratio_lines(times: dict[str, list[float]]) -> list[str]:
    """Each ratio as the median of the rounds' own ratios (runs made side by side)."""
    def med(a: str, b: str) -> float:
        return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))
    rows = [f"    {name}: " + " ".join(f"{t:.1f}" for t in ts) + " s" for name, ts in
            times.items()]
    rows += [f"  single-core ratio (bare 1 / ours 1): {med('bare 1', 'ours 1'):.2f}x "
             "(target >= 0.8)",
             f"  2-core speedup (ours 1 / ours 2): {med('ours 1', 'ours 2'):.2f}x "
             "(target >= 1.7)",
             f"  bare fugashi's own 2-process speedup: {med('bare 1', 'bare 2'):.2f}x "
             "(this machine's ceiling)"]
    if "our MeCab pass alone" in times:
        rows.append("  our MeCab pass alone (one output line per token, no term work) takes "
                    f"{med('our MeCab pass alone', 'bare 1'):.2f}x bare's time; "
                    f"{med('our MeCab pass alone', 'ours 1'):.0%} of ours 1")
    return rows


def naive_seconds(corpus: Path, work: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "benchmarks.naive_pipeline", str(corpus),
                    str(work / "naive.png")], cwd=ROOT, check=True, env=_env())
    return time.perf_counter() - start


def dask_worker_rate(docs: list[dict]) -> float:
    """Characters a second that one Dask worker tokenizes (a LocalCluster of one worker,
    the stage's tokenize path on its executor)."""
    from pipeline.common.compute import make_executor
    from pipeline.common.config import ComputeConfig, TokensConfig
    from pipeline.tokenize.core import TokenizeRun, tokenize_corpus

    ex = make_executor(ComputeConfig(backend="dask", n_workers=1), 1, 10**9)
    try:
        cfg = TokensConfig(pos=["noun", "proper_noun"], compound_min_count=3)
        start = time.perf_counter()
        for _ in tokenize_corpus(lambda: docs, None, cfg, run=TokenizeRun(ex)).records():
            pass
        return sum(len(d["text"]) for d in docs) / (time.perf_counter() - start)
    finally:
        ex.close()


def fixed_k_line(work: Path, corpus: Path, shape: str, k: int, naive: float) -> str:
    """The whole pipeline once more, from nothing, with K fixed (no sweep): what the product
    costs beside the naive script at the naive script's K."""
    project = work / f"project-{shape}-fixed-k{k}"
    shutil.rmtree(project, ignore_errors=True)
    copy_project(project)
    set_config(project, {**input_config(corpus, shape), "model.n_topics": str(k)})
    wall, peaks, log = run_repro(project)
    stages = {m[1]: float(m[2]) for m in _DONE.finditer(log)}
    shutil.rmtree(project, ignore_errors=True)
    others = sum(v for name, v in stages.items() if name != "fit")
    return (f"  the project with model.n_topics {k}: dvc repro {wall:.1f} s, {wall / naive:.2f}x "
            f"the naive script; fit {stages.get('fit', 0):.1f} s, the other stages "
            f"{others:.1f} s, dvc and start-up {wall - sum(stages.values()):.1f} s")


def stage_outputs(project: Path, stage: str) -> list[Path]:
    """The outputs (outs, metrics) dvc.yaml lists for a stage, as paths in project."""
    import yaml

    spec = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))["stages"][stage]
    entries = [*spec.get("outs", []), *spec.get("metrics", [])]
    return [project / (next(iter(e)) if isinstance(e, dict) else e) for e in entries]


def _same(a: Path, b: Path) -> bool:
    if a.is_dir():
        names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        return names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) and all(
            (a / n).read_bytes() == (b / n).read_bytes() for n in names)
    return b.is_file() and a.read_bytes() == b.read_bytes()


def restage(project: Path, stages: list[str]) -> list[str]:
    """Each stage rerun alone on this checkout's code: its tree peak, CPU seconds (the
    stage's process and its children, dvc's included) and its outputs against the kept."""
    before = project / "before"
    shutil.rmtree(before, ignore_errors=True)
    for stage in stages:
        # A stage of a run cut short has no outputs yet: nothing to compare with.
        for path in filter(Path.exists, stage_outputs(project, stage)):
            keep = before / path.relative_to(project)
            keep.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if path.is_dir() else shutil.copy2)(path, keep)
    shutil.rmtree(project / "pipeline")
    shutil.copytree(ROOT / "pipeline", project / "pipeline",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "dvc.yaml", project / "dvc.yaml")
    lines = []
    for stage in stages:
        # A fresh tokenize: the token cache of an earlier run would answer every meeting.
        shutil.rmtree(project / "outputs/cache", ignore_errors=True)
        cpu = os.times()
        wall, peaks, log = run_repro(project, "--force", "-s", stage)
        after = os.times()
        seconds = (after.children_user - cpu.children_user
                   + after.children_system - cpu.children_system)
        differ = [str(p.relative_to(project)) for p in stage_outputs(project, stage)
                  if not _same(p, before / p.relative_to(project))]
        done = {m[1]: float(m[2]) for m in _DONE.finditer(log)}
        lines.append(f"  {stage:<10}{done.get(stage, wall):7.1f} s  CPU {seconds:7.1f} s  "
                     f"tree peak {peaks.get(stage, 0.0):6,.0f} MB "
                     f"(PSS {peaks.pss.get(stage, 0.0):6,.0f} MB)  outputs: "
                     + ("same" if not differ else "differ: " + ", ".join(differ)))
        print(lines[-1], flush=True)
    return lines


def restage_all(args) -> None:
    for shape in args.shapes:
        for size in args.sizes:
            project = args.keep / f"project-{shape}-{size:g}M"
            print(f"\n## {shape}, {size:g}M characters: stages rerun on this code "
                  f"({project}); 1-minute load {os.getloadavg()[0]:.2f}", flush=True)
            restage(project, args.restage)


def stage_table(rows: list[dict]) -> list[str]:
    names = [n for n in rows[0]["stages"] if n != "user_files"]
    out = ["| shape | corpus | meetings | `dvc repro` | per M chars | peak memory (PSS) | "
           + " | ".join(names) + " |",
           "|---|---|---|---|---|---|" + "---|" * len(names)]
    for r in rows:
        cells = " | ".join(f"{r['stages'][n][0]:.0f} s" if n in r["stages"] else "-"
                           for n in names)
        out.append(f"| {r['shape']} | {r['size']:g}M chars | {r['meetings']:,} | "
                   f"{r['wall']:.0f} s | {r['wall'] / r['chars'] * 1e6:.1f} s | "
                   f"{r['peak'] / 1024:.2f} GB ({r['peak_pss'] / 1024:.2f}) | {cells} |")
    return out


def measure(args, work: Path, source, shape: str, size: float) -> dict:
    """One shape and size: `dvc repro` per stage, then what --ratios-at, --naive-at and
    --dask-at ask for at this size; the row of the final table."""
    corpus, facts = build_corpus(work, source, size, shape)
    project = work / f"project-{shape}-{size:g}M"
    shutil.rmtree(project, ignore_errors=True)
    copy_project(project)
    set_config(project, {**input_config(corpus, shape),
                         **dict(kv.split("=", 1) for kv in args.set)})
    cpu = os.times()
    wall, peaks, log = run_repro(project)
    after = os.times()
    seconds = (after.children_user - cpu.children_user
               + after.children_system - cpu.children_system)
    stages = {m[1]: (float(m[2]), peaks.get(m[1], 0.0), peaks.pss.get(m[1], 0.0))
              for m in _DONE.finditer(log)}
    row = {"shape": shape, "size": size, "meetings": facts["meetings"],
           "chars": facts["chars"], "wall": wall, "peak": max(peaks.values()),
           "peak_pss": max(peaks.pss.values()),
           "stages": stages, "new_words": facts["new_words"]}
    print(f"\n## {shape}, {size:g}M characters, {facts['meetings']:,} meetings, "
          f"{facts['new_words']:,} new words: dvc repro {wall:.1f} s "
          f"({wall / facts['chars'] * 1e6:.2f} s per M chars; CPU {seconds:.0f} s, "
          f"{seconds / facts['chars'] * 1e6:.2f} s per M chars), "
          f"peak {row['peak']:,.0f} MB (process tree; PSS {row['peak_pss']:,.0f} MB)")
    for name, (seconds, mb, pss) in stages.items():
        print(f"  {name:<10}{seconds:7.1f} s {seconds / facts['chars'] * 1e6:6.2f} "
              f"s/M chars  tree peak {mb:6,.0f} MB (PSS {pss:6,.0f} MB)")
    parts = dict(_PART.findall(log))
    if parts:
        sweep, final = float(parts.get("K sweep", 0)), float(parts.get("final fit", 0))
        chosen = _K.search(log)
        print(f"  fit: K sweep {sweep:.1f} s, final fit {final:.1f} s (the K choice "
              f"{sweep / max(final, 1e-9):.1f}x the final fit; target <= 3)"
              + (f"; K = {chosen[1]}" if chosen else ""))
    if size == args.ratios_at:
        docs = documents_of(corpus)
        print(f"  tokenizer on the same {len(docs):,} documents "
              f"({len({d['meeting'] for d in docs}):,} meetings), cache off:")
        print("\n".join(ratio_lines(tokenizer_ratios(docs, args.rounds))))
        del docs
    if size == args.naive_at:
        naive = naive_seconds(corpus, work)
        print(f"  naive script (benchmarks/naive_pipeline.py): {naive:.1f} s; "
              f"the project {wall / naive:.2f}x its time (issue 25: <= 2)")
        if args.fixed_k:
            print(fixed_k_line(work, corpus, shape, args.fixed_k, naive))
    if size == args.dask_at and shape == args.shapes[0]:
        print("\n".join(dask_lines(project, corpus)))
    return row


def dask_lines(project: Path, corpus: Path) -> list[str]:
    """The pipeline again on a 2-worker LocalCluster, and one Dask worker's tokenizing rate."""
    set_config(project, {"compute.backend": "dask", "compute.n_workers": "2"})
    wall, peaks, log = run_repro(project, "--force")
    done = {m[1]: float(m[2]) for m in _DONE.finditer(log)}
    docs = documents_of(corpus)[:200_000]
    rate = dask_worker_rate(docs)
    return [f"  dask LocalCluster, 2 workers: dvc repro --force {wall:.1f} s, "
            f"peak {max(peaks.values()):,.0f} MB; tokenize {done.get('tokenize')} s, "
            f"fit {done.get('fit')} s",
            f"  one Dask worker: {rate / 1e6:.2f} M chars/s tokenized "
            f"({sum(len(d['text']) for d in docs) / 1e6:.1f} M chars)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[3, 10, 30, 100])
    parser.add_argument("--shapes", nargs="+", default=["big", "small"])
    parser.add_argument("--ratios-at", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--naive-at", type=float, default=10)
    parser.add_argument("--dask-at", type=float, default=100)
    parser.add_argument("--fixed-k", type=int, default=0,
                        help="at --naive-at, also run the pipeline with model.n_topics fixed "
                             "at this K (the naive script's is 10)")
    parser.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE",
                        help="config values for every project (model.n_topics=60: no sweep)")
    parser.add_argument("--corpus", type=Path, default=real_text.DIET_DEV)
    parser.add_argument("--keep", type=Path, help="keep corpora and projects here")
    parser.add_argument("--restage", nargs="+", default=[],
                        help="rerun these stages on the kept projects with this code")
    args = parser.parse_args()
    if args.restage:
        restage_all(args)
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# {platform.machine()}, {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB, "
          f"Python {platform.python_version()}, fugashi {version('fugashi')}; "
          f"1-minute load at start {os.getloadavg()[0]:.2f}")
    source = real_text.load_source(args.corpus)
    print(f"# source: {args.corpus.name}, {len(source.sentences):,} sentences; Heaps' law "
          f"V = {source.heaps_k:.1f}·n^{source.heaps_beta:.3f} (distinct MeCab surfaces)")
    warm = work / "warm-up"
    shutil.rmtree(warm, ignore_errors=True)
    run_repro(copy_project(warm))  # untimed: bytecode compiled, libraries read from disk
    rows = []
    for shape in args.shapes:
        for size in args.sizes:
            rows.append(measure(args, work, source, shape, size))
            sys.stdout.flush()
    print()
    print("\n".join(stage_table(rows)))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
