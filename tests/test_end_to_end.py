"""The real `dvc repro` on the bundled transcript, in a temporary copy of the project."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from _project import ROOT, copy_project, dvc

pytestmark = pytest.mark.slow

TABLES = ("turns.csv", "doc_topics.csv", "speaker_topics.csv", "topic_terms.csv")
_dvc = dvc


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A git + DVC copy of the project with `dvc repro` already run."""
    dest = copy_project(tmp_path_factory.mktemp("e2e") / "project")
    result = _dvc(dest, "repro")
    assert result.returncode == 0, result.stderr[-3000:]
    return dest


def _read(project: Path, name: str) -> pd.DataFrame:
    raw = (project / "outputs" / "tables" / name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{name} lacks the UTF-8 BOM Excel needs"
    return pd.read_csv(project / "outputs" / "tables" / name, encoding="utf-8-sig",
                       keep_default_na=False)


def test_turns_are_read_as_tagged(project):
    turns = _read(project, "turns.csv")
    assert list(turns.columns) == ["meeting", "turn", "speaker_label", "speaker", "role", "text",
                                   "n_chars", "start", "end", "directions", "source_id", "date",
                                   "modelled", "group", "position"]  # the attributes
    speech = turns[turns["turn"] > 0]
    assert len(speech) == 39
    assert speech["speaker"].nunique() == 22
    assert "上久保" in set(speech["speaker"])
    assert (turns[turns["turn"] == 0]["speaker"] == "").all()


def test_doc_topics_rows_sum_to_one(project):
    docs = _read(project, "doc_topics.csv")
    assert list(docs.columns[:4]) == ["doc_id", "meeting", "speaker", "turn"]
    assert docs.columns[-1] == "source_id"
    shares = docs[[c for c in docs.columns if c.startswith("topic_")]]
    assert ((shares.sum(axis=1) - 1).abs() < 1e-4).all()


def test_speaker_shares_sum_to_one_within_intervals(project):
    table = _read(project, "speaker_topics.csv")
    sums = table.groupby("speaker")["share"].sum()
    assert ((sums - 1).abs() < 1e-4).all()
    assert (table["ci_low"] <= table["share"] + 1e-9).all()
    assert (table["share"] <= table["ci_high"] + 1e-9).all()


def test_three_known_themes_are_distinct_topics(project):
    terms = _read(project, "topic_terms.csv")
    top = terms[terms["rank"] <= 10].groupby("topic")["term"].apply(set)
    zones = {t for t, words in top.items() if "特区" in words}
    security = {t for t, words in top.items() if words & {"安全保障", "セキュリティ", "サイバー"}}
    materials = {t for t, words in top.items() if "材料" in words}
    assert zones and security and materials
    # Three distinct topics: some choice of one topic per theme has no repeats.
    assert any(len({a, b, c}) == 3 for a in zones for b in security for c in materials)


def test_topic_terms_read_well(project):
    terms = set(_read(project, "topic_terms.csv")["term"])
    assert "安全保障" in terms  # one term, not 安全 + 保障
    assert not terms & {"先生", "委員", "こと", "よう", "思う", "遣り取り", "ナカソネ"}
    assert not any("-" in t and t.split("-")[-1].isascii() for t in terms)


def test_each_topic_names_its_parent(project):
    """topics.csv lists every topic with its group; the topic tables carry the group too
    (empty with few topics: one level)."""
    topics = _read(project, "topics.csv")
    assert list(topics.columns) == ["topic", "topic_label", "prevalence", "parent",
                                    "parent_label", "terms"]
    docs = _read(project, "doc_topics.csv")
    assert len(topics) == sum(c.startswith("topic_") for c in docs.columns)
    shares = _read(project, "speaker_topics.csv")
    assert list(shares.columns[-3:]) == ["topic_label", "parent", "parent_label"]
    grouped = _read(project, "group_topics.csv")
    assert list(grouped.columns[-3:]) == ["topic_label", "parent", "parent_label"]
    if len(topics) < 9:
        assert (topics["parent"] == "").all() and (shares["parent"] == "").all()
    else:
        assert set(shares["parent"]) == set(topics["parent"])


def test_report_charts_and_metrics_exist(project):
    out = project / "outputs"
    html = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "特区" in html and "data:image/png;base64," in html
    assert (out / "report" / "report.md").read_text(encoding="utf-8").startswith("# ")
    assert (out / "charts" / "speaker_topic_heatmap.png").read_bytes()[:4] == b"\x89PNG"
    model = json.loads((out / "metrics" / "model.json").read_text(encoding="utf-8"))
    assert -1 <= model["coherence_npmi"] <= 1
    ingest = json.loads((out / "metrics" / "ingest.json").read_text(encoding="utf-8"))
    assert ingest["n_turns"] == 39


def _running(result: subprocess.CompletedProcess) -> list[str]:
    return re.findall(r"Running stage '(\w+)'", result.stdout)


def _status(project: Path) -> str:
    """`dvc status`, "" when every stage is up to date (user_files included: it depends on
    the files the config names, wherever they are, through dvc.yaml's vars)."""
    status = _dvc(project, "status")
    assert status.returncode == 0, status.stderr
    return status.stdout.replace("Data and pipelines are up to date.", "")


def test_second_repro_does_nothing_and_status_is_clean(project):
    again = _dvc(project, "repro")
    assert again.returncode == 0
    assert "didn't change" in again.stdout or "is cached" in again.stdout, again.stdout
    assert _running(again) == []  # user_files too: its files did not change
    assert _status(project).strip() == ""


def test_forced_rerun_gives_identical_outputs(project):
    def snapshot() -> dict[str, bytes]:
        files = [project / "outputs" / "tables" / n for n in TABLES]
        files += sorted(p for p in (project / "outputs" / "charts").rglob("*") if p.is_file())
        files += [project / "outputs" / "report" / "index.html",
                  project / "outputs" / "report" / "report.md"]
        return {str(f.relative_to(project)): f.read_bytes() for f in files}

    before = snapshot()
    forced = _dvc(project, "repro", "--force")
    assert forced.returncode == 0, forced.stderr[-2000:]
    after = snapshot()
    assert before.keys() == after.keys()
    assert [name for name in before if before[name] != after[name]] == []


def test_bad_config_key_is_one_line_and_nonzero(tmp_path):
    config = tmp_path / "pipeline.yaml"
    text = (ROOT / "configs" / "pipeline.yaml").read_text(encoding="utf-8")
    config.write_text(text.replace("n_top_terms:", "n_top_termz:"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.stages.ingest", "--config", str(config), "--input", "x",
         "--turns", "t", "--documents", "d", "--roster", "r", "--metrics", "m",
         "--meetings", "mt"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {config}: model.n_top_termz: unknown key (check its spelling; see README "
        "'Settings')"]
    assert not list(tmp_path.glob("t*"))


def _set(project: Path, old: str, new: str) -> None:
    config = project / "configs" / "pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    assert old in text, old
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_dask_backend_gives_the_local_tables(project):
    tables = sorted((project / "outputs" / "tables").glob("*.csv"))
    before = {t.name: t.read_bytes() for t in tables}
    config = project / "configs" / "pipeline.yaml"
    original = config.read_text(encoding="utf-8")
    _set(project, "  backend: local", "  backend: dask")
    _set(project, "  n_workers:  ", "  n_workers: 2")
    # Without the cache, tokenizing runs on the Dask workers too.
    _set(project, "  cache: true", "  cache: false")
    try:
        forced = _dvc(project, "repro", "--force")
        assert forced.returncode == 0, forced.stderr[-3000:]
        assert "dask, 2 workers" in forced.stdout + forced.stderr
        after = {t.name: t.read_bytes() for t in tables}
        assert [name for name in before if before[name] != after[name]] == []
    finally:
        config.write_text(original, encoding="utf-8")


def test_adding_a_meeting_retokenizes_only_it(tmp_path):
    from benchmarks.make_corpus import build

    project = copy_project(tmp_path / "project")
    meetings = project / "data" / "meetings"
    build(meetings, 120_000, 4, seed=0)
    _set(project, "  input: data/nakasone_digital_economy_2021-02-02.txt",
         "  input: data/meetings")
    _set(project, "  n_topics: auto", "  n_topics: 6")
    # This corpus recombines a few thousand sentences, so a fifth meeting changes which of
    # them recur in three meetings (boilerplate), and with it the text of the other four;
    # the cache then re-tokenizes those too (tested below, with the outputs still equal to a
    # run from nothing). Without boilerplate, only the new meeting is tokenized.
    _set(project, "  boilerplate_min_meetings: 3", "  boilerplate_min_meetings: 0")
    first = _dvc(project, "repro")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "4 meetings tokenized, 0 meetings from the cache" in first.stderr
    build(tmp_path / "extra", 30_000, 1, seed=1)
    (tmp_path / "extra" / "meeting_0001.txt").rename(meetings / "meeting_added.txt")
    second = _dvc(project, "repro")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "1 meetings tokenized, 4 meetings from the cache" in second.stderr
    assert "tokenize: tokenized: meeting_added" in second.stderr
    incremental = (project / "outputs/interim/tokens.jsonl").read_bytes()
    # The same tokens as a run that starts from nothing.
    _set(project, "  cache: true", "  cache: false")
    full = _dvc(project, "repro", "--force", "--single-item", "tokenize")
    assert full.returncode == 0, full.stderr[-3000:]
    assert "cache off" in full.stderr
    assert (project / "outputs/interim/tokens.jsonl").read_bytes() == incremental
    # With boilerplate found over the corpus, the cached run still equals one from nothing.
    _set(project, "  cache: false", "  cache: true")
    _set(project, "  boilerplate_min_meetings: 0", "  boilerplate_min_meetings: 3")
    (meetings / "meeting_added.txt").rename(tmp_path / "meeting_added.txt")
    assert _dvc(project, "repro").returncode == 0
    (tmp_path / "meeting_added.txt").rename(meetings / "meeting_added.txt")
    cached = _dvc(project, "repro")
    assert cached.returncode == 0, cached.stderr[-3000:]
    assert "meeting_added" in cached.stderr
    incremental = (project / "outputs/interim/tokens.jsonl").read_bytes()
    _set(project, "  cache: true", "  cache: false")
    full = _dvc(project, "repro", "--force", "--single-item", "tokenize")
    assert full.returncode == 0, full.stderr[-3000:]
    assert (project / "outputs/interim/tokens.jsonl").read_bytes() == incremental


def test_a_named_file_outside_configs_is_a_dependency(project, tmp_path):
    # tokens.stopwords_file and model.themes_file may name a file anywhere: editing it must
    # rerun the stages that read it, not leave `dvc status` clean and old results in place.
    themes, stopwords = tmp_path / "my_themes.yaml", tmp_path / "my_stopwords.txt"
    themes.write_bytes((project / "configs" / "themes.yaml").read_bytes())
    stopwords.write_bytes((project / "configs" / "stopwords.txt").read_bytes())
    config = project / "configs" / "pipeline.yaml"
    original = config.read_text(encoding="utf-8")
    _set(project, "  themes_file: configs/themes.yaml", f"  themes_file: {themes}")
    _set(project, "  stopwords_file: configs/stopwords.txt", f"  stopwords_file: {stopwords}")
    try:
        moved = _dvc(project, "repro")
        assert moved.returncode == 0, moved.stderr[-3000:]
        assert _status(project).strip() == ""
        themes.write_text(themes.read_text(encoding="utf-8") + "  新テーマ: [新しい語]\n",
                          encoding="utf-8")
        stopwords.write_text(stopwords.read_text(encoding="utf-8") + "特区\n",
                             encoding="utf-8")
        copied = _dvc(project, "repro", "--single-item", "user_files")
        assert copied.returncode == 0, copied.stderr[-3000:]
        status = _status(project)
        # Each stage's block: its name alone on a line, then indented lines.
        blocks = dict(re.findall(r"^(\w+):\n((?:\t.*\n?)*)", status, flags=re.M))
        # The report lists the seed words and the stopwords added in its method section;
        # score reads stopwords.txt too: new transcripts are tokenized as the fitted ones.
        assert blocks.keys() == {"tokenize", "fit", "speakers", "report", "score"}, status
        for stage in ("tokenize", "report", "score"):
            assert "modified:           outputs/interim/stopwords.txt" in blocks[stage]
        for stage in ("fit", "speakers", "report"):
            assert "modified:           outputs/interim/themes.yaml" in blocks[stage], status
    finally:
        config.write_text(original, encoding="utf-8")
