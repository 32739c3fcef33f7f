"""The speakers stage with the shares on disk (pipeline/speakers/stored.py, row_store.py)
gives the tables of the in-memory path: bit for bit, except the two sums over every document
at once (the pooling's corpus shares, topic prevalence), which agree to rounding."""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.common.compute import executor, mapping
from pipeline.common.config import ComputeConfig, SpeakersConfig
from pipeline.speakers import row_store, stored
from pipeline.speakers.core import SpeakerInputs, summarize
from pipeline.speakers.row_store import Units, cut_units, partitions
from pipeline.speakers.stored import stored_doc_topics

TOPICS = [f"topic_{k}" for k in range(1, 5)]
TABLES = ("role_topics", "meeting_topics", "group_topics", "attribute_topics",
          "group_differences", "meeting_attribute_topics", "topic_time", "speaker_terms",
          "speaker_themes")


def _corpus(seed: int, n_docs: int = 400):
    """Documents in shuffled order: one speaker with half of them (larger than a small
    partition budget), others with one to many, meetings of one to many, roles, groups,
    dates and a meeting attribute."""
    rng = np.random.default_rng(seed)
    speakers = np.where(rng.random(n_docs) < 0.5, "大物",
                        rng.choice([f"s{i:02d}" for i in range(30)], n_docs))
    speakers[:5] = [f"一回{i}" for i in range(5)]  # one document each: pooled
    meetings = np.where(rng.random(n_docs) < 0.3, "m000",
                        rng.choice([f"m{i:03d}" for i in range(1, 60)], n_docs))
    theta = rng.dirichlet(np.full(len(TOPICS), 0.3), n_docs)
    doc_topics = pd.DataFrame({"doc_id": [f"{m}#{i}.1" for i, m in enumerate(meetings)],
                               "meeting": meetings, "speaker": speakers,
                               **dict(zip(TOPICS, theta.T, strict=True)),
                               "n_tokens": rng.integers(0, 60, n_docs)})
    doc_topics = doc_topics.sample(frac=1, random_state=seed).reset_index(drop=True)
    party = {s: ["与党", "野党", ""][i % 3] for i, s in enumerate(sorted(set(speakers)))}
    documents = pd.DataFrame({
        "doc_id": doc_topics["doc_id"], "meeting": doc_topics["meeting"],
        "speaker": doc_topics["speaker"], "role": rng.choice(["", "大臣", "委員"], n_docs),
        "date": [f"2024-{1 + int(m[1:]) % 12:02d}-01" for m in doc_topics["meeting"]],
        "group": doc_topics["speaker"].map(party)})
    ids = sorted(set(meetings))
    table = pd.DataFrame({"meeting": ids, "title": ids, "date": "", "modelled": "True",
                          "委員会": [["予算", "外務", ""][i % 3] for i in range(len(ids))]})
    return doc_topics, documents, table


def _summarize(doc_topics, documents, meetings, seed, time_bin="month"):
    cfg = SpeakersConfig(n_bootstrap=60, min_tokens=30)
    return summarize(SpeakerInputs(doc_topics, documents, TOPICS, {}, [], ["group"],
                                   meetings=meetings, time_bin=time_bin,
                                   term_tables=None), cfg, seed)


def _stored(doc_topics, documents, meetings, seed, time_bin="month"):
    blocks = (doc_topics.iloc[i:i + 37] for i in range(0, len(doc_topics), 37))
    with stored_doc_topics(blocks, TOPICS) as meta:
        tables = _summarize(meta, documents, meetings, seed, time_bin)
        # meeting_topics is made as it is read, while the shares are on disk.
        assert tables.meeting_topics.empty and tables.meeting_blocks is not None
        parts = list(tables.meeting_blocks)
        assert len(parts) > 1 or len(doc_topics) < 200
        return replace(tables, meeting_topics=pd.concat(parts, ignore_index=True))


@pytest.mark.parametrize(("seed", "time_bin"), [(1, "month"), (2, "auto"), (3, "meeting")])
def test_the_tables_from_disk_are_those_from_memory(seed, time_bin, monkeypatch):
    # Partitions of 50 rows and store blocks of 23: many partitions, groups across blocks,
    # and the large speaker and meeting each a partition larger than the budget.
    monkeypatch.setattr(row_store, "PARTITION_CELLS", 50 * len(TOPICS))
    monkeypatch.setattr(row_store, "BLOCK_ROWS", 23)
    monkeypatch.setattr(stored, "CSV_BLOCK_ROWS", 10 * len(TOPICS))  # meeting_topics' blocks
    doc_topics, documents, meetings = _corpus(seed)
    memory = _summarize(doc_topics, documents, meetings, seed, time_bin)
    disk = _stored(doc_topics, documents, meetings, seed, time_bin)
    assert memory.time_bin == disk.time_bin == ("meeting" if time_bin == "meeting" else "month")
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(disk, name), getattr(memory, name),
                                      check_exact=True, obj=name)
    a, b = memory.speaker_topics, disk.speaker_topics
    # Speakers with their own share and bootstrap interval: the same bits.
    own = ~a["pooled"]
    assert own.any() and a["pooled"].any()
    pd.testing.assert_frame_equal(b[own], a[own], check_exact=True)
    # Pooled speakers lean on the corpus's shares, summed a block at a time on disk.
    pd.testing.assert_frame_equal(b, a, check_exact=False, rtol=1e-12, atol=1e-14)
    pd.testing.assert_frame_equal(disk.prevalence, memory.prevalence, check_exact=False,
                                  rtol=1e-12)
    assert disk.metrics == memory.metrics


def test_the_stored_path_runs_the_same_on_worker_processes(monkeypatch):
    monkeypatch.setattr(row_store, "PARTITION_CELLS", 80 * len(TOPICS))
    doc_topics, documents, meetings = _corpus(3)
    serial = _stored(doc_topics, documents, meetings, 3)
    with executor(ComputeConfig(), 2, 10**9, 1) as ex, mapping(ex):
        pooled = _stored(doc_topics, documents, meetings, 3)
    for name in (*TABLES, "speaker_topics"):
        pd.testing.assert_frame_equal(getattr(pooled, name), getattr(serial, name),
                                      check_exact=True, obj=name)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir()]


def test_the_temporary_files_are_gone_after_the_run_and_after_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    monkeypatch.setattr(row_store, "PARTITION_CELLS", 50 * len(TOPICS))
    doc_topics, documents, meetings = _corpus(4, 150)
    _stored(doc_topics, documents, meetings, 4)
    assert _leftovers(tmp_path) == []
    broken = documents.drop(columns="role")  # summarize fails half way
    with pytest.raises(KeyError):
        _stored(doc_topics, broken, meetings, 4)
    assert _leftovers(tmp_path) == []


def test_partitions_hold_each_unit_whole_and_sorted(tmp_path):
    rng = np.random.default_rng(5)
    n = 500
    theta = rng.random((n, 3))
    unit = rng.choice([-1, 0, 1, 2, 3, 4], n, p=[0.1, 0.5, 0.1, 0.1, 0.1, 0.1])
    rank = rng.permutation(n)
    counts = np.bincount(unit[unit >= 0], minlength=5)
    cuts = cut_units(counts, 60)
    assert cuts[0] == 0 and cuts[-1] == 5 and len(cuts) > 2
    with row_store.row_store(3, tmp_path) as store:
        for at in range(0, n, 41):
            store.append(theta[at:at + 41])
        seen = []
        for part in partitions(store, Units(unit, rank, cuts)):
            assert part.last - part.first == 1 or len(part.rows) <= 60
            key = np.lexsort((rank[part.rows], unit[part.rows]))
            assert np.array_equal(key, np.arange(len(part.rows)))
            assert np.array_equal(part.theta, theta[part.rows])
            seen.extend(part.rows.tolist())
        assert sorted(seen) == sorted(np.flatnonzero(unit >= 0).tolist())
    assert os.listdir(tmp_path) == []


def test_cuts_fall_only_where_allowed():
    counts = np.array([5, 5, 5, 5, 100, 5, 5])
    cuts = cut_units(counts, 12, starts=np.array([0, 2, 4, 5]))
    assert set(cuts[1:-1]) <= {2, 4, 5} and cuts[-1] == 7
    assert list(cut_units(counts, 12)) == [0, 2, 4, 5, 7]
