"""Run stages in this process, as dvc would run them (argv, config file, exit status), for
tests that need a stage's real entry point but not a new interpreter for each run."""

from __future__ import annotations

import contextlib
import io
import os
import runpy
import sys
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "configs" / "pipeline.yaml").read_text(encoding="utf-8"))
# The shipped config names project files relative to the project; these tests run elsewhere.
CONFIG["tokens"]["stopwords_file"] = str(ROOT / CONFIG["tokens"]["stopwords_file"])
CONFIG["model"]["themes_file"] = str(ROOT / CONFIG["model"]["themes_file"])
for _section, _key in (("ingest", "roster"), ("ingest", "meetings"), ("score", "input")):
    CONFIG[_section][_key] = str(ROOT / CONFIG[_section][_key])

# Each stage's file arguments, relative to the work folder (as in dvc.yaml, without folders).
ARGS = {
    "user_files": ["--themes", "themes.yaml", "--stopwords", "stopwords.txt", "--speakers",
                   "speakers.csv", "--meetings", "meetings_in.csv", "--score-input",
                   "score_input.jsonl"],
    "ingest": ["--input", "talk.csv", "--turns", "turns.csv", "--documents",
               "documents.jsonl", "--roster", "roster.json", "--metrics", "ingest.json",
               "--meetings", "meetings.csv"],
    "tokenize": ["--documents", "documents.jsonl", "--roster", "roster.json", "--tokens",
                 "tokens.jsonl", "--metrics", "tokens.json", "--cache", "cache"],
    "vectorize": ["--tokens", "tokens.jsonl", "--dtm", "dtm.npz", "--vocabulary",
                  "vocabulary.json", "--index", "dtm_documents.json", "--metrics",
                  "vectorize.json"],
    "fit": ["--dtm", "dtm.npz", "--vocabulary", "vocabulary.json", "--index",
            "dtm_documents.json", "--documents", "documents.jsonl", "--tokens", "tokens.jsonl",
            "--doc-topics", "fit_doc_topics.csv", "--topic-terms", "fit_topic_terms.csv",
            "--topics", "fit_topics.json", "--relevance", "fit_relevance.json", "--metrics",
            "model.json", "--k-sweep", "k_sweep.csv", "--model", "model"],
    "label": ["--labels", str(ROOT / "configs" / "topic_labels.yaml"), "--model", "model",
              "--fit-doc-topics", "fit_doc_topics.csv", "--fit-topic-terms",
              "fit_topic_terms.csv", "--fit-topics", "fit_topics.json", "--fit-relevance",
              "fit_relevance.json", "--doc-topics", "doc_topics.csv", "--topic-terms",
              "topic_terms.csv", "--topics", "topics.json", "--topic-table", "topics.csv",
              "--relevance", "relevance.json", "--notes", "labels.json"],
    "score": ["--model", "model", "--topics", "topics.json", "--stopwords", "stopwords.txt",
              "--speakers-file", "speakers.csv",
              "--doc-topics", "score_doc_topics.csv", "--speaker-topics",
              "score_speaker_topics.csv", "--summary", "score.json", "--meeting-topics",
              "score_meeting_topics.csv"],
    "speakers": ["--doc-topics", "doc_topics.csv", "--topics", "topics.json", "--index",
                 "dtm_documents.json",
                 "--documents", "documents.jsonl", "--tokens", "tokens.jsonl",
                 "--meetings", "meetings.csv",
                 "--speaker-topics", "speaker_topics.csv", "--role-topics", "role_topics.csv",
                 "--meeting-topics", "meeting_topics.csv", "--speaker-terms",
                 "speaker_terms.csv", "--speaker-themes", "speaker_themes.csv", "--prevalence",
                 "topic_prevalence.csv", "--metrics", "speakers.json", "--group-topics",
                 "group_topics.csv", "--attribute-topics", "attribute_topics.csv",
                 "--group-differences", "group_differences.csv",
                 "--meeting-attribute-topics", "meeting_attribute_topics.csv",
                 "--topic-time", "topic_time.csv"],
    "charts": ["--speaker-topics", "speaker_topics.csv", "--topic-terms", "topic_terms.csv",
               "--topics", "topics.json", "--doc-topics", "doc_topics.csv", "--index",
               "dtm_documents.json", "--k-sweep", "k_sweep.csv", "--speaker-themes",
               "speaker_themes.csv", "--documents", "documents.jsonl", "--group-topics",
               "group_topics.csv", "--group-differences", "group_differences.csv",
               "--attribute-topics", "attribute_topics.csv", "--meetings", "meetings.csv",
               "--meeting-attribute-topics", "meeting_attribute_topics.csv",
               "--topic-time", "topic_time.csv", "--speakers-metrics", "speakers.json",
               "--out-dir", "charts"],
    "networks": ["--doc-topics", "doc_topics.csv",
                 "--vocabulary", "vocabulary.json", "--tokens", "tokens.jsonl", "--topics",
                 "topics.json", "--documents", "documents.jsonl", "--out-dir", "charts"],
    "report": ["--ingest-metrics", "ingest.json", "--tokens-metrics", "tokens.json",
               "--model-metrics", "model.json", "--label-notes", "labels.json",
               "--k-sweep", "k_sweep.csv",
               "--speakers-metrics", "speakers.json",
               "--topics", "topics.json", "--relevance", "relevance.json", "--doc-topics",
               "doc_topics.csv", "--index", "dtm_documents.json", "--documents",
               "documents.jsonl", "--turns", "turns.csv", "--dtm", "dtm.npz",
               "--speaker-topics", "speaker_topics.csv",
               "--meeting-topics", "meeting_topics.csv", "--meetings", "meetings.csv",
               "--speaker-terms", "speaker_terms.csv", "--speaker-themes", "speaker_themes.csv",
               "--roster", "roster.json", "--themes", "themes.yaml", "--stopwords",
               "stopwords.txt", "--group-topics", "group_topics.csv",
               "--group-differences", "group_differences.csv", "--charts", "charts",
               "--score-meeting-topics", "score_meeting_topics.csv", "--score-summary",
               "score.json", "--topic-terms", "topic_terms.csv", "--snapshot",
               "report/run.json", "--meeting-attribute-topics", "meeting_attribute_topics.csv",
               "--topic-time", "topic_time.csv", "--out-dir", "report"],
}
STAGES = tuple(ARGS)


@dataclass(frozen=True)
class Finished:
    """What a stage run left, as `subprocess.run(..., capture_output=True)` reports it."""

    returncode: int
    stdout: str
    stderr: str


def run_module(work: Path, stage: str, argv: list[str],
               env: dict[str, str] | None = None) -> Finished:
    """Run `python -m pipeline.stages.<stage> *argv` from work in this process, as a new
    interpreter would: exit status, stdout, stderr (with the traceback if the stage raised)."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        status = _run(work, stage, argv, env, stdout, stderr)
    except Exception:  # an interpreter prints the traceback and exits with 1
        stderr.write(traceback.format_exc())
        status = 1
    return Finished(status, stdout.getvalue(), stderr.getvalue())


def run_stage(work: Path, stage: str, config: dict | None = None,
              env: dict[str, str] | None = None, **paths: str) -> tuple[int, list[str]]:
    """Run one stage's entry point in work (file arguments as in ARGS, or as given by
    paths: `input="x.tsv"`); returns its exit status and its stderr lines that are errors."""
    args = list(ARGS[stage])
    for name, value in paths.items():
        args[args.index(f"--{name.replace('_', '-')}") + 1] = value
    (work / "pipeline.yaml").write_text(
        yaml.safe_dump(config if config is not None else CONFIG, allow_unicode=True),
        encoding="utf-8")
    stderr = io.StringIO()
    status = _run(work, stage, ["--config", str(work / "pipeline.yaml"), *args], env, None,
                  stderr)
    return status, [line for line in stderr.getvalue().splitlines()
                    if line.startswith("error:")]


def _run(work: Path, stage: str, argv: list[str], env: dict[str, str] | None,
         stdout: io.StringIO | None, stderr: io.StringIO) -> int:
    """The stage's exit status; its stderr (and stdout, if given) go to the buffers."""
    saved = sys.argv, Path.cwd(), dict(os.environ)
    sys.argv = [f"{stage}.py", *argv]
    os.environ.pop("PIPELINE_DEBUG", None)
    os.environ.pop("DVC_STAGE", None)
    os.environ.update(env or {})
    os.chdir(work)
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(contextlib.redirect_stderr(stderr))
            if stdout is not None:
                stack.enter_context(contextlib.redirect_stdout(stdout))
            stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore", RuntimeWarning)  # runpy: already imported
            runpy.run_module(f"pipeline.stages.{stage}", run_name="__main__")
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=stderr)  # as the interpreter does with a message
        return 1
    finally:
        sys.argv = saved[0]
        os.chdir(saved[1])
        os.environ.clear()
        os.environ.update(saved[2])
    return 0


def run_pipeline(work: Path, config: dict | None = None) -> None:
    """Every stage in order, each one required to succeed."""
    for stage in STAGES:
        status, errors = run_stage(work, stage, config)
        assert status == 0, (stage, errors)


def snapshot(work: Path) -> dict[str, bytes]:
    """Every output file under work (the previous run's outputs a failure must keep)."""
    return {str(p.relative_to(work)): p.read_bytes() for p in sorted(work.rglob("*"))
            if p.is_file() and p.name != "pipeline.yaml" and "cache" not in p.parts}
