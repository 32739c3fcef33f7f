"""Every bad input a user can cause: one line on stderr naming the file/line or key, exit 2,
no traceback, and no output written. This table is the one in README "When something is
wrong"."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.config import parse_config
from pipeline.errors import PipelineError

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "configs" / "pipeline.yaml").read_text(encoding="utf-8"))
# The shipped config names project files relative to the project; these tests run elsewhere.
CONFIG["tokens"]["stopwords_file"] = str(ROOT / CONFIG["tokens"]["stopwords_file"])
CONFIG["model"]["themes_file"] = str(ROOT / CONFIG["model"]["themes_file"])
SPEECH = "<岸>\n特区の規制緩和について話します。\n<後藤>\n材料の研究開発が大事です。\n"


def run_stage(tmp_path: Path, stage: str, args: list[str],
              config: dict | str | None = None) -> subprocess.CompletedProcess:
    """Run a stage as dvc would, from tmp_path, with the given config."""
    path = tmp_path / "pipeline.yaml"
    if isinstance(config, str):
        path.write_text(config, encoding="utf-8")
    else:
        data = config if config is not None else CONFIG
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PIPELINE_DEBUG", None)
    return subprocess.run([sys.executable, "-m", f"pipeline.stages.{stage}", "--config",
                           str(path), *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, check=False)


def ingest(tmp_path: Path, source: Path, config: dict | None = None):
    out = tmp_path / "out"
    result = run_stage(tmp_path, "ingest", [
        "--input", str(source), "--turns", str(out / "turns.csv"),
        "--documents", str(out / "documents.jsonl"), "--roster", str(out / "roster.json"),
        "--metrics", str(out / "ingest.json")], config)
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
def test_bad_transcript_gets_one_line(tmp_path, case, content, message):
    name = "talk.csv" if "table" in case else "talk.txt"
    source = tmp_path / name if content is None else write(tmp_path, name, content)
    result, out = ingest(tmp_path, source)
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
def test_bad_config_gets_one_line_before_any_work(tmp_path, case, config, message):
    result, out = ingest(tmp_path, write(tmp_path, "talk.txt", SPEECH), config)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: " + message.format(cfg=tmp_path / "pipeline.yaml")]
    assert not out.exists()


def test_unwritable_output_folder(tmp_path):
    blocker = write(tmp_path, "out", "a file where a folder should be")
    result = run_stage(tmp_path, "ingest", [
        "--input", str(write(tmp_path, "talk.txt", SPEECH)),
        "--turns", str(blocker / "turns.csv"), "--documents", str(blocker / "d.jsonl"),
        "--roster", str(blocker / "r.json"), "--metrics", str(blocker / "m.json")])
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: {blocker}: is a file, so outputs cannot go in it; move it or change the output "
        "path"]


def _pipeline_to_dtm(tmp_path: Path, text: str, config: dict) -> Path:
    """Run ingest → tokenize → vectorize; returns the work folder."""
    result, out = ingest(tmp_path, write(tmp_path, "talk.txt", text), config)
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
                           config)
        if result.returncode:
            return result
    return out


def test_every_token_filtered_out(tmp_path):
    result = _pipeline_to_dtm(tmp_path, "<岸>\nえー、あの、まあ、そう思います。\n", CONFIG)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: every token was filtered out; check tokens.pos and the stopwords"]


def test_more_topics_than_documents(tmp_path):
    config = {**CONFIG, "model": {**CONFIG["model"], "n_topics": 30, "themes_file": None},
              "vectorize": {**CONFIG["vectorize"], "min_df": 1}}
    text = "".join(f"<話者{i}>\n特区と材料と安全保障の話{i}。\n" for i in range(6))
    out = _pipeline_to_dtm(tmp_path, text, config)
    assert isinstance(out, Path)
    result = run_stage(tmp_path, "fit", [
        "--dtm", str(out / "dtm.npz"), "--vocabulary", str(out / "vocabulary.json"),
        "--index", str(out / "index.json"), "--documents", str(out / "documents.jsonl"),
        "--tokens", str(out / "tokens.jsonl"), "--doc-topics", str(out / "dt.csv"),
        "--topic-terms", str(out / "tt.csv"), "--topics", str(out / "topics.json"),
        "--relevance", str(out / "relevance.json"),
        "--metrics", str(out / "model.json"), "--k-sweep", str(out / "k.csv")], config)
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
                             "d", "--roster", "r", "--metrics", "m"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_killed_run_leaves_previous_output_and_reruns_cleanly(tmp_path):
    import json

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


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
