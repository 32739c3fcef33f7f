"""`python -m pipeline.stages.doctor`, a command to run by hand (not a DVC stage): what an
interrupted `dvc repro` can leave that stops every later `dvc` command, each said in one line
with what to do; and the config checked as the stages check it, before DVC reads it.

A `kill -9` of `dvc repro` at an unlucky moment can leave DVC's own files at 0 bytes:
`dvc.lock` (then every command says `'./dvc.lock' validation failed`) or
`.dvc/tmp/rwlock` (`Unable to read RWLock-file`). DVC fails on them before any stage runs,
so no stage can say it; this check reads them without DVC and changes nothing.
Exit status 0 when nothing is wrong, 2 otherwise.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

from pipeline.common.config import load_config
from pipeline.common.errors import PipelineError

# What atomic_open names a temporary file: .name.XXXXXXXX.tmp
_TEMP = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def check_lock(root: Path) -> list[str]:
    """dvc.lock empty or not a YAML mapping: one line each, with the way back."""
    path = root / "dvc.lock"
    if not path.is_file():
        return []
    text = path.read_bytes()
    try:
        ok = isinstance(yaml.safe_load(text), dict)
    except yaml.YAMLError:
        ok = False
    if ok:
        return []
    what = "is empty" if not text.strip() else "is damaged"
    return [f"dvc.lock: {what} (a dvc repro was stopped while writing it); restore it with "
            "`git checkout dvc.lock`, or delete it (the next dvc repro then reruns every stage)"]


def check_rwlock(root: Path) -> list[str]:
    """.dvc/tmp/rwlock empty or not JSON: one line, with the way back."""
    path = root / ".dvc" / "tmp" / "rwlock"
    if not path.is_file():
        return []
    text = path.read_bytes()
    try:
        json.loads(text)
        return []
    except ValueError:
        pass
    what = "is empty" if not text.strip() else "is damaged"
    return [f".dvc/tmp/rwlock: {what} (a dvc command was stopped while writing it); when no "
            "dvc command is running, delete it: rm .dvc/tmp/rwlock"]


def check_config(path: Path) -> list[str]:
    """The params file's problems, as a stage would print them."""
    if not path.is_file():
        return []
    try:
        load_config(path)
    except PipelineError as exc:
        return str(exc).splitlines()
    return []


# The config keys dvc.yaml names files through (`${model.themes_file}`, ...): DVC cannot
# depend on nothing, so a null there stops every dvc command with `ERROR: unexpected error`.
FILE_KEYS = {"model.themes_file": "configs/no_themes.yaml",
             "tokens.stopwords_file": "configs/stopwords.txt",
             "ingest.roster": "configs/speakers.csv", "ingest.meetings": "configs/meetings.csv",
             "score.input": "data/score"}


def check_file_keys(path: Path) -> list[str]:
    """Each file key set to null: one line, with the empty file to name instead."""
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (yaml.YAMLError, UnicodeDecodeError):
        return []  # check_config says what is wrong with the file
    out = []
    for key, empty in FILE_KEYS.items():
        section, name = key.split(".")
        values = params.get(section) if isinstance(params, dict) else None
        if isinstance(values, dict) and name in values and values[name] is None:
            out.append(f"{path}: {key}: null cannot be used under DVC (dvc.yaml names the file "
                       f"through it; dvc says `ERROR: unexpected error`); name an empty file "
                       f"instead, e.g. {empty}")
    return out


def leftover_temps(root: Path) -> list[Path]:
    """Temporary files a killed stage left under outputs/ (its next run removes them)."""
    outputs = root / "outputs"
    if not outputs.is_dir():
        return []
    return sorted(p for p in outputs.rglob(".*.tmp") if _TEMP.fullmatch(p.name)
                  and "cache" not in p.relative_to(outputs).parts[:1])


def main(root: Path = Path(".")) -> int:
    """Print each problem as `error: ...` (and notes), and return the exit status."""
    config = root / "configs" / "pipeline.yaml"
    problems = check_lock(root) + check_rwlock(root) + check_config(config) \
        + check_file_keys(config)
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    temps = leftover_temps(root)
    if temps:
        print(f"note: {len(temps)} temporary files of a stopped stage (e.g. "
              f"{temps[0].relative_to(root)}); nothing reads them, and the next run of their "
              "stage removes them", file=sys.stderr)
    if not problems:
        print("ok: dvc.lock, .dvc/tmp/rwlock and configs/pipeline.yaml are sound",
              file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
