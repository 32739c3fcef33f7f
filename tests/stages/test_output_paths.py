"""No output tells where the files sit on this machine: with the input and the config's files
named by absolute paths, no table, metric, chart or report holds one (issue 26.10)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _stages import CONFIG, ROOT, run_pipeline

pytestmark = pytest.mark.slow


def test_no_output_holds_an_absolute_path(tmp_path):
    elsewhere = tmp_path / "elsewhere" / "minutes"
    elsewhere.mkdir(parents=True)
    source = next((ROOT / "data").glob("*.txt"))
    shutil.copy(source, elsewhere / source.name)
    work = tmp_path / "work"
    work.mkdir()
    config = {**CONFIG, "ingest": {**CONFIG["ingest"], "input": str(elsewhere)},
              "model": {**CONFIG["model"], "n_topics": 6},
              "speakers": {**CONFIG["speakers"], "n_bootstrap": 50}}
    import _stages

    saved = _stages.ARGS["ingest"]
    _stages.ARGS["ingest"] = [*saved]
    _stages.ARGS["ingest"][saved.index("--input") + 1] = str(elsewhere)
    try:
        run_pipeline(work, config)
    finally:
        _stages.ARGS["ingest"] = saved
    prefixes = [str(tmp_path), str(ROOT), str(Path.home())]
    found = []
    for path in sorted(work.rglob("*")):
        if not path.is_file() or path.name == "pipeline.yaml":  # the config is an input
            continue
        data = path.read_bytes()
        found += [f"{path.relative_to(work)}: {p}" for p in prefixes if p.encode() in data]
    assert found == []
    ingest = (work / "ingest.json").read_text(encoding="utf-8")
    assert f'"path": "minutes/{source.name}"' in ingest
    html = (work / "report" / "index.html").read_text(encoding="utf-8")
    assert "…/elsewhere/minutes" in html  # the config as shown: the last two parts
