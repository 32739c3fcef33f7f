"""The fit stage's core: K (fixed or measured), seeded themes, the final fit and every table
the stage writes, from plain data; the stage only reads its inputs and saves the result."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, partial

import numpy as np
import pandas as pd
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from pipeline.common.compute import SerialExecutor, runs_in_parallel
from pipeline.common.config import ModelConfig
from pipeline.common.io import topic_column
from pipeline.common.progress import progress
from pipeline.model.artifact import SavedModel, export_model
from pipeline.model.engines import ONLINE_ENGINES, SEEDED_ENGINES, EngineSpec, choose_solver
from pipeline.model.k_choice import choose_k, dominance_warning, k_range, widened_k
from pipeline.model.labels import (
    slider_data,
    term_distributions,
    top_by_relevance,
    top_term_indices,
)
from pipeline.model.online import OnlineData, OnlineFit, Placer, fit_online, shares_of
from pipeline.model.placing import PLACE_BLOCK_ROWS, block_rows, place_block, place_in_blocks
from pipeline.model.quality import TopicCoherence
from pipeline.model.share_store import ShareStore
from pipeline.model.sweep import (
    PROBE_DEAD_SHARE,
    STOP_DEAD_SHARE,
    KScore,
    SweepSpec,
    extend_runs,
    fit_runs,
    score_runs,
)
from pipeline.model.themes import Theme, check_themes_fit_k, seed_columns
from pipeline.model.topics import (
    FittedTopics,
    TermCounts,
    TopicHealth,
    check_k,
    dead_topics,
    fit_topics,
    min_topic_share,
    ordered_topics,
    small_corpus_warnings,
    without_topics,
)
from pipeline.tokenize.procedure import procedural_topics

DOC_FIELDS = ("meeting", "speaker", "turn", "source_id")


def streams(cfg: ModelConfig, n_docs: int) -> bool:
    """Whether the final fit of n_docs documents is online and streamed (pipeline.model.online:
    the stage then holds only the K sweep's sample until the final fit reads the counts)."""
    solver, _ = choose_solver(cfg.solver, cfg.engine, n_docs, cfg.online_min_docs)
    return solver == "online" and cfg.engine in ONLINE_ENGINES


@dataclass(frozen=True)
class StreamedCorpus:
    """Every document of a corpus fitted online (streams), read when the final fit needs it:
    the counts as stored, and doc_id and DOC_FIELDS a block of `rows` rows at a time."""

    n_docs: int
    read_counts: Callable[[], sp.csr_matrix]
    documents: Callable[[int], Iterator[pd.DataFrame]]
    block_rows: int | None = None  # rows placed (and written) per block; None: placing's


@dataclass(frozen=True)
class FitInputs:
    """What the model is fitted on, one entry per row of the document-term matrix; with
    `streamed`, counts, documents and texts are the K sweep's sample rows only."""

    counts: sp.csr_matrix  # documents × terms
    vocabulary: list[str]
    documents: pd.DataFrame  # doc_id and DOC_FIELDS, in matrix row order
    weights: np.ndarray  # each document's weight in the model (1 = as it is), every document
    rows: np.ndarray  # the matrix rows of the K sweep's fixed sample
    texts: list[list[str]]  # the modelled terms of those rows (of all documents if no sample)
    streamed: StreamedCorpus | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(documents, terms) of the whole matrix."""
        if self.streamed is None:
            return self.counts.shape
        return self.streamed.n_docs, len(self.vocabulary)


@dataclass(frozen=True)
class FitJob:
    """One fit as the stage asks for it: the inputs, the model settings, the seed of the
    final fit, and the seeded themes (those that guide a topic); with what follows from
    them, worked out once."""

    data: FitInputs
    cfg: ModelConfig
    seed: int
    themes: tuple[Theme, ...] = ()

    @cached_property
    def seed_topics(self) -> tuple[tuple[int, ...], ...]:
        """Each theme's seed-word columns (empty for a theme whose words are all absent, and
        for every theme of an engine that seed words cannot guide: its first topics are no
        theme's)."""
        if self.cfg.engine not in SEEDED_ENGINES:
            return tuple(() for _ in self.themes)
        return tuple(seed_columns(self.themes, self.data.vocabulary))

    @cached_property
    def n_seeded(self) -> int:
        """Themes that guide a topic."""
        return sum(1 for cols in self.seed_topics if cols)

    @cached_property
    def whole(self) -> TermCounts:
        """Every document, with its speaker and (ingest.speaker_weights, procedural_weight:
        a chair's talk shapes topics less) its weight, None when all are 1."""
        weights = self.data.weights
        return TermCounts(sp.csr_matrix(self.data.counts), tuple(self.data.vocabulary),
                          tuple(self.data.documents["speaker"]),
                          weights if (weights != 1.0).any() else None)

    @cached_property
    def sample(self) -> TermCounts:
        """The K sweep's documents: the sample rows of `whole` (streamed: as read)."""
        data = self.data
        if data.streamed is None:
            return self.whole.take(data.rows)
        weights = data.weights
        return TermCounts(sp.csr_matrix(data.counts), tuple(data.vocabulary),
                          tuple(data.documents["speaker"]),
                          weights[data.rows] if (weights != 1.0).any() else None)

    @cached_property
    def coherence(self) -> TopicCoherence:
        """Coherence on the sweep's documents (every figure of the fit is measured there)."""
        return TopicCoherence(self.data.texts)

    def engine(self, solver: str = "batch") -> EngineSpec:
        """The engine and its settings, with this solver."""
        cfg = self.cfg
        return EngineSpec(cfg.engine, cfg.max_iter, cfg.n_top_terms, self.seed_topics, solver)


@dataclass(frozen=True)
class FitResult:
    """Every output of the fit stage, ready to save; doc_topics comes a block of rows at a
    time (streamed: placed as it is read, so read it while the executor is open)."""

    doc_topics: Iterator[pd.DataFrame]
    doc_topic_columns: list[str]
    topic_terms: pd.DataFrame
    topics: list[dict]
    relevance: dict
    metrics: dict
    k_sweep: pd.DataFrame
    model: SavedModel  # what scoring new documents and merging topics need
    warnings: list[str]
    summary: list[str]  # log lines for after the outputs are saved


def theme_warnings(themes: Sequence[Theme], seed_topics: Sequence[tuple[int, ...]],
                   counts: sp.spmatrix, themes_file: str | None) -> list[str]:
    """A warning per seeded theme whose seed words appear in fewer than three documents."""
    out = []
    for theme, cols in zip(themes, seed_topics, strict=True):
        n_docs = int((np.asarray(counts[:, list(cols)].sum(axis=1)).ravel() > 0).sum()) \
            if cols else 0
        if n_docs < 3:
            out.append(
                f"テーマ「{theme.name}」の種語は {n_docs} 文書にしか現れません"
                f"{'（トピックは割り当てず）' if not cols else ''}。この入力に合わないテーマなら "
                f"{themes_file} を見直すか model.themes_file: null に")
    return out


def _candidate_ks(cfg: ModelConfig, shape: tuple[int, int], n_themes: int
                  ) -> tuple[list[int], list[str]]:
    """The Ks to measure (one if model.n_topics is fixed) and notes on the range, for a
    matrix of `shape` (documents, terms)."""
    if cfg.n_topics == "auto":
        n_docs, n_terms = shape
        span = k_range(n_docs, n_terms, cfg.k_min, cfg.k_max, n_themes)
        return list(span.ks), list(span.notes)
    check_k(cfg.n_topics, *shape)
    return [cfg.n_topics], []


@dataclass(frozen=True)
class KDecision:
    """What the K sweep measured and decided: the Ks' scores (empty for a fixed K), the
    chosen K's own score, the K the final fit starts from, and why."""

    sweep: list[KScore]
    chosen: KScore
    n_topics: int
    reason: str
    warnings: list[str]
    seeds: list[int]


def fit_model(job: FitJob, ex, log: Callable[[str], None] = lambda line: None) -> FitResult:
    """Measure K (if auto), fit the final model with seeded themes, describe its topics.

    `ex` maps the K sweep's fits (pipeline.common.compute); `log` gets progress lines as they
    happen. Same inputs and seed give identical results."""
    cfg = job.cfg
    check_themes_fit_k(job.themes, cfg.n_topics, cfg.k_max,
                       cfg.themes_file or "model.themes_file")
    decision = measure_k(job, ex, log)
    if getattr(ex, "backend", None) == "local":
        # The sweep's workers keep the heap of its fits (291 MB at small 100M) while the
        # final fit runs here; a placing after it forks them again (LocalExecutor.map).
        ex.close()
    started = time.perf_counter()
    fit = fit_final if job.data.streamed is None else fit_final_streamed
    final = fit(job, decision.n_topics, prune=cfg.n_topics == "auto", log=log, ex=ex)
    log(f"fit: final fit done in {time.perf_counter() - started:.1f} s")
    reason = decision.reason
    n_topics = len(final.fitted.origin)
    if final.pruned:
        reason += (f"。最終の当てはめで小さすぎる・1〜2 語だけのトピック {final.pruned} 個を除き、"
                   f"K = {n_topics} にしました")
        log(f"fit: {final.pruned} dead topics dropped from the final fit; K={n_topics}")
    counts = job.data.counts if final.online is None else final.online.counts
    warnings_ = small_corpus_warnings(*job.data.shape) + (
        theme_warnings(job.themes, job.seed_topics, counts, cfg.themes_file)
        if cfg.engine in SEEDED_ENGINES else
        [f"model.engine {cfg.engine} は種語でトピックを導けないため、{cfg.themes_file} のテーマ"
         f"はトピックに割り当てていません（{'・'.join(SEEDED_ENGINES)} なら割り当てます）"]
        if job.themes else [])
    warnings_ += decision.warnings + final.warnings
    if (dominant := dominance_warning(final.fitted.prevalence)) is not None \
            and dominant not in warnings_:
        warnings_.append(dominant)
    return describe_topics(job, final, decision, reason, warnings_)


def measure_k(job: FitJob, ex, log: Callable[[str], None]) -> KDecision:
    """The K sweep on the sample rows (one K if model.n_topics is fixed: its quality
    figures) and the K rule's decision (pipeline.model.k_choice)."""
    cfg, shape, rows = job.cfg, job.data.shape, job.data.rows
    if len(rows) < shape[0]:
        log(f"fit: the K sweep and coherence use a sample of {len(rows)} of "
            f"{shape[0]} documents (model.sweep_max_docs); the model sees them all")
    n_seeded = job.n_seeded
    ks, notes = _candidate_ks(cfg, shape, n_seeded)
    # The sweep's subsamples come from seeds of its own, not from `seed`: K is measured as a
    # property of the corpus and settings, so changing `seed` varies the final fit, not K.
    seeds = list(range(cfg.n_seeds))
    auto = cfg.n_topics == "auto"
    started = time.perf_counter()
    log(f"fit: K sweep: {len(ks) * len(seeds)} fits (K {', '.join(map(str, ks))} × "
        f"{len(seeds)} runs) on {len(rows)} documents, {ex.describe()}")
    # The rule's reason names the range measured, widened or not.
    ks, scores = run_sweep(job, ks, seeds, ex, log)
    log(f"fit: K sweep done in {time.perf_counter() - started:.1f} s")
    if not auto:
        return KDecision([], scores[0], ks[0], "model.n_topics in configs/pipeline.yaml",
                         list(notes), seeds)
    for s in scores:
        log(f"fit: K={s.k}: NPMI {s.npmi:+.3f}, stability {s.stability:.2f}, diversity "
            f"{s.diversity:.2f}, largest topic {s.max_share:.0%}, good topics {s.n_good:.1f}, "
            f"dead {s.n_dead:.1f}")
    choice = choose_k(scores, k_max=ks[-1])
    chosen = next(s for s in scores if s.k == choice.k)
    if len(scores) < len(ks):
        after = ks[len(scores)]
        log(f"fit: the sweep stopped after K={scores[-1].k}: "
            + ("a quarter of its topics or more were dead"
               if scores[-1].n_dead >= STOP_DEAD_SHARE * scores[-1].k else
               f"the first run of K={after} had {PROBE_DEAD_SHARE:.0%} of its topics or more dead")
            + ", so larger Ks would only split further")
    n_topics, reason = choice.k, choice.reason
    if round(chosen.n_dead) >= 1:
        # The sweep's runs at this K held dead topics: fit the final model with as many
        # topics as were alive (a K=71 final fit on 10,000 documents took 137 s, to drop 24).
        n_topics = max(2, n_seeded + 1, chosen.k - round(chosen.n_dead))
        reason += (f"。スイープの K = {chosen.k} では平均 {chosen.n_dead:.1f} 個のトピックが"
                   f"小さすぎるか 1〜2 語だけだったため、最終の当てはめは K = {n_topics} から")
    return KDecision(scores, chosen, n_topics, reason, list(notes) + list(choice.warnings),
                     seeds)


def run_sweep(job: FitJob, ks: list[int], seeds: list[int], ex,
              log: Callable[[str], None]) -> tuple[list[int], list[KScore]]:
    """The sweep's runs of ks, scored. With k_max auto, a range whose top K the rule chooses
    is widened a grid step at a time (k_choice.widened_k) while the top is chosen: on diet-dev
    the top of the auto range (45) was chosen and the report told the user to widen k_max,
    where K 60 holds no more good topics (the same K, 39, after it; fit 10.7 s -> 15.5 s)."""
    cfg = job.cfg
    auto = cfg.n_topics == "auto"
    # An auto sweep fits free topics: how many subjects the corpus holds does not depend on
    # which of them the user's themes name, and a seeded fit costs twice a free one (its
    # own free start, then multiplicative updates: at K 52 on 18,000 documents 6.0 s of CPU
    # against 3.0). A fixed K is measured as it is fitted, themes included.
    engine = replace(job.engine(), seed_topics=()) if auto else job.engine()
    spec = SweepSpec(job.sample, engine)

    def mapped(total: int):
        return lambda fn, tasks: progress(ex.map(fn, tasks), desc="fit: K sweep", unit="fit",
                                          total=total)

    runs = fit_runs(spec, ks, seeds, map_runs=mapped(len(ks) * len(seeds)))
    c_v_for = (lambda scores: choose_k(scores).k) if auto else None
    scores = score_runs(runs, job.coherence, c_v_only_for=c_v_for)
    while auto and cfg.k_max == "auto" and len(runs) == len(ks) \
            and choose_k(scores, k_max=ks[-1]).k == ks[-1] \
            and (wider := widened_k(ks, *job.data.shape)) is not None:
        log(f"fit: K={ks[-1]}, the top of the range, holds the most good topics: "
            f"measuring K={wider} too")
        runs = extend_runs(spec, runs, wider, seeds, map_runs=mapped(len(seeds)))
        ks = [*ks, wider]
        scores = score_runs(runs, job.coherence, c_v_only_for=c_v_for)
    return ks, scores


def describe_topics(job: FitJob, final: FinalFit, decision: KDecision, reason: str,
                    warnings_: list[str]) -> FitResult:
    """Every table, metric and log line of the final model."""
    data, cfg, themes, seed_topics = job.data, job.cfg, job.themes, job.seed_topics
    vocabulary, fitted = data.vocabulary, final.fitted
    counts = data.counts if final.online is None else final.online.counts
    n_topics, chosen = len(fitted.origin), decision.chosen
    procedural = procedural_topics(fitted.terms)
    seeded = [t for t, cols in zip(themes, seed_topics, strict=True) if cols]
    theme_of = {k: seeded[o].name for k, o in enumerate(fitted.origin) if o < len(seeded)}

    columns = [topic_column(k + 1) for k in range(n_topics)]
    doc_topics = _doc_topic_blocks(job, final, columns)
    tops = top_term_indices(fitted.components, tuple(vocabulary), cfg.n_top_terms)
    terms = [{"topic": k + 1, "rank": r + 1, "term": vocabulary[i],
              "weight": fitted.components[k, i]}
             for k, order in enumerate(tops) for r, i in enumerate(order)]
    # Quality figures all come from the K's sweep entry (means over the seeded runs), so the
    # report, the metrics and the K chart agree; per-topic NPMI is of the fit shown, measured
    # on the sweep's documents.
    [(_, npmi_per_topic)] = job.coherence.score([fitted.terms], "c_npmi")
    phi = term_distributions(fitted.components)
    term_share = np.asarray(counts.sum(axis=0)).ravel() / counts.sum()
    labels = top_by_relevance(phi, term_share, vocabulary, cfg.relevance_lambda,
                              cfg.n_top_terms)
    topics = [{
        "topic": k + 1, "label": ("手続き: " if procedural[k] else "") + "・".join(labels[k][:3]),
        "theme": theme_of.get(k), "procedural": procedural[k],
        "prevalence": round(float(fitted.prevalence[k]), 6), "terms": labels[k],
        "top_terms_by_weight": fitted.terms[k],
        "npmi": None if np.isnan(npmi_per_topic[k]) else round(npmi_per_topic[k], 6),
    } for k in range(n_topics)]
    metrics = {
        "engine": cfg.engine, "n_topics": n_topics, "n_topics_reason": reason,
        "n_documents": int(counts.shape[0]), "n_terms": int(counts.shape[1]),
        "sweep_documents": len(data.rows), "solver": final.solver,
        "coherence_npmi": round(chosen.npmi, 6), "coherence_c_v": round(chosen.c_v, 6),
        "diversity": round(chosen.diversity, 6),
        "stability": None if np.isnan(chosen.stability) else round(chosen.stability, 6),
        "largest_topic_share": round(float(fitted.prevalence.max()), 6),
        "smallest_topic_share": round(float(fitted.prevalence.min()), 6),
        "min_topic_share": round(min_topic_share(n_topics), 6),
        "n_dead_topics": len(final.dead), "n_topics_pruned": final.pruned,
        "n_procedural_topics": int(sum(procedural)),
        # Per-K figures are plot data (k_sweep.csv), not metrics: 36 of them in model.json
        # made `dvc exp show` and `dvc metrics diff` unreadable.
        "seed": job.seed, "sweep_seeds": decision.seeds, "warnings": warnings_,
    }
    return FitResult(
        doc_topics=doc_topics, doc_topic_columns=["doc_id", *DOC_FIELDS[:-1], *columns,
                                                  DOC_FIELDS[-1]],
        topic_terms=pd.DataFrame(terms), topics=topics,
        relevance={"lambda": cfg.relevance_lambda,
                   "topics": slider_data(phi, term_share, vocabulary)},
        metrics=metrics, k_sweep=_k_sweep_table(decision.sweep or [chosen], chosen.k),
        model=export_model(fitted.model, cfg.engine, fitted.origin, vocabulary, term_share),
        warnings=warnings_,
        summary=_summary(cfg.engine, reason, chosen, topics, warnings_))


def _doc_frame(meta: pd.DataFrame, theta: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """doc_topics.csv's rows: doc_id and DOC_FIELDS around the topic shares (source_id last)."""
    meta = meta[["doc_id", *DOC_FIELDS]].reset_index(drop=True)
    return pd.concat([meta.drop(columns="source_id"), pd.DataFrame(theta, columns=columns),
                      meta[["source_id"]]], axis=1)


def _doc_topic_blocks(job: FitJob, final: FinalFit, columns: list[str]
                      ) -> Iterator[pd.DataFrame]:
    """doc_topics.csv by blocks of rows: of the fit's shares, or (streamed) each block's
    shares read back from the fit's store, beside its documents."""
    if final.online is None or final.shares is None or job.data.streamed is None:
        frame = _doc_frame(job.data.documents, final.fitted.theta, columns)
        return (frame.iloc[start:start + PLACE_BLOCK_ROWS]
                for start in range(0, max(len(frame), 1), PLACE_BLOCK_ROWS))
    return _stored_blocks(final.online, final.shares, list(final.fitted.origin),
                          job.data.streamed.documents(final.online.block_rows), columns)


def _stored_blocks(data: OnlineData, shares: ShareStore, order: list[int],
                   documents: Iterator[pd.DataFrame], columns: list[str]
                   ) -> Iterator[pd.DataFrame]:
    """Each block's shares from the store, topics in the fit's order; the store is deleted
    once every block is read."""
    try:
        for block, meta in zip(data.blocks(), documents, strict=True):
            yield _doc_frame(meta, shares.read(block)[:, order], columns)
    finally:
        shares.close()


def _placer(ex) -> Placer:
    """Placing blocks on executor ex, or here when the executor rule says they are not worth
    workers (as place_in_blocks)."""
    ex = ex or SerialExecutor()

    def place(tasks):
        if runs_in_parallel(ex.backend, ex.n_workers, 2, 2):
            return ex.map(place_block, tasks)
        return map(place_block, tasks)

    return place


def _summary(engine: str, reason: str, chosen: KScore, topics: list[dict],
             warnings_: list[str]) -> list[str]:
    """The log lines after the outputs are saved: warnings, K and why, each topic."""
    summary = [f"fit: warning: {warning}" for warning in warnings_]
    summary.append(f"fit: {engine}, K={len(topics)} ({reason}); NPMI "
                   f"{chosen.npmi:.3f}, stability {chosen.stability:.2f}")
    for topic in topics:
        marks = f" [{topic['theme']}]" if topic["theme"] is not None else ""
        marks += " [procedure]" if topic["procedural"] else ""
        summary.append(f"  topic {topic['topic']}{marks} ({topic['prevalence']:.0%}): "
                       f"{' '.join(topic['top_terms_by_weight'])}")
    return summary


def _k_sweep_table(scores: Sequence[KScore], chosen: int) -> pd.DataFrame:
    return pd.DataFrame([{"k": s.k, "npmi": s.npmi, "c_v": s.c_v, "diversity": s.diversity,
                          "stability": s.stability, "largest_topic": s.max_share,
                          "good_topics": s.n_good, "dead_topics": s.n_dead,
                          "chosen": s.k == chosen}
                         for s in scores])


MAX_REFITS = 3  # rounds of dropping dead topics (a dropped one's words can leave another
# just under 1%)


@dataclass(frozen=True)
class FinalFit:
    """The final model, the dead topics it still holds (0-based), what was pruned, and the
    solver it was fitted with; a streamed fit's data (its documents placed by blocks: its
    `fitted.theta` has no rows)."""

    fitted: FittedTopics
    dead: tuple[int, ...]
    pruned: int
    warnings: list[str]
    solver: str = "batch"
    online: OnlineData | None = None
    shares: ShareStore | None = None  # a streamed fit's documents' shares, for doc_topics


def fit_final(job: FitJob, n_topics: int, prune: bool,
              log: Callable[[str], None] = lambda line: None, ex=None) -> FinalFit:
    """The final fit on every document. With prune (K chosen by the sweep), dead topics
    (pipeline.model.topics.dead_topics: under min_topic_share, or one or two words) are
    not kept: they are dropped and the documents placed again on the other topics (an
    engine that cannot drop topics is fitted again with that many fewer), up to MAX_REFITS
    times. A dead topic in a model whose K the user fixed is kept and named in a warning.
    Placing documents on the fitted topics runs by blocks of rows on executor ex
    (placing.py; None: in this process, the same blocks)."""
    cfg, whole = job.cfg, job.whole
    solver, why = choose_solver(cfg.solver, cfg.engine, whole.counts.shape[0],
                                cfg.online_min_docs)
    log(f"fit: final {cfg.engine} fit on all {whole.counts.shape[0]} documents, {solver} "
        f"solver ({why})")
    engine = job.engine(solver)
    place = partial(place_in_blocks, ex=ex or SerialExecutor())
    # BLAS gets one thread, as in the sweep: CD's small Gram products gain nothing from a
    # second, and while any other process works, OpenBLAS threads waiting for a core made
    # the final fit on diet-dev 109-127 s instead of 14 (benchmarks/results/fit_threads.txt).
    with threadpool_limits(1):
        fitted, dead, pruned = _pruned(
            fit_topics(whole, engine, n_topics, job.seed, place), job.n_seeded,
            MAX_REFITS if prune else 0,
            lambda fitted, drop: without_topics(fitted, drop, whole, cfg.n_top_terms, place)
            or fit_topics(whole, engine, len(fitted.origin) - len(drop), job.seed, place))
    return FinalFit(fitted, dead, pruned, _dead_warnings(fitted, dead, prune), solver)


def _pruned(fitted: FittedTopics, n_seeded: int, refits: int,
            refit: Callable[[FittedTopics, list[int]], FittedTopics]
            ) -> tuple[FittedTopics, tuple[int, ...], int]:
    """The fit refitted (`refit(fitted, topics to drop)`) until no dead topic may go, at
    most `refits` times: the fit, its dead topics, how many were dropped."""
    dead, pruned = _dead_of(fitted), 0
    for _ in range(refits):
        drop = _droppable(fitted, dead, n_seeded)
        if not drop:
            break
        pruned += len(drop)
        fitted = refit(fitted, drop)
        dead = _dead_of(fitted)
    return fitted, dead, pruned


# More dead topics than this are one warning: a line per topic buried the report's summary
# under 19 lines at 300M characters with K fixed at 60.
MAX_DEAD_LINES = 3


def _dead_warnings(fitted: FittedTopics, dead: tuple[int, ...], prune: bool) -> list[str]:
    advice = ("K を減らすか model.n_topics: auto に" if not prune else
              "当て直しても残りました。結果を読むときは除いてください")
    if len(dead) > MAX_DEAD_LINES:
        names = "・".join(f"{k + 1}（{' '.join(fitted.terms[k][:3])}）" for k in dead)
        return [f"トピック {names} の {len(dead)} 個は、どれも語の "
                f"{max(fitted.prevalence[k] for k in dead):.1%} 以下しかないか 1〜2 語だけの"
                f"トピックです。" + advice]
    return [f"トピック {k + 1}（{' '.join(fitted.terms[k][:3])}）は語の "
            f"{fitted.prevalence[k]:.1%} しかないか 1〜2 語だけのトピックです。" + advice
            for k in dead]


def fit_final_streamed(job: FitJob, n_topics: int, prune: bool,
                       log: Callable[[str], None] = lambda line: None, ex=None) -> FinalFit:
    """fit_final for a corpus fitted online (streams), in bounded memory
    (pipeline.model.online): the counts are read now, once; the topics learn a minibatch
    at a time; the documents' shares (the fit's own, or placed by blocks after a topic is
    dropped) go to a temporary file a block at a time, only the topics' shares of the
    corpus kept (the dead topics rule reads those); doc_topics.csv reads them back."""
    cfg, streamed = job.cfg, job.data.streamed
    assert streamed is not None  # fit_model sends only streamed inputs here
    weights = job.data.weights
    data = OnlineData(streamed.read_counts(), weights if (weights != 1.0).any() else None,
                      job.data.rows, streamed.block_rows or block_rows())
    log(f"fit: final {cfg.engine} fit on all {streamed.n_docs} documents, online solver "
        f"streamed by minibatches of rows (model.online_min_docs {cfg.online_min_docs})")
    engine, placer = job.engine("online"), _placer(ex)
    stores: list[ShareStore] = []  # the last one holds the final fit's shares

    def described(fit: OnlineFit) -> FittedTopics:
        prevalence, store = shares_of(fit, data, placer)
        for old in stores:
            old.close()
        stores[:] = [store]
        return ordered_topics(fit.model, prevalence, job.data.vocabulary, cfg.n_top_terms)

    def refit(fitted: FittedTopics, drop: list[int]) -> FittedTopics:
        gone = {fitted.origin[k] for k in drop}
        keep = [k for k in range(len(fitted.origin)) if k not in gone]
        model = fitted.model
        return described(OnlineFit(model.without_topics(keep))
                         if hasattr(model, "without_topics")
                         else fit_online(data, engine, len(keep), job.seed))

    with threadpool_limits(1):
        fitted, dead, pruned = _pruned(described(fit_online(data, engine, n_topics, job.seed,
                                                            log)),
                                       job.n_seeded, MAX_REFITS if prune else 0, refit)
    return FinalFit(fitted, dead, pruned, _dead_warnings(fitted, dead, prune), "online", data,
                    stores[0])


def _droppable(fitted: FittedTopics, dead: tuple[int, ...], n_seeded: int) -> list[int]:
    """The dead topics the next refit drops: none if that would leave fewer than two
    topics, or only the themes. A seeded theme is the user's question: named in a warning,
    never dropped."""
    drop = [k for k in dead if fitted.origin[k] >= n_seeded]
    return drop if len(fitted.origin) - len(drop) >= max(2, n_seeded + 1) else []


def _dead_of(fitted: FittedTopics) -> tuple[int, ...]:
    gone = dead_topics(TopicHealth.of(fitted.components, fitted.prevalence))
    return tuple(int(k) for k in np.flatnonzero(gone))
