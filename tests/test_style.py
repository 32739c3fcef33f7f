"""The code follows the project's lint rules (ruff, line length 99) and type-checks (mypy),
checked in CI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from _project import ROOT


def test_ruff_is_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    result = subprocess.run([ruff, "check", "pipeline", "tests", "benchmarks"], cwd=ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_types_check():
    """mypy with the pydantic plugin, configured in pyproject.toml ([tool.mypy]), passes on
    pipeline/: the README's test command checks types. About 10 s cold, 1 s with its cache."""
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
