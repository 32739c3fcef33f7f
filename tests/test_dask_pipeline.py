"""Issue 27.2's acceptance test: the whole pipeline on a two-worker Dask LocalCluster writes
the local run's files, byte for byte.

Every stage runs in this process (tests/_stages.py) on the bundled meeting and three Diet
meetings, once with compute.backend local and once with dask. The blocks that the stages
cut for their tasks are made small here (the documents placed on the topics, the groups
and the speakers resampled, the documents counted for the networks), so that each backend
runs many tasks, in this process, in worker processes or on the cluster's workers.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from _project import DATA, ROOT
from _stages import ARGS, CONFIG, STAGES, run_module, snapshot

from pipeline.model import placing
from pipeline.report import network_counts
from pipeline.speakers import groups, shares

pytestmark = pytest.mark.slow  # two whole runs and four LocalClusters: minutes


def _transcripts(folder: Path) -> Path:
    """The bundled meeting and three Diet meetings as ○-style minutes."""
    folder.mkdir()
    (folder / "nakasone.txt").write_bytes(
        (ROOT / "data" / "nakasone_digital_economy_2021-02-02.txt").read_bytes())
    meetings = defaultdict(list)
    for line in (DATA / "kokkai" / "speeches.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        meetings[record["issueID"]].append(record["speech"])
    for issue in sorted(meetings)[:3]:
        (folder / f"{issue}.txt").write_text("\n".join(meetings[issue]), encoding="utf-8")
    return folder


def _run(work: Path, backend: str, engine: str) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every output file of a run, and each stage's log (engine nmf-online: nmf past
    model.online_min_docs, its final fit streamed and placed by blocks)."""
    config = copy.deepcopy(CONFIG)
    config["model"].update(n_seeds=2, k_max=10, max_iter=100, engine=engine.split("-")[0])
    if engine.endswith("-online"):
        config["model"].update(online_min_docs=10)
    config["speakers"].update(n_bootstrap=100)
    config["compute"].update(backend=backend, n_workers=2 if backend == "dask" else None)
    (work / "pipeline.yaml").write_text(yaml.safe_dump(config, allow_unicode=True),
                                        encoding="utf-8")
    logs = {}
    for stage in STAGES:
        args = list(ARGS[stage])
        if stage == "ingest":
            args[args.index("--input") + 1] = str(work.parent / "in")
        done = run_module(work, stage, ["--config", str(work / "pipeline.yaml"), *args])
        assert done.returncode == 0, (backend, stage, done.stderr[-3000:])
        logs[stage] = done.stderr
    return snapshot(work), logs


# The one difference allowed: the report shows the settings it was made with (the config
# file's text, and run.json's params), and those name the backend.
SETTINGS = {"report/index.html": [(b"  backend: dask\n", b"  backend: local\n"),
                                  (b"  n_workers: 2\n", b"  n_workers: null\n")],
            "report/run.json": [(b'"backend": "dask",', b'"backend": "local",'),
                                (b'"n_workers": 2,', b'"n_workers": null,')]}


def _as_local(name: str, data: bytes) -> bytes:
    """A dask run's file with its compute settings written as the local run's."""
    for dask, local in SETTINGS.get(name, []):
        assert data.count(dask) == 1, (name, dask)
        data = data.replace(dask, local)
    return data


# nmf, the shipped engine, places documents after its fit only when it drops dead topics;
# lda always does (by blocks: placing.py); past model.online_min_docs, nmf places them by
# blocks as it writes doc_topics.csv (pipeline/model/online.py).
@pytest.mark.parametrize("engine", ["nmf", "lda", "nmf-online"])
def test_a_dask_cluster_writes_the_local_files(tmp_path, monkeypatch, engine):
    monkeypatch.setattr(placing, "PLACE_BLOCK_ROWS", 40)
    monkeypatch.setattr(shares, "QUANTILE_CELLS", 1)  # one group per task
    monkeypatch.setattr(groups, "DRAW_CELLS", 100 * 30)  # speakers of about 30 documents
    monkeypatch.setattr(network_counts, "BLOCK_DOCS", 30)
    _transcripts(tmp_path / "in")
    runs = {}
    for backend in ("local", "dask"):
        (tmp_path / backend).mkdir()
        runs[backend] = _run(tmp_path / backend, backend, engine)
    (local, _), (dask, logs) = runs["local"], runs["dask"]
    # Every stage with tasks sent them to the cluster.
    assert [stage for stage in ("tokenize", "fit", "speakers", "networks")
            if "dask, 2 workers" not in logs[stage]] == []
    assert len(local) > 40 and sorted(local) == sorted(dask)
    assert [name for name in local if local[name] != _as_local(name, dask[name])] == []
