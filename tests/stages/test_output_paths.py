"""No output tells where the files sit on this machine: with the input and the config's files
named by absolute paths, no table, metric, chart or report holds one (issue 26.10)."""

from __future__ import annotations

from pathlib import Path

from _project import ROOT


def test_no_output_holds_an_absolute_path(bundled_run):
    # The bundled run reads its input from base/elsewhere/minutes, named by its absolute path
    # in the config, with the config's files (stopwords, themes) in the project.
    work, source = bundled_run.work, next(bundled_run.input.glob("*.txt"))
    prefixes = [str(bundled_run.base), str(ROOT), str(Path.home())]
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
