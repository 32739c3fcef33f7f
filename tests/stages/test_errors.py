"""Every bad input a user can cause: one line on stderr naming the file/line or key, exit 2,
no traceback, and no output written. This table is the one in docs/troubleshooting.md (the
common rows also in README "When something is wrong")."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from _fuzz import n_examples
from _project import ROOT
from _stages import Finished, run_module, snapshot
from _stages import run_stage as run_in_process
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.common.config import parse_config
from pipeline.common.errors import PipelineError

CONFIG = yaml.safe_load((ROOT / "configs" / "pipeline.yaml").read_text(encoding="utf-8"))
# The shipped config names project files relative to the project; these tests run elsewhere.
CONFIG["tokens"]["stopwords_file"] = str(ROOT / CONFIG["tokens"]["stopwords_file"])
CONFIG["model"]["themes_file"] = str(ROOT / CONFIG["model"]["themes_file"])
for _section, _key in (("ingest", "roster"), ("ingest", "meetings"), ("score", "input")):
    CONFIG[_section][_key] = str(ROOT / CONFIG[_section][_key])
SPEECH = "<岸>\n特区の規制緩和について話します。\n<後藤>\n材料の研究開発が大事です。\n"


@pytest.fixture(params=["in_process", pytest.param("subprocess", marks=pytest.mark.slow)])
def how(request) -> str:
    """How a stage runs: its entry point in this process (quick), or in a new interpreter as
    dvc runs it (slow: a second or two of imports per stage)."""
    return request.param


def run_stage(tmp_path: Path, stage: str, args: list[str], config: dict | str | None = None,
              how: str = "subprocess") -> subprocess.CompletedProcess | Finished:
    """Run a stage as dvc would, from tmp_path, with the given config."""
    path = tmp_path / "pipeline.yaml"
    if isinstance(config, str):
        path.write_text(config, encoding="utf-8")
    else:
        data = config if config is not None else CONFIG
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    if how == "in_process":
        return run_module(tmp_path, stage, ["--config", str(path), *args])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PIPELINE_DEBUG", None)
    return subprocess.run([sys.executable, "-m", f"pipeline.stages.{stage}", "--config",
                           str(path), *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, check=False)


def ingest(tmp_path: Path, source: Path, config: dict | None = None, how: str = "subprocess"):
    out = tmp_path / "out"
    result = run_stage(tmp_path, "ingest", [
        "--input", str(source), "--turns", str(out / "turns.csv"),
        "--documents", str(out / "documents.jsonl"), "--roster", str(out / "roster.json"),
        "--metrics", str(out / "ingest.json"), "--meetings", str(out / "meetings.csv")], config,
        how)
    return result, out


def with_model(**changes) -> dict:
    config = {**CONFIG, "model": {**CONFIG["model"], **changes}}
    return config


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


INGEST_CASES = [
    ("missing path", None, "{src}: input path not found; set ingest.input to a file or folder"),
    ("empty file", b"", "{src}: file is empty; give a transcript with speaker turns"),
    ("only white space", "\u3000\n \n", "{src}: file is empty; give a transcript with speaker "
     "turns"),
    ("binary file", bytes(range(256)) * 4, "{src}: looks like a binary file, not a text "
     "transcript"),
    ("control characters", "\x01\x02\x03\x04" * 50 + "<岸>\n話。\n", "{src}: looks like a "
     "binary file, not a text transcript"),
    ("undecodable text", "岸の話です".encode() + b"\xff\xfe\xfd",
     "{src}: cannot decode as utf-8, cp932, euc-jp; save it as UTF-8 or set ingest.encoding"),
    ("no tag style", "ただの文章です。\n誰の発言でもない。\n",
     "{src}: no speaker tag style matched (tried <名前>, <名前>発言, ○名前　発言, 名前：発言); "
     "first lines: 「ただの文章です。 | 誰の発言でもない。」; set ingest.style or tag the turns"),
    ("tags but no speech", "<岸>\n〔拍手〕\n<後藤>\n――――\n",
     "{src}: 2 speaker tags found but nothing to model: the turns hold no speech"),
    ("10 MB single line", "<岸>\n" + "あ" * 10_000_000,
     "{src}:2: line of 10,000,000 characters (limit 1,000,000); the file seems to have lost "
     "its line breaks"),
    ("table without text column", "speaker,words\n岸,話す。\n",
     "{src}: no column 'text' for the text; columns are ['speaker', 'words']; map one with "
     "ingest.columns.text"),
]


@pytest.mark.parametrize(("case", "content", "message"), INGEST_CASES,
                         ids=[c[0] for c in INGEST_CASES])
def test_bad_transcript_gets_one_line(tmp_path, how, case, content, message):
    name = "talk.csv" if "table" in case else "talk.txt"
    source = tmp_path / name if content is None else write(tmp_path, name, content)
    result, out = ingest(tmp_path, source, how=how)
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["error: " + message.format(src=source)]
    assert not out.exists() or not any(out.iterdir())


CONFIG_CASES = [
    ("malformed YAML", "seed: 1\ningest: [unclosed\n",
     "{cfg}:3: malformed YAML (expected ',' or ']', but got '<stream end>')"),
    ("unknown key", with_model(n_topcs=5),
     "{cfg}: model.n_topcs: unknown key (check its spelling; see README 'Settings')"),
    ("wrong type", with_model(n_topics="many"),
     "{cfg}: model.n_topics: must be a whole number >= 2 or auto (got 'many')"),
    ("n_topics below 2", with_model(n_topics=1), "{cfg}: model.n_topics: must be >= 2 (got 1)"),
    ("empty K range", with_model(n_topics="auto", k_min=9, k_max=4),
     "{cfg}: model: k_min (9) must be <= k_max (4)"),
    ("not a mapping", "- just\n- a list\n",
     "{cfg}: must be a mapping of sections (seed, ingest, model, ...)"),
    ("dashboard address for the scheduler",
     {**CONFIG, "compute": {"backend": "dask", "scheduler": "http://127.0.0.1:8787"}},
     "{cfg}: compute.scheduler: must be a Dask scheduler address like tcp://host:8786 (not "
     "the dashboard's http:// address), or null for a LocalCluster "
     "(got 'http://127.0.0.1:8787')"),
    ("scheduler without a port", {**CONFIG, "compute": {"scheduler": "nonsense"}},
     "{cfg}: compute.scheduler: must be a Dask scheduler address like tcp://host:8786 (not "
     "the dashboard's http:// address), or null for a LocalCluster (got 'nonsense')"),
]


@pytest.mark.parametrize(("case", "config", "message"), CONFIG_CASES,
                         ids=[c[0] for c in CONFIG_CASES])
def test_bad_config_gets_one_line_before_any_work(tmp_path, how, case, config, message):
    result, out = ingest(tmp_path, write(tmp_path, "talk.txt", SPEECH), config, how)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: " + message.format(cfg=tmp_path / "pipeline.yaml")]
    assert not out.exists()


def test_unwritable_output_folder(tmp_path, how):
    blocker = write(tmp_path, "out", "a file where a folder should be")
    result = run_stage(tmp_path, "ingest", [
        "--input", str(write(tmp_path, "talk.txt", SPEECH)),
        "--turns", str(blocker / "turns.csv"), "--documents", str(blocker / "d.jsonl"),
        "--roster", str(blocker / "r.json"), "--metrics", str(blocker / "m.json"),
        "--meetings", str(blocker / "meetings.csv")], how=how)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {blocker}: is a file, so outputs cannot go in it; move it or change the output "
        "path"]


def _pipeline_to_dtm(tmp_path: Path, text: str, config: dict, how: str) -> Path:
    """Run ingest → tokenize → vectorize; returns the work folder."""
    result, out = ingest(tmp_path, write(tmp_path, "talk.txt", text), config, how)
    assert result.returncode == 0, result.stderr
    steps = [
        ("tokenize", ["--documents", "documents.jsonl", "--roster", "roster.json",
                      "--tokens", "tokens.jsonl", "--metrics", "tokens.json"]),
        ("vectorize", ["--tokens", "tokens.jsonl", "--dtm", "dtm.npz",
                       "--vocabulary", "vocabulary.json", "--index", "index.json",
                       "--metrics", "vectorize.json"]),
    ]
    for stage, args in steps:
        result = run_stage(tmp_path, stage, [str(out / a) if "." in a else a for a in args],
                           config, how)
        if result.returncode:
            return result
    return out


def test_every_token_filtered_out(tmp_path, how):
    result = _pipeline_to_dtm(tmp_path, "<岸>\nえー、あの、まあ、そう思います。\n", CONFIG, how)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: every token was filtered out; check tokens.pos, the stopwords and "
        "tokens.boilerplate_min_meetings"]


def test_more_topics_than_documents(tmp_path, how):
    config = {**CONFIG, "model": {**CONFIG["model"], "n_topics": 30, "themes_file": None},
              "vectorize": {**CONFIG["vectorize"], "min_df": 1}}
    text = "".join(f"<話者{i}>\n特区と材料と安全保障の話{i}。\n" for i in range(6))
    out = _pipeline_to_dtm(tmp_path, text, config, how)
    assert isinstance(out, Path)
    result = run_stage(tmp_path, "fit", [
        "--dtm", str(out / "dtm.npz"), "--vocabulary", str(out / "vocabulary.json"),
        "--index", str(out / "index.json"), "--documents", str(out / "documents.jsonl"),
        "--tokens", str(out / "tokens.jsonl"), "--doc-topics", str(out / "dt.csv"),
        "--topic-terms", str(out / "tt.csv"), "--topics", str(out / "topics.json"),
        "--relevance", str(out / "relevance.json"),
        "--metrics", str(out / "model.json"), "--k-sweep", str(out / "k.csv"),
        "--model", str(out / "model")], config, how)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: model.n_topics: 30 topics but only 6 documents and 3 terms; use at most 2"]
    assert not (out / "dt.csv").exists()


def test_debug_shows_the_traceback(tmp_path):
    config = tmp_path / "pipeline.yaml"
    config.write_text(yaml.safe_dump(CONFIG, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PIPELINE_DEBUG": "1"}
    result = subprocess.run([sys.executable, "-m", "pipeline.stages.ingest", "--config",
                             str(config), "--input", "nope", "--turns", "t", "--documents",
                             "d", "--roster", "r", "--metrics", "m", "--meetings", "mt"],
                            cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "Traceback" in result.stderr


@pytest.mark.slow  # 150,000 documents tokenized twice; atomic writes: tests/common/test_atomic.py
def test_killed_run_leaves_previous_output_and_reruns_cleanly(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    n_docs = 150_000  # several seconds of work, so the kill lands mid-stage
    text = "特区の規制緩和と材料の研究開発、安全保障の議論{}。"
    (out / "documents.jsonl").write_text("".join(
        json.dumps({"doc_id": f"m#{i}.1", "text": text.format(i)}, ensure_ascii=False) + "\n"
        for i in range(n_docs)), encoding="utf-8")
    (out / "roster.json").write_text("[]", encoding="utf-8")
    config = {**CONFIG, "tokens": {**CONFIG["tokens"], "n_jobs": 1}}
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(config, allow_unicode=True),
                                            encoding="utf-8")
    tokens = out / "tokens.jsonl"
    tokens.write_text("previous good output\n", encoding="utf-8")
    args = ["--config", str(tmp_path / "pipeline.yaml"), "--documents",
            str(out / "documents.jsonl"), "--roster", str(out / "roster.json"), "--tokens",
            str(tokens), "--metrics", str(out / "tokens.json")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "pipeline.stages.tokenize", *args],
                               cwd=tmp_path, env=env, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    assert process.poll() is None, "the stage finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert tokens.read_text(encoding="utf-8") == "previous good output\n"
    rerun = subprocess.run([sys.executable, "-m", "pipeline.stages.tokenize", *args],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    assert tokens.read_text(encoding="utf-8").count("\n") == n_docs
    assert not list(out.glob(".*.tmp"))


@settings(max_examples=n_examples(2000), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.recursive(
    st.none() | st.booleans() | st.integers(-5, 50) | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["seed", "ingest", "model", "input", "n_topics", "unit",
                                       "tokens", "k_min", "k_max", "x"]), children,
                      max_size=5),
    max_leaves=12))
def test_config_loader_only_raises_documented_errors(data):
    try:
        parse_config(data, "c.yaml")
    except PipelineError as exc:
        assert str(exc).startswith("c.yaml")


# Round 2 (issue 16): tables that cannot swallow rows, JSON Lines, UTF-16, themes that do not
# fit K, full disks, missing interim files and failures under dvc repro. These run the stage
# entry points in this process (tests/_stages.py), each over the outputs of a good run that
# the failure must leave as they were.

GOOD_TABLE = "speaker,text\n岸,特区の規制緩和について話します。\n後藤,材料の研究開発が大事です。\n"
QUOTE_ADVICE = 'close the quote, or write a quote inside a quoted field as ""'
TABLE_CASES = [
    ("unbalanced quote swallows rows", "talk.tsv",
     "speaker\ttext\n岸\t特区の話です。\n鈴木\t\"引用の始まり。\n佐藤\tこんにちは。\n田中\tはい。\n",
     "{src}:3: a quoted field opened here is never closed, so every row after it would be read "
     f"as its text; {QUOTE_ADVICE}"),
    ("quote closed mid-field", "talk.csv", '"speaker",text\n岸,"引用"の続き。\n',
     "{src}:2: the quoted field opened here is closed on line 2 with more text after the "
     f"closing quote; {QUOTE_ADVICE}"),
    ("quoted field over rows", "talk.csv",
     'speaker,text\n岸,"引用の始まり。\n後藤,はい。\n田中,そうです。"\n',
     "{src}:2: the quoted field opened here runs over 2 lines that look like rows of the "
     f"table (the first: line 3); {QUOTE_ADVICE}"),
    ("a quote out of place", "talk.csv",
     'speaker,text\n岸,"はい, そうです。"\n後藤,彼は"はい"と。\n',
     '{src}:3: a quote inside a field that is not in quotes, in a table that quotes its fields: '
     'a quote out of place; put that field in quotes and write each quote inside it as ""'),
    ("more fields than the header", "talk.csv", "speaker,text\n岸,はい,そうです。\n",
     "{src}:2: 3 fields but the header has 2, so part of a text would be lost; put a field "
     "that holds a comma in double quotes"),
    ("lone surrogate in JSON Lines", "talk.jsonl",
     '{"speaker": "岸", "text": "はい。"}\n{"speaker": "後藤", "text": "a\\ud800b"}\n',
     "{src}:2: field 'text' holds a lone surrogate (\\ud800), which is not a character; fix "
     "the program that wrote the file"),
    ("list as a JSON speaker", "talk.jsonl", '{"speaker": ["岸", "後藤"], "text": "はい。"}\n',
     "{src}:1: field 'speaker' is a list, not text; give it as a string, or leave it out"),
    ("object as a JSON text", "talk.jsonl", '{"speaker": "岸", "text": {"a": 1}}\n',
     "{src}:1: field 'text' is an object, not text; give it as a string, or leave it out"),
    ("UTF-16 without a BOM", "talk.txt", "<岸>\n特区の話です。\n".encode("utf-16-le"),
     "{src}: looks like UTF-16 without a byte order mark; save it as UTF-8 (or as UTF-16 with "
     "a BOM)"),
]


@pytest.fixture(scope="module")
def previous(tmp_path_factory) -> Path:
    """A work folder holding a good ingest's outputs."""
    work = tmp_path_factory.mktemp("previous")
    (work / "talk.csv").write_text(GOOD_TABLE, encoding="utf-8")
    assert run_in_process(work, "ingest") == (0, [])
    assert run_in_process(work, "user_files") == (0, [])
    return work


def _copy(previous: Path, tmp_path: Path) -> Path:
    import shutil

    work = tmp_path / "work"
    shutil.copytree(previous, work)
    return work


@pytest.mark.parametrize(("case", "name", "content", "message"), TABLE_CASES,
                         ids=[c[0] for c in TABLE_CASES])
def test_bad_table_gets_one_line_and_keeps_outputs(previous, tmp_path, case, name, content,
                                                   message):
    work = _copy(previous, tmp_path)
    write(work, name, content)
    before = snapshot(work)
    expected = ["error: " + message.format(src=name)]
    assert run_in_process(work, "ingest", input=name) == (2, expected)
    assert snapshot(work) == before


def test_a_meeting_attribute_that_changes_within_a_meeting_is_one_line(previous, tmp_path):
    work = _copy(previous, tmp_path)
    write(work, "talk.csv", "meeting,speaker,text,committee\nm1,岸,特区の話です。,予算委員会\n"
                            "m1,後藤,材料の話です。,外務委員会\n")
    columns = {**CONFIG["ingest"]["columns"], "meeting_attributes": {"委員会": "committee"}}
    config = {**CONFIG, "ingest": {**CONFIG["ingest"], "columns": columns}}
    before = snapshot(work)
    assert run_in_process(work, "ingest", config, input="talk.csv") == (2, [
        "error: talk.csv:3: meeting 'm1' has 委員会 '外務委員会' here but '予算委員会' on "
        "talk.csv:2; a meeting attribute (ingest.columns.meeting_attributes.委員会) must be "
        "the same on every row of a meeting: fix the rows, or map the column as a speaker "
        "attribute (ingest.columns.attributes)"])
    assert snapshot(work) == before


def test_utf16_with_a_bom_and_u2028_in_json_are_read(previous, tmp_path):
    work = _copy(previous, tmp_path)
    text = "<岸>\n特区の規制緩和です。\n<後藤>\n材料の話です。\n"
    write(work, "talk.txt", text.encode("utf-16"))
    assert run_in_process(work, "ingest", input="talk.txt") == (0, [])
    ingest = json.loads((work / "ingest.json").read_text(encoding="utf-8"))
    assert ingest["files"][0]["encoding"] == "utf-16" and ingest["n_turns"] == 2
    write(work, "talk.jsonl", '{"speaker": "岸", "text": "特区\u2028の話です。"}\n'
                              '{"speaker": "後藤", "text": "材料\u2029の話です。"}\n')
    assert run_in_process(work, "ingest", input="talk.jsonl") == (0, [])
    assert json.loads((work / "ingest.json").read_text(encoding="utf-8"))["n_turns"] == 2


TWELVE = "themes:\n" + "".join(f"  テーマ{i}: [語{i}]\n" for i in range(12))
THEME_CASES = [
    ("more themes than k_max", TWELVE, {"k_max": 12},
     "{src}: 12 themes need at least 13 topics but model.k_max is 12; set model.k_max to 13 or "
     "more, or move themes to coding_themes (coded, not seeded)"),
    ("more themes than n_topics", TWELVE, {"n_topics": 10},
     "{src}: 12 themes need at least 13 topics but model.n_topics is 10; set model.n_topics to "
     "13 or more, or move themes to coding_themes (coded, not seeded)"),
    ("a theme name twice", "themes:\n  特区: [特区]\n  材料: [材料]\n  特区: [規制]\n", {},
     "{src}:4: '特区' is given twice (first on line 2); give each name once (YAML would keep "
     "only the last)"),
    ("a name in both sections", "themes:\n  特区: [特区]\ncoding_themes:\n  特区: [規制]\n", {},
     "{src}: theme '特区' is given twice; give each theme one name"),
    ("two themes with the same seeds", "themes:\n  規制: [特区, 規制]\n  特区: [規制, 特区]\n",
     {}, "{src}: themes '規制' and '特区' have the same seed words, so they would be one topic "
     "twice; merge them or change the seeds"),
    ("malformed themes YAML", "themes:\n  特区: [特区\n  材料: [材料]\n", {},
     "{src}:3: malformed YAML (expected ',' or ']', but got ':')"),
]


@pytest.mark.parametrize(("case", "text", "model", "message"), THEME_CASES,
                         ids=[c[0] for c in THEME_CASES])
def test_bad_themes_stop_the_run_first(previous, tmp_path, case, text, model, message):
    work = _copy(previous, tmp_path)
    themes = write(work, "my_themes.yaml", text)
    before = snapshot(work)
    config = with_model(themes_file=str(themes), **model)
    expected = ["error: " + message.format(src=themes)]
    assert run_in_process(work, "user_files", config) == (2, expected)
    assert snapshot(work) == before


def test_an_empty_themes_file_means_no_themes(previous, tmp_path):
    work = _copy(previous, tmp_path)
    themes = write(work, "my_themes.yaml", "# no themes yet\n")
    assert run_in_process(work, "user_files", with_model(themes_file=str(themes))) == (0, [])
    assert (work / "themes.yaml").read_text(encoding="utf-8") == "# no themes yet\n"


def test_stopwords_not_utf8(previous, tmp_path):
    work = _copy(previous, tmp_path)
    stopwords = write(work, "stop.txt", "特区\n".encode("cp932"))
    before = snapshot(work)
    config = {**CONFIG, "tokens": {**CONFIG["tokens"], "stopwords_file": str(stopwords)}}
    assert run_in_process(work, "user_files", config) == (2, [
        f"error: tokens.stopwords_file: {stopwords} is not UTF-8 text; save it as UTF-8"])
    assert snapshot(work) == before


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_full_disk_is_one_line_and_keeps_outputs(previous, tmp_path, monkeypatch):
    from pipeline.common import atomic

    work = _copy(previous, tmp_path)
    before = snapshot(work)
    real = os.fdopen

    def full(fd, mode, **kwargs):  # every output file is /dev/full: ENOSPC on writing
        os.close(fd)
        return real(os.open("/dev/full", os.O_WRONLY), mode, **kwargs)

    monkeypatch.setattr(atomic.os, "fdopen", full)
    assert run_in_process(work, "ingest") == (2, [
        "error: documents.jsonl: cannot write (No space left on device); free some disk space "
        "and rerun"])
    monkeypatch.undo()
    assert snapshot(work) == before


def test_a_missing_interim_file_is_one_line(tmp_path):
    assert run_in_process(tmp_path, "vectorize") == (2, [
        "error: tokens.jsonl: No such file or directory; check the path, or run dvc repro to "
        "make the files a stage needs"])


def test_a_later_stage_under_dvc_says_which_outputs_are_new(tmp_path):
    write(tmp_path, "tokens.jsonl", '{"doc_id": "m#1.1", "terms": [], "weight": 1.0}\n')
    message = ("error: every token was filtered out; check tokens.pos, the stopwords and "
               "tokens.boilerplate_min_meetings")
    assert run_in_process(tmp_path, "vectorize") == (2, [message])
    assert run_in_process(tmp_path, "vectorize", env={"DVC_STAGE": "vectorize"}) == (2, [
        message + " (dvc repro: outputs of the stages before vectorize, such as turns.csv, are "
        "from this run; the report is still the previous run's)"])


def test_an_input_too_small_for_any_k(tmp_path):
    config = {**CONFIG, "model": {**CONFIG["model"], "n_topics": 4, "themes_file": None},
              "vectorize": {**CONFIG["vectorize"], "min_df": 1, "max_df": 1.0}}
    write(tmp_path, "talk.csv",
          "speaker,text\n岸,特区と材料と安全保障の話。\n後藤,特区と材料の話。\n")
    for stage in ("ingest", "tokenize", "vectorize"):
        assert run_in_process(tmp_path, stage, config) == (0, []), stage
    before = snapshot(tmp_path)
    status, errors = run_in_process(tmp_path, "fit", config)
    assert status == 2 and len(errors) == 1
    assert re.fullmatch(
        r"error: model\.n_topics: 4 topics but only 2 documents and \d+ terms; the input is too "
        r"small for a topic model \(it needs at least 3 documents and 3 terms\); give more text",
        errors[0]), errors
    assert snapshot(tmp_path) == before


@pytest.fixture(scope="module")
def vectorized(tmp_path_factory) -> Path:
    """A work folder with a document-term matrix of a few dozen terms, ready to fit."""
    work = tmp_path_factory.mktemp("vectorized")
    sentences = ["特区の規制緩和と経済特区の議論です。", "材料の研究開発とマテリアルの技術です。",
                 "安全保障とサイバーセキュリティの情報です。", "人材の教育と大学の理系です。",
                 "地方の自治体と地方分権の話です。", "データ流通とプライバシーの保護です。"]
    rows = [f"話者{i % 4},{sentences[i % 6]}{sentences[(i + 1) % 6]}" for i in range(24)]
    write(work, "talk.csv", "speaker,text\n" + "\n".join(rows) + "\n")
    for stage in ("ingest", "tokenize", "vectorize"):
        assert run_in_process(work, stage, FIT_CONFIG) == (0, []), stage
    return work


# Six sentences, each in eight of the 24 rows: boilerplate by the shipped rule, so it is off.
FIT_CONFIG = {**CONFIG, "model": {**CONFIG["model"], "n_seeds": 1},
              "tokens": {**CONFIG["tokens"], "boilerplate_min_meetings": 0},
              "vectorize": {**CONFIG["vectorize"], "min_df": 1, "max_df": 1.0}}


@pytest.mark.parametrize(("n_themes", "model", "message"), [
    (12, {"n_topics": "auto", "k_max": 12}, "12 themes need at least 13 topics but model.k_max "
     "is 12; set model.k_max to 13 or more"),
    (5, {"n_topics": 3}, "5 themes need at least 6 topics but model.n_topics is 3; set "
     "model.n_topics to 6 or more"),
])
def test_fit_checks_themes_against_k_first(vectorized, tmp_path, n_themes, model, message):
    import shutil

    work = tmp_path / "work"
    shutil.copytree(vectorized, work)
    terms = json.loads((work / "vocabulary.json").read_text(encoding="utf-8"))
    assert len(terms) >= n_themes
    themes = write(work, "my_themes.yaml", "themes:\n" + "".join(
        f"  テーマ{i}: [{term}]\n" for i, term in enumerate(terms[:n_themes])))
    before = snapshot(work)
    config = {**FIT_CONFIG, "model": {**FIT_CONFIG["model"], "themes_file": str(themes),
                                      **model}}
    assert run_in_process(work, "fit", config) == (2, [
        f"error: {themes}: {message}, or move themes to coding_themes (coded, not seeded)"])
    assert snapshot(work) == before


# Round 3 (issue 29): each config key named in its own errors, inputs that are no files.

def test_a_missing_score_input_names_score_input(previous, tmp_path):
    work = _copy(previous, tmp_path)
    config = {**CONFIG, "score": {"input": "new/x.txt"}}
    assert run_in_process(work, "user_files", config) == (2, [
        "error: score.input: new/x.txt: input path not found; set score.input to a file or "
        "folder"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_an_input_that_is_a_fifo_says_so(previous, tmp_path):
    work = _copy(previous, tmp_path)
    os.mkfifo(work / "talk.fifo")
    before = snapshot(work)
    assert run_in_process(work, "ingest", input="talk.fifo") == (2, [
        "error: talk.fifo: not a file or a folder (a FIFO, a device or a socket); set "
        "ingest.input to a transcript file or a folder of them"])
    assert run_in_process(work, "ingest", input="/dev/null") == (2, [
        "error: /dev/null: not a file or a folder (a FIFO, a device or a socket); set "
        "ingest.input to a transcript file or a folder of them"])
    assert snapshot(work) == before


def test_file_names_that_differ_only_in_unicode_form_are_one_line(tmp_path):
    # NFC and NFD (a file from macOS) of one name were two meetings that look identical
    # (issue 29.10): meeting ids are folded (NFKC) like speaker labels, so they would be one.
    import unicodedata

    folder = tmp_path / "minutes"
    folder.mkdir()
    nfc, nfd = (unicodedata.normalize(form, "デジタル委員会") for form in ("NFC", "NFD"))
    assert nfc != nfd
    write(folder, f"{nfc}.txt", SPEECH)
    write(folder, f"{nfd}.txt", SPEECH)
    first, second = sorted([f"minutes/{nfc}.txt", f"minutes/{nfd}.txt"])
    assert run_in_process(tmp_path, "ingest", input="minutes") == (2, [
        f"error: {second}: its name and {first}'s differ only in Unicode form (NFC/NFD, "
        f"full/half width), so both would be meeting '{nfc}'; rename one of them"])


def test_a_half_width_file_name_is_folded_with_a_warning(tmp_path, how):
    from pipeline.ingest.corpus import find_transcripts, folded_names, meeting_id

    folder = tmp_path / "minutes"
    folder.mkdir()
    write(folder, "ﾃﾞｼﾞﾀﾙ１.txt", SPEECH)
    write(folder, "予算.txt", SPEECH)
    paths = find_transcripts(folder)
    assert sorted(meeting_id(p, folder) for p in paths) == ["デジタル1", "予算"]
    assert folded_names(paths, folder) == [("ﾃﾞｼﾞﾀﾙ１", "デジタル1")]
    result, out = ingest(tmp_path, folder, how=how)
    assert result.returncode == 0, result.stderr
    assert ("ingest: warning: 1 file names folded (NFKC) to their meeting ids, e.g. "
            "'ﾃﾞｼﾞﾀﾙ１' -> 'デジタル1'") in result.stderr
    assert "デジタル1," in (out / "turns.csv").read_text(encoding="utf-8-sig")
