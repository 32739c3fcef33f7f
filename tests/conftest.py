"""Shared by every folder of tests/ (which mirrors pipeline/)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import _fuzz
import pytest
from _project import ROOT
from _stages import CONFIG, STAGES, run_stage
from hypothesis import settings


def pytest_configure(config) -> None:
    """No property test has a deadline: an example's time is a benchmark's business, and on
    a machine shared with other jobs hypothesis' 200 ms failed tests that were right. The
    inner loop (`-m "not slow"`) tries a tenth of each property test's examples."""
    quick = "not slow" in (config.option.markexpr or "")
    _fuzz.QUICK = quick
    # hypothesis' default for a test that names no max_examples, scaled like the others
    settings.register_profile("project", deadline=None,
                              **({"max_examples": _fuzz.n_examples(100)} if quick else {}))
    settings.load_profile("project")


@dataclass(frozen=True)
class BundledRun:
    """Every stage's outputs on the bundled meeting, and what they were made from."""

    base: Path  # holds the input and the work folder
    work: Path  # every stage's outputs, named as in _stages.ARGS
    input: Path  # the folder read, outside the work folder: base/elsewhere/minutes
    config: dict  # the config every stage ran with (ingest.input: the folder's absolute path)


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory) -> BundledRun:
    """Every stage's entry point, in this process, on the bundled meeting at a fixed K of 4:
    one run shared by the tests of the stages. A test that changes a file puts it back."""
    base = tmp_path_factory.mktemp("bundled")
    minutes = base / "elsewhere" / "minutes"
    minutes.mkdir(parents=True)
    source = next((ROOT / "data").glob("*.txt"))
    shutil.copy(source, minutes / source.name)
    work = base / "work"
    work.mkdir()
    config = {**CONFIG, "ingest": {**CONFIG["ingest"], "input": str(minutes)},
              "model": {**CONFIG["model"], "n_topics": 4},
              "speakers": {**CONFIG["speakers"], "n_bootstrap": 50}}
    for stage in STAGES:
        paths = {"input": str(minutes)} if stage == "ingest" else {}
        status, errors = run_stage(work, stage, config, **paths)
        assert status == 0, (stage, errors)
    return BundledRun(base, work, minutes, config)
