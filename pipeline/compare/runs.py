"""Read one run for compare: from a folder (a project, or its outputs folder) or from a DVC
experiment or git revision of a project (through DVC's file system, so outputs kept in the
DVC cache are read too)."""

from __future__ import annotations

import io
import json
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

import pandas as pd
import yaml

from pipeline.common.errors import PipelineError
from pipeline.common.io import TEXT_COLUMNS
from pipeline.common.spreadsheet import unguard_frame
from pipeline.compare.core import Run

CONFIG = "configs/pipeline.yaml"
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
    params: dict[str, Any] = (yaml.safe_load(config) or {}) if config else {}
    metrics = {PurePosixPath(p).stem: json.loads(files.read(p) or "{}")
               for p in files.metric_files()}
    guarded = bool(params.get("output", {}).get("csv_formula_guard", True))
    return Run(name=spec, params=params, metrics=metrics,
               topic_terms=_table(files, "topic_terms", spec, guarded),
               speaker_topics=_table(files, "speaker_topics", spec, guarded))
