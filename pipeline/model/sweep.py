"""The K sweep: fit each K of a range a few times on subsamples, count its good topics.

Runs are fitted in rounds, smallest K first, so the sweep can stop before the costliest Ks:
each round fits the rest of one K's runs and the first run (the probe) of the next K, which
fills the cores that the K's own runs leave idle and tells whether the next K is past what
the corpus holds before its other runs are paid for. Every run's result depends only on its
K and seed, never on where or when it ran, so any executor gives the same scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from pipeline.model.engines import EngineSpec
from pipeline.model.quality import TopicCoherence, diversity, match_topics, stability
from pipeline.model.topics import (
    MIN_TOPIC_STABILITY,
    TermCounts,
    TopicHealth,
    dead_topics,
    fit_topics,
)

MapRuns = Callable[[Callable, Iterable], Iterator]
STOP_DEAD_SHARE = 0.25  # a K with this share of its topics dead (mean of its runs) ends the sweep
PROBE_DEAD_SHARE = 0.4  # ... and a next K whose first run has this share dead is not fitted


@dataclass(frozen=True)
class KScore:
    """Quality of one K: mean over seeds, and agreement between seeds."""

    k: int
    npmi: float
    c_v: float
    diversity: float
    stability: float
    max_share: float = 0.0  # the largest topic's share of the tokens, mean over seeds
    n_good: float = float("nan")  # topics that are alive, stable and coherent, mean over runs
    n_dead: float = 0.0  # topics too small or carried by one or two words, mean over runs


@dataclass(frozen=True)
class SweepRun:
    """One (K, seed) fit of the sweep: its topics' top terms and its largest topic's share."""

    terms: list[list[str]]
    max_share: float
    health: TopicHealth | None = None


@dataclass(frozen=True)
class SweepSpec:
    """What every run of a sweep shares: the sample's term counts and the engine's settings
    (fitted rough: see pipeline.model.engines.make_model)."""

    data: TermCounts
    engine: EngineSpec


@dataclass(frozen=True)
class SweepTask:
    """One run of the sweep, as sent to a worker."""

    spec: SweepSpec
    k: int
    seed: int


def sweep_spec(spec: SweepSpec) -> SweepSpec:
    """The spec the sweep's runs fit with: the engine's rough fit (see make_model), every
    term kept. Leaving out the terms of fewer than 5 of 20,000 documents halved a fit at K
    44 and 65, but moved the big-meetings 10M corpus of benchmarks/scale.py from K 30 to 20;
    of fewer than 2 (a term of one document), it cost 13-29% less and moved the
    small-meetings one from 42 to 31 (its K 44 and 65 came within the rule's 10%): the
    sweep's count of good topics is that sensitive, so the sweep sees what the final fit
    sees."""
    return SweepSpec(replace(spec.data, counts=sp.csr_matrix(spec.data.counts)),
                     replace(spec.engine, rough=True))


def fit_sweep_run(task: SweepTask) -> SweepRun:
    """One (K, seed) run of the sweep, as a worker task: K topics fitted on the seed's 90%
    subsample of the rows.

    BLAS and OpenMP get one thread, so the arithmetic (and the terms) do not depend on the
    process or machine the run lands on.
    """
    from threadpoolctl import threadpool_limits

    data, k = task.spec.data, task.k
    rows = np.sort(np.random.default_rng(task.seed).choice(
        data.counts.shape[0], size=max(k + 1, int(0.9 * data.counts.shape[0])), replace=False))
    # A sweep run that stops at max_iter is still a fair sample of K (as in the stage).
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = fit_topics(data.take(rows), task.spec.engine, k, task.seed)
    return SweepRun(fitted.terms, float(fitted.prevalence.max()),
                    TopicHealth.of(fitted.components, fitted.prevalence))


def dead_share(runs: Sequence[SweepRun], k: int) -> float:
    """The share of K's topics that are dead, mean over runs (0 without health figures)."""
    if not runs or any(r.health is None for r in runs):
        return 0.0
    return float(np.mean([dead_topics(r.health).sum() for r in runs if r.health])) / k


def fit_runs(spec: SweepSpec, ks: Sequence[int], seeds: Sequence[int],
             map_runs: MapRuns = map) -> dict[int, list[SweepRun]]:
    """The runs of each K fitted (sweep_spec), in rounds (see the module's note). The
    sweep stops after a K whose runs hold STOP_DEAD_SHARE dead topics (that K is kept: it
    may hold the most good topics), or before a K whose probe holds PROBE_DEAD_SHARE (that K
    is left out: larger Ks only split further). Stops happen only in the upper half of ks,
    where the costly fits are: a small K can hold a dead topic on a corpus of many subjects
    (one topic of 99% at K = 4)."""
    spec, ks, seeds = sweep_spec(spec), list(ks), list(seeds)
    upper = ks[len(ks) // 2] if ks else 0
    runs: dict[int, list[SweepRun]] = {}
    probe: SweepRun | None = None
    for i, k in enumerate(ks):
        following = ks[i + 1] if i + 1 < len(ks) else None
        tasks = [SweepTask(spec, k, s) for s in seeds[0 if probe is None else 1:]]
        if following is not None:
            tasks.append(SweepTask(spec, following, seeds[0]))
        fitted = list(map_runs(fit_sweep_run, tasks))
        own = len(tasks) - (following is not None)
        runs[k] = ([probe] if probe is not None else []) + fitted[:own]
        probe = fitted[-1] if following is not None else None
        if k >= upper and dead_share(runs[k], k) >= STOP_DEAD_SHARE:
            break
        if following is not None and probe is not None and following >= upper and \
                dead_share([probe], following) >= PROBE_DEAD_SHARE:
            break
    return runs


def extend_runs(spec: SweepSpec, runs: dict[int, list[SweepRun]], k: int,
                seeds: Sequence[int], map_runs: MapRuns = map) -> dict[int, list[SweepRun]]:
    """runs with a larger K's added, decided as fit_runs decides the next K: its first run
    (the probe) alone, then the other seeds unless the probe holds PROBE_DEAD_SHARE dead
    topics, in which case K is left out (larger Ks would only split further)."""
    spec, seeds = sweep_spec(spec), list(seeds)
    [probe] = list(map_runs(fit_sweep_run, [SweepTask(spec, k, seeds[0])]))
    if dead_share([probe], k) >= PROBE_DEAD_SHARE:
        return dict(runs)
    rest = list(map_runs(fit_sweep_run, [SweepTask(spec, k, s) for s in seeds[1:]]))
    return {**runs, k: [probe, *rest]}


def count_topics(runs: Sequence[SweepRun],
                 npmi: Sequence[Sequence[float]]) -> tuple[float, float]:
    """(good, dead) topics per run of one K, means over its runs. A good topic is alive (not
    dead_topics), coherent (NPMI above 0: its top terms meet more often than by chance) and
    stable (its top terms match a topic of the other runs, fitted on other subsamples, by at
    least MIN_TOPIC_STABILITY)."""
    if any(r.health is None for r in runs):
        return float("nan"), 0.0
    good, dead = [], []
    for i, run in enumerate(runs):
        assert run.health is not None
        others = [o.terms for j, o in enumerate(runs) if j != i]
        agree = np.mean([match_topics(run.terms, o)[1] for o in others], axis=0) if others \
            else np.ones(len(run.terms))
        gone = dead_topics(run.health)
        coherent = np.nan_to_num(np.asarray(npmi[i], dtype=float), nan=-1.0) > 0
        good.append(int((~gone & coherent & (agree >= MIN_TOPIC_STABILITY)).sum()))
        dead.append(int(gone.sum()))
    return float(np.mean(good)), float(np.mean(dead))


def score_runs(runs: dict[int, list[SweepRun]], coherence: TopicCoherence,
               c_v_only_for: Callable[[list[KScore]], int] | None = None) -> list[KScore]:
    """Each K's scores from its runs; all runs' topics scored together, one pass over the
    texts per coherence measure. C_V (context vectors over the texts) costs ten times NPMI:
    with c_v_only_for (a rule that picks a K from the other scores), it is measured for that
    K alone, NaN elsewhere."""
    ks = list(runs)
    terms = [run.terms for k in ks for run in runs[k]]
    coherences = iter(coherence.score(terms, "c_npmi"))
    scores = []
    for k in ks:
        of_k = [next(coherences) for _ in runs[k]]
        good, dead = count_topics(runs[k], [per for _, per in of_k])
        scores.append(KScore(
            k=k,
            npmi=float(np.mean([mean for mean, _ in of_k])),
            c_v=float("nan"),
            diversity=float(np.mean([diversity(r.terms) for r in runs[k]])),
            stability=stability([r.terms for r in runs[k]]) if len(runs[k]) > 1
            else float("nan"),
            max_share=float(np.mean([r.max_share for r in runs[k]])),
            n_good=good, n_dead=dead,
        ))
    wanted = set(ks) if c_v_only_for is None else {c_v_only_for(scores)}
    for i, k in enumerate(ks):
        if k in wanted:
            c_v = float(np.mean([mean for mean, _ in
                                 coherence.score([r.terms for r in runs[k]], "c_v")]))
            scores[i] = replace(scores[i], c_v=c_v)
    return scores


def sweep_k(spec: SweepSpec, coherence: TopicCoherence, ks: Sequence[int],
            seeds: Sequence[int], map_runs: MapRuns = map) -> list[KScore]:
    """Score each K of ks that the sweep fits (fit_runs; map_runs is map or an executor's
    map for worker processes); see score_runs."""
    return score_runs(fit_runs(spec, ks, seeds, map_runs), coherence)


def score_k(spec: SweepSpec, texts: Sequence[Sequence[str]], k: int,
            seeds: Sequence[int]) -> KScore:
    """Fit K topics once per seed; coherence and diversity averaged, stability across seeds.

    Each seed also draws the documents the run sees (a 90% subsample): NMF from an NNDSVD
    start hardly depends on its random seed, so seeds alone would call almost any K stable.
    Topics that come back when a tenth of the documents is left out are real structure.
    """
    return sweep_k(spec, TopicCoherence(texts), [k], seeds)[0]
