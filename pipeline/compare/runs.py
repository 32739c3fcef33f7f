"""Read one run for compare: from a folder (a project, or its outputs folder) or from a DVC
experiment or git revision of a project (through DVC's file system, so outputs kept in the
DVC cache are read too)."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

import pandas as pd
import yaml

from pipeline.common.errors import PipelineError
from pipeline.common.io import TEXT_COLUMNS, read_json, read_table
from pipeline.common.paths import without_absolute_paths
from pipeline.common.spreadsheet import unguard_frame
from pipeline.compare.core import Run
from pipeline.compare.section import COMPARE_WITH, SINCE_LAST_RUN
from pipeline.compare.snapshot import run_from_snapshot, run_snapshot

CONFIG = "configs/pipeline.yaml"
SNAPSHOT = "outputs/report/run.json"  # the report stage's record of its run
TABLES = {"topic_terms": ("topic", "rank", "term", "weight"),
          "speaker_topics": ("speaker", "topic", "share")}


class _Files(Protocol):
    """Text files of a run by path relative to its project."""

    def read(self, path: str) -> str | None: ...

    def metric_files(self) -> list[str]: ...


class _Folder:
    def __init__(self, project: Path, outputs: Path) -> None:
        self.project, self.outputs = project, outputs

    def _path(self, path: str) -> Path:
        parts = PurePosixPath(path).parts
        return self.outputs.joinpath(*parts[1:]) if parts[0] == "outputs" else \
            self.project.joinpath(*parts)

    def read(self, path: str) -> str | None:
        file = self._path(path)
        return file.read_text(encoding="utf-8-sig") if file.is_file() else None

    def metric_files(self) -> list[str]:
        found = (self.outputs / "metrics").glob("*.json")
        return sorted(f"outputs/metrics/{p.name}" for p in found)


class _Revision:
    def __init__(self, repo: Path, rev: str) -> None:
        from dvc.api import DVCFileSystem
        from dvc.scm import RevError

        try:
            self.fs = DVCFileSystem(repo=str(repo), rev=rev)
        except (RevError, ValueError) as exc:
            raise PipelineError(
                f"{rev}: neither a folder nor an experiment or git revision of {repo} "
                f"({exc}); `dvc exp show` lists the experiments") from None

    def read(self, path: str) -> str | None:
        if not self.fs.isfile(path):
            return None
        return self.fs.read_bytes(path).decode("utf-8-sig")

    def metric_files(self) -> list[str]:
        if not self.fs.isdir("outputs/metrics"):
            return []
        return sorted(p.lstrip("/") for p in self.fs.ls("outputs/metrics", detail=False)
                      if p.endswith(".json"))


def _files(spec: str, repo: Path) -> _Files:
    folder = Path(spec)
    if folder.is_dir():
        if (folder / "outputs").is_dir():
            return _Folder(folder, folder / "outputs")
        return _Folder(folder.parent, folder)
    return _Revision(repo, spec)


def _table(files: _Files, name: str, spec: str, guarded: bool) -> pd.DataFrame:
    """One of the run's tables, as our readers give it (text as text, the guard undone)."""
    path = f"outputs/tables/{name}.csv"
    text = files.read(path)
    if text is None:
        raise PipelineError(f"{spec}: no {path}; run `dvc repro` there first")
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False,
                        dtype=dict.fromkeys(TEXT_COLUMNS, str))
    frame = unguard_frame(frame) if guarded else frame
    missing = [c for c in TABLES[name] if c not in frame.columns]
    if missing:
        raise PipelineError(f"{spec}: {path} has no column {missing[0]!r}")
    return frame


def load_run(spec: str, repo: Path) -> Run:
    """The run named by spec: a folder if one exists at that path, else a revision of repo."""
    files = _files(spec, repo)
    config = files.read(CONFIG)
    # A copied outputs folder has no config, but its run.json has the settings.
    snapshot = json.loads(files.read(SNAPSHOT) or "{}") if not config else {}
    params: dict[str, Any] = (yaml.safe_load(config) or {}) if config else \
        snapshot.get("params", {})
    metrics = {PurePosixPath(p).stem: json.loads(files.read(p) or "{}")
               for p in files.metric_files()}
    guarded = bool(params.get("output", {}).get("csv_formula_guard", True))
    return Run(name=spec, params=params, metrics=metrics,
               topic_terms=_table(files, "topic_terms", spec, guarded),
               speaker_topics=_table(files, "speaker_topics", spec, guarded))


def load_earlier_run(folder: Path, key: str, name: str) -> Run:
    """An earlier run kept in a folder (a copy of its outputs, or a project), for the report:
    its run.json if it has one, else its tables and metrics. `key` names the setting that
    gave the folder in an error."""
    if not folder.is_dir():
        raise PipelineError(f"{key}: {name}: no such folder; give a folder of an earlier "
                            "run's outputs (cp -r outputs /tmp/before) or leave it empty")
    files = _files(str(folder), folder)
    snapshot = files.read(SNAPSHOT)
    if snapshot is not None:
        try:
            return run_from_snapshot(json.loads(snapshot), name)
        except (ValueError, KeyError, TypeError) as exc:
            raise PipelineError(f"{key}: {name}: report/run.json is not one this pipeline "
                                f"wrote ({exc}); copy the outputs of a finished run") from None
    try:
        return replace(load_run(str(folder), folder), name=name)
    except PipelineError as exc:
        raise PipelineError(f"{key}: {exc}") from None


def this_run(config: Path, metrics: dict[str, Path], topic_terms: Path,
             speaker_topics: Path) -> dict:
    """The report stage's record of the run it reports (run.json): the config as written,
    the metrics files by stem, the topics' terms and each speaker's main topic."""
    return run_snapshot(yaml.safe_load(config.read_text(encoding="utf-8")) or {},
                        {stem: read_json(path) for stem, path in metrics.items()},
                        read_table(topic_terms, TABLES["topic_terms"]),
                        read_table(speaker_topics, TABLES["speaker_topics"]))


def earlier_runs(compare_with: str | None, since_last_run: bool,
                 last: Path) -> list[tuple[str, str, Run | None]]:
    """The runs the report compares this one with, as (kind, name, run): the folder of
    report.compare_with, and with report.since_last_run the run recorded in `last` (the
    run.json this report is about to replace; None when there is none yet)."""
    out: list[tuple[str, str, Run | None]] = []
    if since_last_run:
        name = "前回の実行"
        try:
            previous = run_from_snapshot(json.loads(last.read_text(encoding="utf-8")), name) \
                if last.is_file() else None
        except (ValueError, KeyError, TypeError):
            previous = None  # a run.json of an older version: as if there were none
        out.append((SINCE_LAST_RUN, name, previous))
    if compare_with:
        name = without_absolute_paths(compare_with)
        out.append((COMPARE_WITH, name,
                    load_earlier_run(Path(compare_with), "report.compare_with", name)))
    return out
