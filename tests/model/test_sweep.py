"""The K sweep at scale: a fixed document sample, parallel fits (local or Dask) that give the
same scores as serial ones, and the fit stage reading only what it needs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import yaml
from _corpora import noisy_corpus
from _project import ROOT
from _stages import run_module

from pipeline.common.atomic import sparse_to_npz_bytes
from pipeline.common.compute import LocalExecutor, executor
from pipeline.common.config import ComputeConfig
from pipeline.model.engines import EngineSpec
from pipeline.model.quality import TopicCoherence
from pipeline.model.sweep import SweepSpec, sweep_k
from pipeline.model.topics import TermCounts, sample_rows


def _sweep(counts, vocab, texts, map_runs=map, seed_topics=()):
    spec = SweepSpec(TermCounts(counts, tuple(vocab)), EngineSpec("nmf", 200, 5, seed_topics))
    return sweep_k(spec, TopicCoherence(texts), [2, 3, 4], [1, 2, 3], map_runs=map_runs)


@pytest.mark.parametrize(("n_docs", "max_docs"), [(50, 100), (100, 100)])
def test_no_sample_below_the_limit(n_docs, max_docs):
    assert np.array_equal(sample_rows(n_docs, max_docs, 42), np.arange(n_docs))


def test_sample_is_fixed_by_seed_sorted_and_of_the_size_asked():
    rows = sample_rows(1000, 100, 42)
    assert len(rows) == 100 == len(set(rows.tolist()))
    assert np.array_equal(rows, np.sort(rows)) and rows.min() >= 0 and rows.max() < 1000
    assert np.array_equal(rows, sample_rows(1000, 100, 42))
    assert not np.array_equal(rows, sample_rows(1000, 100, 43))


def test_parallel_sweep_equals_serial():
    counts, vocab, texts = noisy_corpus()
    serial = _sweep(counts, vocab, texts)
    with executor(ComputeConfig(), n_jobs=2) as ex:
        assert isinstance(ex, LocalExecutor) and ex.n_workers == 2
        parallel = _sweep(counts, vocab, texts, ex.map)
    assert parallel == serial
    assert [s.k for s in serial] == [2, 3, 4]
    assert all(0 < s.stability <= 1 for s in serial)


def test_sweep_sends_the_smallest_k_first_with_the_next_ks_probe_and_scores_each_k_alone():
    counts, vocab, texts = noisy_corpus()
    rounds = []

    def recording(fn, tasks):
        tasks = list(tasks)
        rounds.append([(t.k, t.seed) for t in tasks])
        return map(fn, tasks)

    scores = _sweep(counts, vocab, texts, recording)
    # One K at a time, smallest first, so that the sweep can stop before the costliest; each
    # round ends with the next K's first run (its probe), last so that the worker pool takes
    # the K's own runs and this process the probe.
    assert rounds == [[(2, 1), (2, 2), (2, 3), (3, 1)], [(3, 2), (3, 3), (4, 1)],
                      [(4, 2), (4, 3)]]
    assert scores == _sweep(counts, vocab, texts)
    assert [s.k for s in scores] == [2, 3, 4]
    # Each K's scores are its own runs': fewer topics cannot share the largest-topic share
    # of more topics on planted data.
    assert scores[0].max_share > scores[2].max_share


def _recorded_sweep(ks, seeds=(1, 2)):
    counts, vocab, texts = noisy_corpus()  # three planted topics in 150 documents
    sent = []

    def recording(fn, tasks):
        tasks = list(tasks)
        sent.extend((t.k, t.seed) for t in tasks)
        return map(fn, tasks)

    spec = SweepSpec(TermCounts(counts, tuple(vocab)), EngineSpec("nmf", 200, 5))
    return sweep_k(spec, TopicCoherence(texts), ks, list(seeds), map_runs=recording), sent


def test_sweep_stops_once_a_k_is_past_what_the_corpus_holds(monkeypatch):
    import pipeline.model.sweep as sweep

    monkeypatch.setattr(sweep, "PROBE_DEAD_SHARE", 2.0)  # the K rule alone: no probe stops
    scores, sent = _recorded_sweep([2, 3, 16, 24, 30, 36])
    # A quarter or more of the topics are dead (under 1% of the tokens, or one or two words)
    # from 16 on; the sweep stops in the upper half of the range: 24 is scored, 30 only
    # probed (its first run, beside 24's second), 36 never fitted.
    assert [s.k for s in scores] == [2, 3, 16, 24]
    assert sorted(set(sent)) == [(2, 1), (2, 2), (3, 1), (3, 2), (16, 1), (16, 2), (24, 1),
                                 (24, 2), (30, 1)]
    assert scores[2].n_dead >= 4  # 16 did not stop it: the lower half never stops
    assert scores[-1].n_dead >= 6 and scores[1].n_dead == 0
    assert scores[1].n_good == 3  # the three planted topics, good in both runs


def test_sweep_does_not_fit_a_k_whose_probe_is_far_past_the_corpus():
    from pipeline.model.sweep import PROBE_DEAD_SHARE, STOP_DEAD_SHARE

    scores, sent = _recorded_sweep([2, 3, 4, 30])
    # 4 holds the three planted topics and one more (under a quarter dead: the sweep goes
    # on); 30's probe is far past 40% dead, so its second run is never fitted and 30 is
    # not scored.
    assert [s.k for s in scores] == [2, 3, 4]
    assert scores[-1].n_dead < STOP_DEAD_SHARE * 4
    assert (30, 1) in sent and (30, 2) not in sent
    assert PROBE_DEAD_SHARE > STOP_DEAD_SHARE


def test_extending_a_sweep_fits_a_larger_k_only_if_its_probe_is_alive():
    from pipeline.model.sweep import extend_runs, fit_runs

    counts, vocab, _ = noisy_corpus()  # three planted topics
    spec = SweepSpec(TermCounts(counts, tuple(vocab)), EngineSpec("nmf", 200, 5))
    sent = []

    def recording(fn, tasks):
        tasks = list(tasks)
        sent.extend((t.k, t.seed) for t in tasks)
        return map(fn, tasks)

    runs = fit_runs(spec, [2, 3], [1, 2])
    wider = extend_runs(spec, runs, 4, [1, 2], recording)
    assert list(wider) == [2, 3, 4] and len(wider[4]) == 2 and sent == [(4, 1), (4, 2)]
    assert wider[2] == runs[2]
    sent.clear()
    # 30 topics for three subjects: the probe is mostly dead, its other seed never fitted.
    assert list(extend_runs(spec, runs, 30, [1, 2], recording)) == [2, 3]
    assert sent == [(30, 1)]


def test_parallel_sweep_with_seeded_themes_equals_serial():
    counts, vocab, texts = noisy_corpus(seed=1)
    themes = ((0, 1), (10, 11))
    serial = _sweep(counts, vocab, texts, seed_topics=themes)
    with executor(ComputeConfig(), n_jobs=2) as ex:
        assert _sweep(counts, vocab, texts, ex.map, seed_topics=themes) == serial


@pytest.mark.slow  # a LocalCluster of two worker processes: seconds to start
def test_dask_sweep_equals_local():
    counts, vocab, texts = noisy_corpus(seed=2)
    local = _sweep(counts, vocab, texts)
    with executor(ComputeConfig(backend="dask", n_workers=2)) as ex:
        assert ex.backend == "dask" and ex.n_workers == 2
        assert _sweep(counts, vocab, texts, ex.map) == local


INPUTS = {"dtm": "dtm.npz", "vocabulary": "vocabulary.json", "index": "index.json",
          "documents": "documents.jsonl", "tokens": "tokens.jsonl"}
OUTPUTS = {"doc-topics": "doc_topics.csv", "topic-terms": "topic_terms.csv",
           "topics": "topics.json", "relevance": "relevance.json", "metrics": "model.json",
           "k-sweep": "k_sweep.csv", "model": "model"}


def _write_interim(folder: Path, n_docs: int) -> None:
    """The fit stage's inputs (INPUTS) for a planted corpus; tokens.jsonl and documents.jsonl
    also hold a document the matrix dropped, as the real ones do."""
    counts, vocab, texts = noisy_corpus(n_docs=n_docs, seed=3)
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"m{d // 20}#{d % 20 + 1}.1" for d in range(n_docs)]
    (folder / "dtm.npz").write_bytes(sparse_to_npz_bytes(counts))
    (folder / "vocabulary.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "index.json").write_text(json.dumps(
        [{"doc_id": d, "n_tokens": int(counts[i].sum()), "weight": 1.0}
         for i, d in enumerate(ids)]), encoding="utf-8")
    dropped = {"doc_id": "m0#0.1", "terms": ["えー"], "weight": 1.0}
    tokens = [dropped] + [{"doc_id": d, "terms": t + ["stopword"], "weight": 1.0}
                          for d, t in zip(ids, texts, strict=True)]
    (folder / "tokens.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in tokens), encoding="utf-8")
    docs = [{"doc_id": "m0#0.1", "meeting": "m0", "speaker": "議長", "turn": 0, "text": "えー"}]
    docs += [{"doc_id": d, "meeting": d.split("#")[0], "speaker": f"s{i % 5}",
              "turn": i % 20 + 1, "text": " ".join(t), "source_id": f"r{i}"}
             for i, (d, t) in enumerate(zip(ids, texts, strict=True))]
    (folder / "documents.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in docs), encoding="utf-8")


def _run_fit(tmp_path: Path, interim: Path, out: Path, sweep_max_docs: int):
    config = yaml.safe_load((ROOT / "configs" / "pipeline.yaml").read_text(encoding="utf-8"))
    config["model"].update({"k_min": 2, "k_max": 4, "n_seeds": 2, "themes_file": None,
                            "sweep_max_docs": sweep_max_docs, "n_jobs": 1})
    path = tmp_path / f"pipeline-{sweep_max_docs}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    args = [f"--{k}={interim / v}" for k, v in INPUTS.items()]
    args += [f"--{k}={out / v}" for k, v in OUTPUTS.items()]
    result = run_module(tmp_path, "fit", ["--config", str(path), *args])
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr, json.loads((out / "model.json").read_text(encoding="utf-8"))


def test_fit_stage_sweeps_a_fixed_sample_and_fits_every_document(tmp_path):
    interim = tmp_path / "interim"
    _write_interim(interim, 300)
    log, metrics = _run_fit(tmp_path, interim, tmp_path / "a", sweep_max_docs=100)
    assert metrics["sweep_documents"] == 100 and metrics["n_documents"] == 300
    assert "a sample of 100 of 300 documents" in log
    assert "on 100 documents" in log
    assert "per_k" not in metrics  # plot data (k_sweep.csv), not metrics
    again_log, again = _run_fit(tmp_path, interim, tmp_path / "b", sweep_max_docs=100)
    assert again == metrics
    for name in ("doc_topics.csv", "topic_terms.csv", "topics.json", "k_sweep.csv",
                 "model/model.json", "model/model.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    doc_topics = (tmp_path / "a" / "doc_topics.csv").read_text(encoding="utf-8-sig")
    assert doc_topics.count("\n") == 301  # header + every document, not just the sample
    assert doc_topics.splitlines()[1].startswith("m0#1.1,m0,s0,1,")
    assert doc_topics.splitlines()[1].endswith(",r0")

    # With the limit above the corpus size there is no sample: every document, as before.
    log, whole = _run_fit(tmp_path, interim, tmp_path / "c", sweep_max_docs=1000)
    assert whole["sweep_documents"] == 300
    assert "sample" not in log
    assert (tmp_path / "c" / "k_sweep.csv").read_bytes() != \
        (tmp_path / "a" / "k_sweep.csv").read_bytes()


def test_the_sweep_fits_rough_on_every_term():
    from pipeline.model.sweep import sweep_spec

    counts = sp.csr_matrix(np.eye(30, 5))
    spec = sweep_spec(SweepSpec(TermCounts(counts, tuple("abcde")),
                                EngineSpec("nmf", 10, 5, ((4,),))))
    assert spec.engine.rough and spec.engine.seed_topics == ((4,),)
    assert spec.data.vocabulary == tuple("abcde") and spec.data.counts.shape == counts.shape
