"""dvc.yaml tracks, per stage, the config keys that can change its outputs, and only those:
a knob of speed (n_jobs, the token cache, the compute backend) reruns nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from _project import ROOT, copy_project, dvc

from pipeline.common.config import PipelineConfig

STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
CONFIG = "configs/pipeline.yaml"

# Keys that change how fast a stage runs, never what it writes; and ingest.input, which
# reaches the ingest stage as its --input path (a dependency of its own, through vars).
NOT_PARAMS = {"tokens.n_jobs", "tokens.cache", "model.n_jobs", "speakers.n_jobs",
              "report.n_jobs", "compute.backend", "compute.scheduler", "compute.n_workers",
              "ingest.input"}


def schema_keys() -> set[str]:
    keys = set()
    for name, field in PipelineConfig.model_fields.items():
        section = field.annotation
        if isinstance(section, type) and hasattr(section, "model_fields"):
            keys |= {f"{name}.{key}" for key in section.model_fields}
        else:
            keys.add(name)
    return keys


def tracked(stage: str) -> set[str]:
    keys = set()
    for entry in STAGES[stage].get("params", []):
        keys |= set(entry[CONFIG]) if isinstance(entry, dict) else {entry}
    return keys


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_a_stage_tracks_keys_not_sections_and_no_speed_knob(stage):
    keys = tracked(stage)
    assert keys <= schema_keys(), "whole sections or unknown keys: " + str(keys - schema_keys())
    assert keys & NOT_PARAMS == set()


def test_every_key_that_can_change_an_output_is_tracked():
    every = set().union(*(tracked(stage) for stage in STAGES))
    assert schema_keys() - NOT_PARAMS - every == set()


def _status(project: Path) -> dict:
    result = dvc(project, "status", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_changing_speed_knobs_leaves_every_stage_as_it_was(tmp_path):
    """With the committed dvc.lock: only report, which embeds the config file's text, sees
    the edit; no stage that computes anything would rerun."""
    project = copy_project(tmp_path / "project")
    before = _status(project)
    config = project / CONFIG
    text = config.read_text(encoding="utf-8")
    for old, new in (("  n_jobs: -1  ", "  n_jobs: 1   "), ("  cache: true", "  cache: false"),
                     ("  backend: local", "  backend: dask")):
        assert old in text, old
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    after = _status(project)
    assert {stage for stage in before.keys() | after.keys()
            if before.get(stage) != after.get(stage)} == {"report"}
    # ... and a key that does change outputs is seen by its stage.
    config.write_text(text.replace("  min_chars: 1", "  min_chars: 2"), encoding="utf-8")
    assert _status(project)["tokenize"] != after["tokenize"]
