"""A stage imports no heavy library that its common path does without: each costs 0.1-0.7 s
at the start of the stage, on every `dvc repro` that runs it (benchmarks/startup.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _project import ROOT

# Stage -> libraries that importing it must not load (score: with score.input null, the
# default, it has nothing to score).
NOT_AT_START = {
    "user_files": ("numpy", "pandas", "scipy", "sklearn"),
    "ingest": ("numpy", "pandas", "scipy", "sklearn"),
    "tokenize": ("pandas", "scipy", "sklearn"),
    "label": ("scipy", "sklearn"),
    "score": ("numpy", "pandas", "scipy", "sklearn"),
    "charts": ("scipy", "sklearn"),
}


@pytest.mark.parametrize("stage", sorted(NOT_AT_START))
def test_a_stage_does_not_import_what_it_does_not_use(stage):
    code = f"import sys, pipeline.stages.{stage}; print(*sys.modules)"
    loaded = set(subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout.split())
    assert [name for name in NOT_AT_START[stage] if name in loaded] == []
