"""dvc.yaml lists, for each stage, every module of ours the stage runs: else an edit to one
would not rerun the stage, and `dvc repro` would keep outputs that no longer match the code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml
from _project import ROOT

STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def imported_modules(path: Path, seen: set[Path]) -> set[Path]:
    """Our modules that `path` imports, directly or through others (module level or not)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if not name.startswith("pipeline."):
                continue
            target = ROOT / (name.replace(".", "/") + ".py")
            if target.is_file() and target not in seen:
                seen.add(target)
                imported_modules(target, seen)
    return seen


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_stage_deps_cover_the_code_it_runs(stage):
    entry = ROOT / "pipeline" / "stages" / f"{stage}.py"
    needed = {p.relative_to(ROOT).as_posix() for p in imported_modules(entry, {entry})}
    listed = STAGES[stage]["deps"]
    assert sorted(m for m in needed if not covered(m, listed)) == []


def covered(module: str, deps: list[str]) -> bool:
    """A dep names the module's file, or a folder that holds it."""
    return any(module == d or module.startswith(d.rstrip("/") + "/") for d in deps)


def test_package_data_is_a_dep_of_the_stages_that_read_it():
    """Files the code reads at run time (lexicons, templates) change outputs like code does."""
    readers = {"pipeline/tokenize/resources/procedure_ja.txt": ["tokenize", "fit"],
               "pipeline/tokenize/resources/stopwords_ja_meeting.txt": ["tokenize"],
               "pipeline/report/templates/report.html.j2": ["report"],
               "pipeline/report/templates/report.md.j2": ["report"]}
    for path, stages in readers.items():
        assert (ROOT / path).is_file(), path
        for stage in stages:
            assert covered(path, STAGES[stage]["deps"]), (stage, path)


def test_folder_deps_ignore_bytecode():
    """A folder dep hashes every file in it: without this, a .pyc written by a run would make
    the stage look changed on the next `dvc status`."""
    ignored = (ROOT / ".dvcignore").read_text(encoding="utf-8").split()
    assert "__pycache__/" in ignored


@pytest.mark.parametrize("stage", sorted(STAGES))
def test_every_output_persists(stage):
    # Without persist, `dvc repro` deletes an output before its stage runs: a failed or
    # killed run would leave nothing where the last good output was (README "When
    # something is wrong").
    outputs = [entry for kind in ("outs", "metrics", "plots")
               for entry in STAGES[stage].get(kind, [])]
    assert outputs
    lost = [entry if isinstance(entry, str) else next(iter(entry)) for entry in outputs
            if isinstance(entry, str) or not next(iter(entry.values())).get("persist")]
    assert lost == []
