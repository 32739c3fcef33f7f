"""Tests for pipeline/stages/doctor.py: what an interrupted `dvc repro` leaves, said in one line
(issue 29.2), and the config checked before DVC reads it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _project import ROOT

from pipeline.stages.doctor import main


@pytest.fixture
def project(tmp_path) -> Path:
    (tmp_path / "configs").mkdir()
    shutil.copy(ROOT / "configs" / "pipeline.yaml", tmp_path / "configs" / "pipeline.yaml")
    shutil.copy(ROOT / "dvc.lock", tmp_path / "dvc.lock")
    (tmp_path / ".dvc" / "tmp").mkdir(parents=True)
    return tmp_path


def errors(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]


def test_a_sound_project_is_ok(project, capsys):
    (project / ".dvc" / "tmp" / "rwlock").write_text('{"read": {}, "write": {}}')
    assert main(project) == 0
    assert capsys.readouterr().err.startswith("ok: ")


def test_an_empty_dvc_lock_says_how_to_restore_it(project, capsys):
    (project / "dvc.lock").write_bytes(b"")
    assert main(project) == 2
    assert errors(capsys) == [
        "error: dvc.lock: is empty (a dvc repro was stopped while writing it); restore it with "
        "`git checkout dvc.lock`, or delete it (the next dvc repro then reruns every stage)"]


def test_an_empty_rwlock_says_to_delete_it(project, capsys):
    (project / ".dvc" / "tmp" / "rwlock").write_bytes(b"")
    assert main(project) == 2
    assert errors(capsys) == [
        "error: .dvc/tmp/rwlock: is empty (a dvc command was stopped while writing it); when "
        "no dvc command is running, delete it: rm .dvc/tmp/rwlock"]


def test_an_alias_bomb_is_caught_before_dvc_reads_it(project, capsys):
    config = project / "configs" / "pipeline.yaml"
    config.write_text("a: &a [x, x, x]\nb: [*a, *a]\n" + config.read_text(encoding="utf-8"),
                      encoding="utf-8")
    assert main(project) == 2
    assert errors(capsys) == [f"error: {config}:2: an alias (*a) is not allowed here; write "
                              "the value out"]


def test_temporary_files_of_a_killed_stage_are_a_note(project, capsys):
    interim = project / "outputs" / "interim"
    interim.mkdir(parents=True)
    (interim / ".documents.jsonl.abcd1234.tmp").write_bytes(b"")
    assert main(project) == 0
    assert ("note: 1 temporary files of a stopped stage (e.g. "
            "outputs/interim/.documents.jsonl.abcd1234.tmp)") in capsys.readouterr().err


def test_it_runs_as_a_module(project):
    (project / "dvc.lock").write_bytes(b"")
    result = subprocess.run([sys.executable, "-m", "pipeline.stages.doctor"], cwd=project,
                            env={"PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("error: dvc.lock: is empty")


def test_a_null_file_key_is_named_with_the_empty_file_to_use(project, capsys):
    config = project / "configs" / "pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    assert "  themes_file: configs/themes.yaml" in text
    config.write_text(text.replace("  themes_file: configs/themes.yaml", "  themes_file: null"),
                      encoding="utf-8")
    assert main(project) == 2
    [line] = errors(capsys)
    assert "model.themes_file: null cannot be used under DVC" in line
    assert "configs/no_themes.yaml" in line
