"""Stage fit: document-term matrix -> topics (doc shares, top terms) and quality metrics."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from pipeline.atomic import iter_jsonl, write_csv, write_json, write_metrics
from pipeline.compute import executor
from pipeline.errors import PipelineError
from pipeline.k_choice import choose_k, dominance_warning, k_range
from pipeline.labels import slider_data, term_distributions, top_by_relevance
from pipeline.models import choose_solver, top_term_indices
from pipeline.procedure import procedural_topics
from pipeline.progress import progress
from pipeline.quality import TopicCoherence
from pipeline.stages._cli import log, run, stage_parser
from pipeline.themes import check_themes_fit_k, load_themes, seed_columns
from pipeline.topics import check_k, fit_topics, sample_rows, small_corpus_warnings, sweep_k

DOC_FIELDS = ("meeting", "speaker", "turn", "source_id")


def _read_texts(path: Path, doc_ids: list[str] | None, vocabulary: set[str]) -> list[list[str]]:
    """The modelled terms of the given documents, in that order, streamed from tokens.jsonl;
    doc_ids None: of every document there, in file order, including those the matrix dropped
    (they have no modelled term, but gensim counts them as empty windows)."""
    if doc_ids is None:
        return [[w for w in r["terms"] if w in vocabulary] for r in iter_jsonl(path)]
    position = {d: i for i, d in enumerate(doc_ids)}
    texts: list[list[str] | None] = [None] * len(doc_ids)
    for record in iter_jsonl(path):
        i = position.get(record["doc_id"])
        if i is not None:
            texts[i] = [w for w in record["terms"] if w in vocabulary]
    missing = [d for d, t in zip(doc_ids, texts, strict=True) if t is None]
    if missing:
        raise PipelineError(f"{path}: no terms for document {missing[0]} of the matrix "
                            f"({len(missing)} missing); run dvc repro to rebuild it")
    return texts


def main(args, config) -> None:
    cfg = config.model
    counts = sp.load_npz(args.dtm)
    index = json.loads(Path(args.index).read_text(encoding="utf-8"))
    weights = np.array([d.get("weight", 1.0) for d in index])
    # ingest.speaker_weights / procedural_weight: a chair's talk shapes topics less.
    weights = weights if (weights != 1.0).any() else None
    vocabulary = json.loads(Path(args.vocabulary).read_text(encoding="utf-8"))
    wanted = {d["doc_id"] for d in index}
    docs = {d["doc_id"]: tuple(d.get(f, "") for f in DOC_FIELDS)
            for d in iter_jsonl(Path(args.documents)) if d["doc_id"] in wanted}
    # The K sweep and every coherence figure use a fixed sample of the documents.
    rows = sample_rows(counts.shape[0], cfg.sweep_max_docs, config.seed)
    sampled = len(rows) < counts.shape[0]
    texts = _read_texts(Path(args.tokens), [index[r]["doc_id"] for r in rows] if sampled
                        else None, set(vocabulary))
    if sampled:
        log(f"fit: the K sweep and coherence use a sample of {len(rows)} of "
            f"{counts.shape[0]} documents (model.sweep_max_docs); the model sees them all")
    authors = tuple(docs[d["doc_id"]][1] for d in index)
    themes = [t for t in load_themes(cfg.themes_file) if t.guides] if cfg.themes_file else []
    check_themes_fit_k(themes, cfg.n_topics, cfg.k_max, cfg.themes_file)
    seed_topics = tuple(seed_columns(themes, vocabulary))
    theme_warnings = []
    for theme, cols in zip(themes, seed_topics, strict=True):
        n_docs = int((np.asarray(counts[:, list(cols)].sum(axis=1)).ravel() > 0).sum()) \
            if cols else 0
        if n_docs < 3:
            theme_warnings.append(
                f"テーマ「{theme.name}」の種語は {n_docs} 文書にしか現れません"
                f"{'（トピックは割り当てず）' if not cols else ''}。この入力に合わないテーマなら "
                f"{cfg.themes_file} を見直すか model.themes_file: null に")

    warnings_ = small_corpus_warnings(counts.shape[0], counts.shape[1]) + theme_warnings
    n_themes = sum(1 for cols in seed_topics if cols)
    if cfg.n_topics == "auto":
        span = k_range(*counts.shape, cfg.k_min, cfg.k_max, n_themes)
        warnings_ += span.notes
        ks = list(span.ks)
    else:
        check_k(cfg.n_topics, *counts.shape)
        ks = [cfg.n_topics]
    # The sweep's subsamples come from seeds of its own, not from `seed`: K is measured as a
    # property of the corpus and settings, so changing `seed` varies the final fit, not K.
    sweep_seeds = list(range(cfg.n_seeds))
    coherence = TopicCoherence(texts)
    with executor(config.compute, cfg.n_jobs) as ex:
        log(f"fit: K sweep: {len(ks) * len(sweep_seeds)} fits (K {', '.join(map(str, ks))} × "
            f"{len(sweep_seeds)} runs) on {len(rows)} documents, {ex.describe()}")
        scores = sweep_k(counts[rows], vocabulary, coherence, cfg.engine, ks, sweep_seeds,
                         cfg.max_iter, cfg.n_top_terms, seed_topics,
                         tuple(authors[r] for r in rows),
                         map_runs=lambda fn, tasks: progress(
                             ex.map(fn, tasks), desc="fit: K sweep", unit="fit",
                             total=len(ks) * len(sweep_seeds)),
                         c_v_only_for=(lambda scores: choose_k(scores).k)
                         if cfg.n_topics == "auto" else None,
                         weights=None if weights is None else weights[rows])
    sweep = scores if cfg.n_topics == "auto" else []
    if cfg.n_topics == "auto":
        for s in sweep:
            log(f"fit: K={s.k}: NPMI {s.npmi:+.3f}, "
                f"stability {s.stability:.2f}, diversity {s.diversity:.2f}, "
                f"largest topic {s.max_share:.0%}")
        choice = choose_k(sweep)
        n_topics, reason = choice.k, choice.reason
        warnings_ += choice.warnings
    else:
        n_topics, reason = cfg.n_topics, "model.n_topics in configs/pipeline.yaml"
    chosen = next(s for s in scores if s.k == n_topics)
    solver, why = choose_solver(cfg.solver, cfg.engine, counts.shape[0], cfg.online_min_docs)
    log(f"fit: final {cfg.engine} fit on all {counts.shape[0]} documents, {solver} solver "
        f"({why})")
    fitted = fit_topics(counts, vocabulary, cfg.engine, n_topics, config.seed, cfg.max_iter,
                        cfg.n_top_terms, seed_topics, authors, solver, weights=weights)
    if (dominant := dominance_warning(fitted.prevalence)) is not None \
            and dominant not in warnings_:
        warnings_.append(dominant)
    procedural = procedural_topics(fitted.terms)
    seeded = [t for t, cols in zip(themes, seed_topics, strict=True) if cols]
    theme_of = {k: seeded[o].name for k, o in enumerate(fitted.origin) if o < len(seeded)}

    columns = [f"topic_{k + 1}" for k in range(n_topics)]
    meta = pd.DataFrame([(d["doc_id"], *docs[d["doc_id"]]) for d in index],
                        columns=["doc_id", *DOC_FIELDS])
    doc_topics = pd.concat([meta.drop(columns="source_id"),
                            pd.DataFrame(fitted.theta, columns=columns), meta[["source_id"]]],
                           axis=1)
    tops = top_term_indices(fitted.components, tuple(vocabulary), cfg.n_top_terms)
    terms = [{"topic": k + 1, "rank": r + 1, "term": vocabulary[i],
              "weight": fitted.components[k, i]}
             for k, order in enumerate(tops) for r, i in enumerate(order)]
    # Quality figures all come from the K's sweep entry (means over the seeded runs), so the
    # report, the metrics and the K chart agree; per-topic NPMI is of the fit shown, measured
    # on the sweep's documents.
    [(_, npmi_per_topic)] = coherence.score([fitted.terms], "c_npmi")
    phi = term_distributions(fitted.components)
    term_share = np.asarray(counts.sum(axis=0)).ravel() / counts.sum()
    labels = top_by_relevance(phi, term_share, vocabulary, cfg.relevance_lambda,
                              cfg.n_top_terms)
    write_json(Path(args.relevance), {"lambda": cfg.relevance_lambda,
                                      "topics": slider_data(phi, term_share, vocabulary)})
    write_csv(Path(args.doc_topics), doc_topics)
    write_csv(Path(args.topic_terms), pd.DataFrame(terms))
    write_json(Path(args.topics), [{
        "topic": k + 1, "label": ("手続き: " if procedural[k] else "") + "・".join(labels[k][:3]),
        "theme": theme_of.get(k), "procedural": procedural[k],
        "prevalence": round(float(fitted.prevalence[k]), 6), "terms": labels[k],
        "top_terms_by_weight": fitted.terms[k],
        "npmi": None if np.isnan(npmi_per_topic[k]) else round(npmi_per_topic[k], 6),
    } for k in range(n_topics)])
    write_metrics(Path(args.metrics), {
        "engine": cfg.engine, "n_topics": n_topics, "n_topics_reason": reason,
        "n_documents": int(counts.shape[0]), "n_terms": int(counts.shape[1]),
        "sweep_documents": len(rows), "solver": solver,
        "coherence_npmi": round(chosen.npmi, 6), "coherence_c_v": round(chosen.c_v, 6),
        "diversity": round(chosen.diversity, 6),
        "stability": None if np.isnan(chosen.stability) else round(chosen.stability, 6),
        "largest_topic_share": round(float(fitted.prevalence.max()), 6),
        "n_procedural_topics": int(sum(procedural)),
        "seed": config.seed, "sweep_seeds": sweep_seeds, "warnings": warnings_,
        "per_k": {str(s.k): {"npmi": round(s.npmi, 6), "c_v": round(s.c_v, 6),
                             "stability": round(s.stability, 6),
                             "diversity": round(s.diversity, 6),
                             "largest_topic": round(s.max_share, 6)} for s in sweep},
    })
    for warning in warnings_:
        log(f"fit: warning: {warning}")
    write_csv(Path(args.k_sweep), pd.DataFrame(
        [{"k": s.k, "npmi": s.npmi, "c_v": s.c_v, "diversity": s.diversity,
          "stability": s.stability, "largest_topic": s.max_share} for s in (sweep or [chosen])]),
        bom=False)
    log(f"fit: {cfg.engine}, K={n_topics} ({reason}); NPMI {chosen.npmi:.3f}, "
        f"stability {chosen.stability:.2f}")
    for k, words in enumerate(fitted.terms):
        theme = f" [{theme_of[k]}]" if k in theme_of else ""
        theme += " [procedure]" if procedural[k] else ""
        log(f"  topic {k + 1}{theme} ({fitted.prevalence[k]:.0%}): {' '.join(words)}")


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    parser = stage_parser(__doc__)
    for name in ("dtm", "vocabulary", "index", "documents", "tokens", "doc_topics",
                 "topic_terms", "topics", "relevance", "metrics", "k_sweep"):
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=True)
    run(main, parser)
