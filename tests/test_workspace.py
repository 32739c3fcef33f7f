"""The README's quick start on a fresh clone leaves a clean workspace: `git status --porcelain`
empty (the committed dvc.lock, metrics and plot data are what `dvc repro` makes) and `dvc
status` up to date (no stage always changed). Issue 26.8."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from _project import ROOT, dvc

pytestmark = pytest.mark.slow


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_quick_start_on_a_fresh_clone_leaves_git_and_dvc_clean(tmp_path):
    """A clone of the committed project (HEAD: what a user gets), `dvc repro` as the quick
    start runs it, then both statuses."""
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(ROOT), str(clone))
    result = dvc(clone, "repro")
    assert result.returncode == 0, result.stderr[-3000:]
    assert _git(clone, "status", "--porcelain") == ""
    status = dvc(clone, "status")
    assert status.returncode == 0, status.stderr
    assert status.stdout.strip() == "Data and pipelines are up to date.", status.stdout
