"""A throwaway copy of the project (git + DVC, no cache, no outputs) for end-to-end tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"  # small inputs of the tests
_SKIP = shutil.ignore_patterns(".venv", ".git", "outputs", "__pycache__", ".pytest_cache",
                               "*.egg-info", ".hypothesis", "docs")


def _ignore(folder: str, names: list[str]) -> set[str]:
    # The DVC cache would let `dvc repro` restore outputs instead of computing them.
    own = {"cache", "tmp"} if Path(folder).name == ".dvc" else set()
    return set(_SKIP(folder, names)) | (own & set(names))


def copy_project(dest: Path) -> Path:
    """Copy the project's source, config and data to dest, as a fresh git repo."""
    shutil.copytree(ROOT, dest, ignore=_ignore)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def dvc(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """Run dvc from this test's Python environment."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "DVC_NO_ANALYTICS": "1"}
    return subprocess.run([sys.executable, "-m", "dvc", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
