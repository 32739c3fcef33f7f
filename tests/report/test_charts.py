"""Tests for pipeline/report/charts.py that need no data: importing it has no side effects."""

from __future__ import annotations

import os
import subprocess
import sys


def test_import_chooses_no_backend_and_loads_no_pyplot():
    code = ("import sys, matplotlib; import pipeline.report.charts; "
            "print('matplotlib.pyplot' in sys.modules, "
            "matplotlib.rcParams._get_backend_or_none())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True,
                            env={k: v for k, v in os.environ.items() if k != "MPLBACKEND"})
    assert result.stdout.split() == ["False", "None"]
