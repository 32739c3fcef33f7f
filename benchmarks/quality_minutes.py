"""Topics on real minutes: does each meeting's main topic follow its committee?

For Diet minutes in the NDL speech-record layout (`speeches.jsonl` + `meetings.tsv`, as in
`../shared/corpora/diet-dev` and `kokkai-sample`), given by path, never copied here:

- **shipped**: the project's shipped defaults (only `ingest.input`, the table columns and
  `model.themes_file: configs/no_themes.yaml` set) through a real `dvc repro` in a temporary copy;
  `--ref REV` adds the same for a git commit (the "before" of a change);
- **recipe**: the 20-line script of issue 13 (drop the chair's turns, one document per turn,
  fugashi nouns, sublinear tf-idf with min_df 5 / max_df 0.2, plain NMF, K = 10);
- **tomotopy**: tomotopy LDA on the shipped run's own document-term matrix at the K the
  shipped run chose (mean over three seeds).

For each it reports the NMI of each meeting's dominant topic (token-weighted mean of its
documents' topic shares) against the meeting's committee (`meetings.tsv` column `meeting`),
over the meetings the configuration models (as `score-minutes` does) and over all meetings
(a meeting with nothing modelled counts as one more class, "no subject"); the largest
topic's share of the tokens; the number of topics whose top 10 terms are mostly procedure
(at least 5 of 10 contain a word of PROCEDURE below, a lexicon stated here, apart from the
product's own); coherence (NPMI) and stability where the run reports them; and fit time.

`--bundled` adds the bundled meeting under seeds 1, 2, 3 and 42: which topic each presenter
leads with (岸: materials R&D, 上久保: special zones / decentralization, 後藤: digital /
economic security) and whether the three seeded themes stay three distinct topics.

    python -m benchmarks.quality_minutes --corpus ../shared/corpora/diet-dev \
        [--corpus ../shared/corpora/kokkai-sample] [--bundled] [--ref REV]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.metrics import normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.speaker_measure import (  # noqa: E402
    dominant_from_table,
    speaker_scores,
    speaker_truth,
)
from tests._project import copy_project, dvc  # noqa: E402

warnings.filterwarnings("ignore")

# The benchmark's own lexicon of procedure (a term counts when it contains one of these).
PROCEDURE = tuple("""異議 決定 閉会 開会 散会 休憩 開議 付託 採決 起立 了承 指名 推選 推挙 署名
動議
議題 議事 一任 先例 選任 辞任 補欠 互選 選挙 当選 欠員 派遣 継続 要求書 本鈴 予鈴 会議録 日程 可決
否決 公報 案件 手続 許可 諮り 取扱 出席 理事会 次回 挨拶 会期 延期 上程 演説 本席 祝意""".split())
CHAIR = re.compile(r"(委員長|議長|会長)")
PRESENTERS = {"岸": ("材料", "マテリアル", "研究", "科学", "開発"),
              "上久保": ("特区", "地方", "分権", "規制"),
              "後藤": ("安全保障", "セキュリティ", "サイバー")}
_DONE = re.compile(r"^(\w+): done in ([\d.]+) s", re.MULTILINE)
_PART = re.compile(r"^fit: (K sweep|final fit) done in ([\d.]+) s", re.MULTILINE)


def nmi(labels: list[str], predicted: list) -> float:
    return float(normalized_mutual_info_score(labels, [str(p) for p in predicted]))


def procedural(topics: list[list[str]]) -> int:
    """Topics with at least half of their top 10 terms procedure."""
    return sum(sum(any(w in t for w in PROCEDURE) for t in terms[:10]) >= 5 for terms in topics)


def meeting_scores(meetings: list[str], theta: np.ndarray, n_tokens: np.ndarray,
                   committee: dict[str, str]) -> dict:
    """NMI of each meeting's dominant topic against its committee; the largest topic."""
    frame = pd.DataFrame(theta * n_tokens[:, None])
    frame["meeting"] = meetings
    summed = frame.groupby("meeting").sum()
    dominant = dict(zip(summed.index, summed.to_numpy().argmax(axis=1), strict=True))
    share = summed.to_numpy().sum(axis=0) / summed.to_numpy().sum()
    return score_dominant(dominant, committee) | {"largest": float(share.max())}


def score_dominant(dominant: dict[str, object], committee: dict[str, str]) -> dict:
    covered = [m for m in committee if m in dominant]
    every = list(committee)
    return {
        "nmi": nmi([committee[m] for m in covered], [dominant[m] for m in covered]),
        "nmi_all": nmi([committee[m] for m in every],
                       [dominant.get(m, "no subject") for m in every]),
        "meetings": f"{len(covered)}/{len(every)}",
    }


def run_project(project: Path, overrides: dict[str, str]) -> tuple[float, str]:
    """Set config keys (dotted, as text in the YAML) and run `dvc repro`."""
    config = project / "configs/pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    for key, value in overrides.items():
        *parents, leaf = key.split(".")
        indent = "  " * len(parents)
        text, n = re.subn(rf"(?m)^{indent}{leaf}:[^\n]*$", f"{indent}{leaf}: {value}", text,
                          count=1)
        if not n:
            raise SystemExit(f"{config}: no key {key}")
    config.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    done = dvc(project, "repro")
    if done.returncode:
        raise SystemExit(f"dvc repro failed in {project}:\n{done.stdout[-2000:]}"
                         f"{done.stderr[-2000:]}")
    return time.perf_counter() - start, done.stdout + done.stderr


def corpus_overrides(corpus: Path) -> dict[str, str]:
    """The README's settings for NDL records, with meeting titles and attributes (committee,
    house) in either field naming (diet-dev's house/meeting, the API's nameOfHouse/
    nameOfMeeting), so the report a person reads names committees, not issueIDs."""
    with (corpus / "speeches.jsonl").open(encoding="utf-8") as lines:
        first = json.loads(lines.readline())
    house, meeting = ("house", "meeting") if "house" in first else ("nameOfHouse",
                                                                    "nameOfMeeting")
    return {"ingest.input": str((corpus / "speeches.jsonl").resolve()),
            "ingest.columns.title": f"[{house}, {meeting}, issue]",
            "ingest.columns.meeting_attributes": f"{{委員会: {meeting}, 院: {house}}}",
            "ingest.columns.text": "speech", "ingest.columns.meeting": "issueID",
            "ingest.columns.id": "speechID", "ingest.exclude_rows": "{kind: [header]}",
            "model.themes_file": "configs/no_themes.yaml"}


def shipped_outputs(project: Path, committee: dict[str, str],
                    truths: dict[str, dict[str, str]]) -> dict:
    """Scores of a finished run, read from its outputs as score-minutes and score-speakers
    do (truths: the speakers to score, by the name of the set)."""
    out = project / "outputs"
    dominant = dominant_from_table(out / "tables/speaker_topics.csv")
    mt = pd.read_csv(out / "tables/meeting_topics.csv", dtype={"meeting": str})
    best = mt.sort_values(["meeting", "share", "topic"], ascending=[True, False, True]) \
        .drop_duplicates("meeting").set_index("meeting")["topic"].to_dict()
    weights = mt.assign(w=mt["share"] * mt["n_tokens"]).groupby("topic")["w"].sum()
    terms = pd.read_csv(out / "tables/topic_terms.csv").sort_values(["topic", "rank"]) \
        .groupby("topic")["term"].apply(list).tolist()
    model = json.loads((out / "metrics/model.json").read_text(encoding="utf-8"))
    return score_dominant(best, committee) | {
        "largest": float(weights.max() / weights.sum()), "procedural": procedural(terms),
        "k": model["n_topics"], "npmi": model["coherence_npmi"],
        "stability": model.get("stability"), "topics": terms,
        "speakers": {name: speaker_scores(truth, dominant) for name, truth in truths.items()}}


@functools.cache
def recipe_documents(corpus: Path) -> tuple[list[list[str]], list[str], list[str]]:
    """The recipe's documents (nouns of each turn but the chair's), their meetings and
    speakers; tokenized once per corpus for every K the benchmark tries."""
    import fugashi

    tagger = fugashi.Tagger()
    rows = [json.loads(line) for line in (corpus / "speeches.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r.get("kind") != "header"]
    docs, meetings, speakers = [], [], []
    for r in rows:
        label, _, text = r["speech"].lstrip("○").partition("\u3000")
        if CHAIR.search(label):
            continue
        docs.append([w.surface for w in tagger(text) if w.feature.pos1 == "名詞"])
        meetings.append(r["issueID"])
        speakers.append(r.get("speaker") or "")
    return docs, meetings, speakers


def recipe(corpus: Path, committee: dict[str, str], k: int = 10, seed: int = 42,
           truths: dict[str, dict[str, str]] | None = None) -> dict:
    """Issue 13's 20-line script, as written there; a speaker's share is the mean of their
    documents' normalized weights (issue 24)."""
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs, meetings, speakers = recipe_documents(corpus)
    start = time.perf_counter()
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=5, max_df=0.2)
    x = vectorizer.fit_transform(docs)
    keep = np.asarray(x.sum(axis=1)).ravel() > 0
    nmf = NMF(k, random_state=seed, max_iter=400)
    w = nmf.fit_transform(x[keep])
    seconds = time.perf_counter() - start
    theta = w / np.maximum(w.sum(axis=1, keepdims=True), 1e-12)
    n_tokens = np.array([len(d) for d, kept in zip(docs, keep, strict=True) if kept], float)
    vocab = vectorizer.get_feature_names_out()
    topics = [[vocab[i] for i in np.argsort(-h)[:10]] for h in nmf.components_]
    kept_meetings = [m for m, kept in zip(meetings, keep, strict=True) if kept]
    mean = pd.DataFrame(theta).groupby(np.asarray(speakers)[keep]).mean()
    dominant = dict(zip(mean.index, mean.to_numpy().argmax(axis=1), strict=True))
    return meeting_scores(kept_meetings, theta, n_tokens, committee) | {
        "k": k, "procedural": procedural(topics), "fit_s": seconds, "topics": topics,
        "speakers": {name: speaker_scores(truth, dominant)
                     for name, truth in (truths or {}).items()}}


def tomotopy_at(project: Path, committee: dict[str, str], k: int,
                seeds: tuple[int, ...] = (1, 2, 3),
                truths: dict[str, dict[str, str]] | None = None) -> dict:
    """tomotopy LDA on the shipped run's matrix at its K, mean over seeds; a speaker's share
    is the token-weighted mean of their documents' (as the shipped tables)."""
    from pipeline.model.engines import EngineSpec, make_model

    out = project / "outputs/interim"
    counts = sp.load_npz(out / "dtm.npz")
    index = json.loads((out / "dtm_documents.json").read_text(encoding="utf-8"))
    meetings = [d["doc_id"].rsplit("#", 1)[0] for d in index]
    vocab = json.loads((out / "vocabulary.json").read_text(encoding="utf-8"))
    n_tokens = np.asarray(counts.sum(axis=1)).ravel().astype(float)
    speaker_of = {}
    for line in (out / "documents.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        speaker_of[record["doc_id"]] = record["speaker"]
    speakers = np.asarray([speaker_of[d["doc_id"]] for d in index])
    results = []
    for seed in seeds:
        start = time.perf_counter()
        model = make_model(EngineSpec("tomotopy_lda"), k, seed).fit(counts)
        theta = model.transform(counts)
        seconds = time.perf_counter() - start
        topics = [[vocab[i] for i in np.argsort(-row)[:10]] for row in model.components_]
        summed = pd.DataFrame(theta * n_tokens[:, None]).groupby(speakers).sum()
        dominant = dict(zip(summed.index, summed.to_numpy().argmax(axis=1), strict=True))
        results.append(meeting_scores(meetings, theta, n_tokens, committee)
                       | {"procedural": procedural(topics), "fit_s": seconds,
                          "speakers": {name: speaker_scores(truth, dominant)
                                       for name, truth in (truths or {}).items()}})
    return {"k": k, "nmi": np.mean([r["nmi"] for r in results]),
            "nmi_all": np.mean([r["nmi_all"] for r in results]),
            "meetings": results[0]["meetings"],
            "largest": np.mean([r["largest"] for r in results]),
            "procedural": max(r["procedural"] for r in results),
            "fit_s": np.mean([r["fit_s"] for r in results]),
            "speakers": {name: {key: float(np.mean([r["speakers"][name][key] for r in results]))
                                for key in results[0]["speakers"][name]}
                         for name in results[0]["speakers"]}}


def fit_seconds(log: str) -> float:
    return sum(float(s) for stage, s in _DONE.findall(log) if stage == "fit")


def project_at(ref: str | None, dest: Path) -> Path:
    """A fresh copy of the working tree, or of commit `ref`."""
    if ref is None:
        return copy_project(dest)
    dest.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def mean_result(results: list[dict]) -> dict:
    """One row's figures as means over runs (K as its range)."""
    mean = lambda key: float(np.mean([r[key] for r in results]))  # noqa: E731
    ks = sorted({r["k"] for r in results})
    return {"k": "–".join(map(str, [ks[0], ks[-1]] if len(ks) > 1 else ks)),
            "nmi": mean("nmi"), "nmi_all": mean("nmi_all"), "meetings": results[0]["meetings"],
            "largest": mean("largest"), "procedural": max(r["procedural"] for r in results),
            "npmi": mean("npmi"), "stability": mean("stability"), "fit_s": mean("fit_s"),
            "speakers": {name: {key: float(np.mean([r["speakers"][name][key] for r in results]))
                                for key in results[0]["speakers"][name]}
                         for name in results[0]["speakers"]}}


def row(name: str, r: dict) -> str:
    fmt = lambda v, f: "-" if v is None else format(v, f)  # noqa: E731
    speakers = "".join(f" {s['speaker_nmi']:.3f} | {s['n_speakers']:.0f} | {s['most_led']:.0%} |"
                       for s in r.get("speakers", {}).values())
    return (f"| {name} | {r['k']} | {r['nmi']:.3f} | {r['nmi_all']:.3f} | {r['meetings']} | "
            f"{r['largest']:.0%} | {r['procedural']} | {fmt(r.get('npmi'), '+.3f')} | "
            f"{fmt(r.get('stability'), '.2f')} | {fmt(r.get('fit_s'), '.1f')} |{speakers}")


def header(sets: list[str]) -> str:
    extra = "".join(f" speaker NMI ({s}) | speakers | most-led topic |" for s in sets)
    return ("| configuration | K | NMI (modelled meetings) | NMI (all meetings) | meetings "
            "modelled | largest topic | procedural topics | NPMI | stability | fit s |" + extra
            + "\n|" + "---|" * (10 + 3 * len(sets)))


def fit_parts(log: str) -> dict[str, float]:
    """The fit stage's K sweep and final fit, in seconds, from its log."""
    return {part: float(s) for part, s in _PART.findall(log)}


def k_curve(corpus: Path, committee: dict[str, str], ks: list[int], chosen: int,
            truths: dict[str, dict[str, str]] | None = None, seeds: tuple[int, ...] = (42,)
            ) -> None:
    """The recipe's meeting NMI over ks, the Ks within 0.03 of its best, and whether the
    shipped run's auto K falls among them (issue 25); and its speaker NMI at each K on the
    shipped run's speakers (issue 24: how speaker NMI trades against K). With several
    seeds, each K's figures are means over them: one NMF fit per K makes a curve whose
    best can be one lucky seed (diet-2025: 0.636 at K 50, 0.720 at 60)."""
    by_seed = {k: [recipe(corpus, committee, k, seed, truths=truths) for seed in seeds]
               for k in ks}
    runs = {k: {"nmi": float(np.mean([r["nmi"] for r in rs])),
                "speakers": {name: {"speaker_nmi": float(np.mean(
                    [r["speakers"][name]["speaker_nmi"] for r in rs]))} for name in truths or {}}}
            for k, rs in by_seed.items()}
    if len(seeds) > 1:
        print(f"\nRecipe curve: means over seeds {', '.join(map(str, seeds))}; meeting NMI by "
              "seed: " + "; ".join(f"{k}: " + " ".join(f"{r['nmi']:.3f}" for r in rs)
                                   for k, rs in by_seed.items()))
    scores = {k: r["nmi"] for k, r in runs.items()}
    best = max(scores.values())
    near = [k for k, v in scores.items() if v >= best - 0.03]
    print("\nRecipe (meeting NMI) across K: "
          + ", ".join(f"{k}: {v:.3f}" for k, v in scores.items()))
    print(f"  within 0.03 of its best ({best:.3f}): K {min(near)}–{max(near)}; the shipped auto "
          f"K = {chosen} is {'inside' if min(near) <= chosen <= max(near) else 'outside'}")
    for name in (truths or {}):
        print(f"Recipe (speaker NMI, {name}) across K: "
              + ", ".join(f"{k}: {r['speakers'][name]['speaker_nmi']:.3f}"
                          for k, r in runs.items()))


def fit_timing(projects: dict[str, Path], repeats: int) -> None:
    """The fit stage again in each project, interleaved, `repeats` times: medians, so that a
    busy spell of the machine falls on every configuration alike."""
    times: dict[str, list[float]] = {name: [] for name in projects}
    for _ in range(repeats):
        for name, project in projects.items():
            done = dvc(project, "repro", "--force", "--single-item", "fit")
            if done.returncode:
                raise SystemExit(f"fit failed in {project}:\n{done.stderr[-2000:]}")
            times[name].append(fit_seconds(done.stdout + done.stderr))
    base = float(np.median(next(iter(times.values()))))
    print(f"\nFit stage, median of {repeats} interleaved reruns:")
    for name, values in times.items():
        median = float(np.median(values))
        print(f"  {name}: {median:.1f} s ({' '.join(f'{v:.1f}' for v in values)}); "
              f"{median / base:.2f}× the first")


def run_variants(corpus: Path, committee: dict[str, str], truths: dict[str, dict[str, str]],
                 work: Path, variants: dict[str, dict[str, str]]) -> None:
    """A row for each variant of the shipped defaults; the mean of the seed-only ones."""
    by_seed = {}
    for name, settings in variants.items():
        project = project_at(None, work / f"{corpus.name}-{name}")
        _, log = run_project(project, corpus_overrides(corpus) | settings)
        result = shipped_outputs(project, committee, truths) | {"fit_s": fit_seconds(log)}
        print(row(f"{name} ({', '.join(f'{k}: {v}' for k, v in settings.items())})", result),
              flush=True)
        if set(settings) == {"seed"}:
            by_seed[settings["seed"]] = result
    if len(by_seed) > 1:
        # tomotopy's row is a mean over seeds 1, 2, 3: the shipped defaults' comparable one.
        print(row(f"shipped defaults, mean of seeds {', '.join(by_seed)}",
                  mean_result(list(by_seed.values()))), flush=True)


def bench_corpus(corpus: Path, refs: list[str | None], work: Path,
                 variants: dict[str, dict[str, str]], repeats: int = 0,
                 exclude: tuple[str, ...] = (), curve: tuple[int, ...] = (),
                 curve_seeds: tuple[int, ...] = (42,)) -> None:
    meetings = pd.read_csv(corpus / "meetings.tsv", sep="\t", dtype=str)
    committee = dict(zip(meetings["issueID"], meetings["meeting"], strict=True))
    print(f"\n## {corpus.name}: {len(committee)} meetings, "
          f"{len(set(committee.values()))} committees\n")
    shipped: dict[str | None, tuple[Path, dict]] = {}
    truths: dict[str, dict[str, str]] = {}
    lines = []
    for ref in refs:
        project = project_at(ref, work / f"{corpus.name}-{ref or 'worktree'}")
        _, log = run_project(project, corpus_overrides(corpus))
        if not truths:
            # The same speakers for every configuration: those of this tree's run.
            turns = project / "outputs/tables/turns.csv"
            truths["all"] = speaker_truth(turns, committee)
            if exclude:
                truths["without " + " ".join(exclude)] = speaker_truth(turns, committee, exclude)
            print(header(list(truths)))
        result = shipped_outputs(project, committee, truths) | {"fit_s": fit_seconds(log)}
        print(row(f"shipped defaults ({ref or 'this tree'})", result), flush=True)
        parts = fit_parts(log)
        if parts:
            sweep, final = parts.get("K sweep", 0.0), parts.get("final fit", 0.0)
            lines.append(f"fit of the shipped defaults ({ref or 'this tree'}): K sweep "
                         f"{sweep:.1f} s, final fit {final:.1f} s "
                         f"(the K choice {sweep / max(final, 1e-9):.1f}× the final fit)")
        shipped[ref] = (project, result)
    run_variants(corpus, committee, truths, work, variants)
    project, result = shipped[refs[0]]
    print(row("20-line recipe (K = 10)", recipe(corpus, committee, truths=truths)), flush=True)
    print(row("20-line recipe at the shipped K", recipe(corpus, committee, result["k"],
                                                        truths=truths)), flush=True)
    if repeats:
        fit_timing({f"shipped defaults ({ref or 'this tree'})": shipped[ref][0] for ref in refs},
                   repeats)
    print(row("tomotopy LDA at the shipped K, 3 seeds",
              tomotopy_at(project, committee, result["k"], truths=truths)), flush=True)
    for line in lines:
        print(line)
    if curve:
        k_curve(corpus, committee, list(curve), result["k"], truths, curve_seeds)
    print(f"\nTopics of the shipped defaults ({refs[0] or 'this tree'}):")
    for i, terms in enumerate(result["topics"], start=1):
        print(f"  {i:>2}. {' '.join(terms[:8])}")


def bench_bundled(work: Path, refs: list[str | None],
                  variants: dict[str, dict[str, str]] | None = None) -> None:
    """Each code (refs) and each variant of this tree (`--variant`, e.g. another engine)
    under seeds 1, 2, 3 and 42."""
    print("\n## bundled meeting: each presenter's leading topic, by seed\n")
    print("| code | seed | K | 岸 | 上久保 | 後藤 | presenters right | themes distinct | fit s |")
    print("|---|---|---|---|---|---|---|---|---|")
    runs: list[tuple[str | None, str, dict[str, str]]] = [
        (ref, ref or "this tree", {}) for ref in refs] + [
        (None, name, settings) for name, settings in (variants or {}).items()]
    for ref, name, settings in runs:
        for seed in (1, 2, 3, 42):
            project = project_at(ref, work / f"bundled-{ref or 'worktree'}-{name}-{seed}")
            _, log = run_project(project, settings | {"seed": str(seed)})
            out = project / "outputs"
            topics = {t["topic"]: t for t in
                      json.loads((out / "interim/topics.json").read_text(encoding="utf-8"))}
            shares = pd.read_csv(out / "tables/speaker_topics.csv", dtype={"speaker": str})
            cells, right = [], 0
            for speaker, words in PRESENTERS.items():
                part = shares[shares["speaker"] == speaker].sort_values(
                    ["share", "topic"], ascending=[False, True])
                topic = topics[int(part.iloc[0]["topic"])]
                text = " ".join([topic.get("theme") or "", *topic["terms"][:5]])
                right += any(w in text for w in words)
                cells.append(f"{topic.get('theme') or '・'.join(topic['terms'][:3])}")
            themed = [t for t in topics.values() if t.get("theme")]
            distinct = len({t["theme"] for t in themed}) == 3 and len(
                {tuple(t["terms"][:3]) for t in themed}) == 3
            k = json.loads((out / "metrics/model.json").read_text(encoding="utf-8"))["n_topics"]
            print(f"| {name} | {seed} | {k} | {' | '.join(cells)} | {right}/3 | "
                  f"{'yes' if distinct else 'no'} | {fit_seconds(log):.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, action="append", default=[],
                        help="a folder with speeches.jsonl and meetings.tsv (repeatable)")
    parser.add_argument("--bundled", action="store_true", help="also the bundled meeting")
    parser.add_argument("--ref", action="append", default=[],
                        help="also the shipped defaults of this git commit (repeatable)")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=KEY:VALUE,...",
                        help="also the shipped defaults with these settings, e.g. "
                        "turn=ingest.unit:turn (repeatable)")
    parser.add_argument("--fit-repeats", type=int, default=0,
                        help="rerun the fit stage of the shipped runs this many times, "
                        "interleaved, and print median fit times")
    parser.add_argument("--keep", type=Path, help="keep the projects here")
    parser.add_argument("--exclude", nargs="*", default=[], metavar="LABEL",
                        help="also score speakers without those of these committees "
                        "(plenaries, budget committees: many subjects)")
    parser.add_argument("--k-curve", default="", metavar="K,K,...",
                        help="the recipe's meeting NMI at these Ks, and whether the auto K "
                        "falls where it is within 0.03 of its best")
    parser.add_argument("--curve-seeds", default="42", metavar="SEED,SEED,...",
                        help="the recipe's seeds at each K of --k-curve (figures are means)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="quality-minutes-"))
    refs: list[str | None] = [None, *args.ref]
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {time.strftime('%Y-%m-%d')}; tree at "
          + subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip())
    print(f"# procedure lexicon of this benchmark: {' '.join(PROCEDURE)}")
    variants = {}
    for spec in args.variant:
        name, _, settings = spec.partition("=")
        variants[name] = dict(pair.split(":", 1) for pair in settings.split(","))
    for corpus in args.corpus:
        bench_corpus(corpus, refs, work, variants, args.fit_repeats, tuple(args.exclude),
                     tuple(int(k) for k in args.k_curve.split(",") if k),
                     tuple(int(s) for s in args.curve_seeds.split(",")))
    if args.bundled:
        bench_bundled(work, refs, variants)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
