"""`dvc exp run -S` and `dvc exp show` on the real project: an experiment rewrites only the
lines of the keys it sets, and the README's `exp show` recipe fits a 120-column terminal."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _project import ROOT, copy_project, dvc

pytestmark = pytest.mark.slow



def _readme_recipe() -> list[str]:
    """The `dvc exp show` command of the README's experiments section, as arguments."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(line for line in readme.splitlines()
                if line.startswith("dvc exp show --only-changed"))
    return [arg.strip("'") for arg in re.findall(r"'[^']*'|\S+", line.split("  #")[0])]


def _git(project: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    return subprocess.run(["git", *args], cwd=project, env=env, check=True,
                          capture_output=True, text=True).stdout


def test_an_experiment_changes_one_line_and_shows_in_120_columns(tmp_path):
    project = copy_project(tmp_path / "project")
    result = dvc(project, "repro")  # the baseline's metrics, committed as a user would
    assert result.returncode == 0, result.stderr[-3000:]
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "base")
    result = dvc(project, "exp", "run", "-S", "configs/pipeline.yaml:model.n_topics=6")
    assert result.returncode == 0, result.stderr[-3000:]
    diff = _git(project, "diff", "-U0", "configs/pipeline.yaml").splitlines()
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert [line.split("#")[0].strip() for line in changed] == ["-  n_topics: auto",
                                                                "+  n_topics: 6"]
    recipe = _readme_recipe()
    assert recipe[:3] == ["dvc", "exp", "show"]
    env = {**os.environ, "COLUMNS": "120", "DVC_NO_ANALYTICS": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    shown = subprocess.run([sys.executable, "-m", "dvc", *recipe[1:], "--no-pager"],
                           cwd=project, env=env, capture_output=True, text=True, check=True)
    lines = shown.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 120, shown.stdout
    header = lines[1]
    assert "…" not in shown.stdout, shown.stdout  # no column left out for want of room
    for column in ("model.n_topics", "n_topics", "coherence_npmi", "stability",
                   "largest_topic_share"):
        assert column in header, header
