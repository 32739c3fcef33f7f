"""Stage user_files: the files the config names (themes, stopwords, roster, meetings, the
transcripts to score), checked and copied.

dvc.yaml names each of them through the config (`${model.themes_file}`, ...), so DVC reruns
this stage when one is edited, wherever it lives, and `dvc status` says up to date when none
changed. The stage copies each into outputs/interim; the stages that read a file depend on
its copy, and DVC reruns them only when the copy's content changed. The files are checked
here first, so a broken one stops the run before any other work. Run by hand, a key set to
null gives an empty copy (under DVC a key must name a file: see README "Settings").
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.common.atomic import write_files
from pipeline.common.errors import PipelineError
from pipeline.ingest.corpus import find_transcripts, has_transcripts
from pipeline.ingest.meetings import parse_meetings
from pipeline.ingest.roster import parse_roster
from pipeline.model.themes import check_themes_fit_k, load_themes
from pipeline.stages._cli import log, run, stage_parser


def read_named(path: str | None, key: str) -> bytes:
    """The bytes of the file a config key names; errors name the key. For null, a comment
    saying so (its readers skip # lines): an empty output draws DVC's "is empty" warning
    from every stage that reads it."""
    if not path:
        return f"# {key}: null\n".encode()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise PipelineError(f"{key}: {path} not found; create it or set null") from None
    except OSError as exc:
        raise PipelineError(f"{key}: {path}: cannot read ({exc.strerror})") from None


def fingerprint(path: str | None) -> bytes:
    """What the score stage depends on for score.input: each transcript's path and content
    hash (JSON lines; one line saying so for null: DVC warns of an empty output), so new or
    edited files rerun it and nothing else does."""
    if not path or not has_transcripts(Path(path)):
        return b'{"score.input": null}\n'
    root = Path(path)
    try:
        files = find_transcripts(root, "score.input")
    except PipelineError as exc:
        raise PipelineError(f"score.input: {exc}") from None
    return "".join(json.dumps([p.relative_to(root).as_posix() if root.is_dir() else p.name,
                               hashlib.sha256(p.read_bytes()).hexdigest()]) + "\n"
                   for p in files).encode("utf-8")


def main(args, config) -> None:
    model, tokens = config.model, config.tokens
    if model.themes_file:
        parsed = load_themes(model.themes_file)  # errors name the file and line
        check_themes_fit_k(parsed, model.n_topics, model.k_max, model.themes_file)
    themes = read_named(model.themes_file, "model.themes_file")
    stopwords = read_named(tokens.stopwords_file, "tokens.stopwords_file")
    try:
        stopwords.decode("utf-8")
    except UnicodeDecodeError:
        raise PipelineError(f"tokens.stopwords_file: {tokens.stopwords_file} is not UTF-8 "
                            "text; save it as UTF-8") from None
    # No roster: a header alone (an empty file would draw DVC's "is empty" warning each run).
    roster = read_named(config.ingest.roster, "ingest.roster") if config.ingest.roster \
        else b"speaker\n"
    try:
        parse_roster(roster.decode("utf-8"), str(config.ingest.roster))  # errors name the line
    except UnicodeDecodeError:
        raise PipelineError(f"ingest.roster: {config.ingest.roster} is not UTF-8 text; save "
                            "it as UTF-8") from None
    meetings = read_named(config.ingest.meetings, "ingest.meetings") \
        if config.ingest.meetings else b"meeting,title,date\n"
    try:
        parse_meetings(meetings.decode("utf-8"), str(config.ingest.meetings))
    except UnicodeDecodeError:
        raise PipelineError(f"ingest.meetings: {config.ingest.meetings} is not UTF-8 text; "
                            "save it as UTF-8") from None
    write_files({Path(args.themes): themes, Path(args.stopwords): stopwords,
                 Path(args.speakers): roster, Path(args.meetings): meetings,
                 Path(args.score_input): fingerprint(config.score.input)})
    log(f"user_files: themes from {model.themes_file}, stopwords from "
        f"{tokens.stopwords_file}")


if __name__ == "__main__":
    parser = stage_parser(__doc__)
    parser.add_argument("--themes", required=True, help="copy of model.themes_file")
    parser.add_argument("--stopwords", required=True, help="copy of tokens.stopwords_file")
    parser.add_argument("--speakers", required=True, help="copy of ingest.roster")
    parser.add_argument("--meetings", required=True, help="copy of ingest.meetings")
    parser.add_argument("--score-input", dest="score_input", required=True,
                        help="content hashes of the files score.input names")
    run(main, parser, first=True)
