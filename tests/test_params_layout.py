"""configs/pipeline.yaml is laid out as `dvc exp run -S` rewrites it (DVC's own code does the
rewrite here), so an experiment's diff is the lines of the keys it sets, nothing else."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from _project import ROOT
from dvc.utils.hydra import apply_overrides

from pipeline.common.config import load_config

SHIPPED = ROOT / "configs" / "pipeline.yaml"


def _changed_lines(tmp_path: Path, overrides: list[str]) -> list[str]:
    path = tmp_path / "pipeline.yaml"
    shutil.copy(SHIPPED, path)
    apply_overrides(str(path), overrides)
    before = SHIPPED.read_text(encoding="utf-8").splitlines()
    after = path.read_text(encoding="utf-8").splitlines()
    return [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_setting_a_key_to_its_value_rewrites_nothing(tmp_path):
    assert _changed_lines(tmp_path, ["seed=42"]) == []


@pytest.mark.parametrize(("override", "expected"), [
    ("model.n_topics=6", ["-  n_topics: auto ", "+  n_topics: 6 "]),
    ("vectorize.max_features=500", ["-  max_features: ", "+  max_features: 500 "]),
    ("tokens.pos=[noun]", ["-  - proper_noun"]),
    ("score.input=new/minutes", ["-  input: ", "+  input: new/minutes "]),
])
def test_an_experiment_changes_only_the_lines_of_its_key(tmp_path, override, expected):
    changed = _changed_lines(tmp_path, [override])
    assert len(changed) == len(expected)
    for line, start in zip(changed, expected, strict=True):
        assert line.startswith(start), (line, start)
    load_config(tmp_path / "pipeline.yaml")  # and the result is a valid config
