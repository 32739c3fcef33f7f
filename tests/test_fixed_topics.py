"""The real `dvc repro` with fitted topics held fixed: renaming and merging topics in
configs/topic_labels.yaml, and scoring new transcripts, change the tables, charts and report
on the next run without fitting again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from _project import copy_project, dvc

pytestmark = pytest.mark.slow

OUT = Path("outputs")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    dest = copy_project(tmp_path_factory.mktemp("fixed") / "project")
    result = dvc(dest, "repro")
    assert result.returncode == 0, result.stderr[-3000:]
    return dest


def _files(project: Path) -> dict[str, bytes]:
    names = ["tables/doc_topics.csv", "tables/speaker_topics.csv", "tables/topic_terms.csv",
             "charts/speaker_topic_heatmap.png", "charts/top_terms.png", "charts/timeline.png",
             "report/index.html", "report/report.md", "interim/fit/doc_topics.csv",
             "model/model.npz", "metrics/model.json"]
    return {n: (project / OUT / n).read_bytes() for n in names}


def _repro(project: Path) -> str:
    result = dvc(project, "repro")
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def test_renaming_and_merging_topics_changes_every_output_but_not_the_fit(project):
    before = _files(project)
    topics = json.loads((project / OUT / "interim" / "topics.json").read_text("utf-8"))
    first = topics[0]
    (project / "configs" / "topic_labels.yaml").write_text(
        f"topics:\n  1: {{name: 名付けた話題, terms: {json.dumps(first['terms'][:3])}}}\n"
        "merge:\n  - [2, 3]\n", encoding="utf-8")
    log = _repro(project)
    assert "Stage 'fit' didn't change, skipping" in log
    assert "Running stage 'label'" in log
    after = _files(project)
    for fitted in ("interim/fit/doc_topics.csv", "model/model.npz", "metrics/model.json"):
        assert after[fitted] == before[fitted], fitted
    changed = {n for n in before if after[n] != before[n]}
    assert changed >= {"tables/doc_topics.csv", "tables/speaker_topics.csv",
                       "tables/topic_terms.csv", "charts/speaker_topic_heatmap.png",
                       "charts/top_terms.png", "charts/timeline.png", "report/index.html",
                       "report/report.md"}
    assert "T1: 名付けた話題" in after["report/report.md"].decode("utf-8")
    shares = pd.read_csv(project / OUT / "tables" / "speaker_topics.csv", encoding="utf-8-sig")
    assert "topic_3" not in pd.read_csv(project / OUT / "tables" / "doc_topics.csv",
                                        encoding="utf-8-sig").columns
    assert set(shares["topic"]) == {t["topic"] for t in topics} - {3}
    assert (shares.loc[shares["topic"] == 1, "topic_label"] == "名付けた話題").all()
    assert "warning" not in log.split("Running stage 'label'")[1].split("Running stage")[0]

    # A file written for another fit: a warning in the log and in the report, not an error.
    (project / "configs" / "topic_labels.yaml").write_text(
        "topics:\n  1: {name: 名付けた話題, terms: [存在しない語, 別の語]}\n  40: 遠い話題\n",
        encoding="utf-8")
    log = _repro(project)
    assert "Stage 'fit' didn't change, skipping" in log
    assert "label: warning: configs/topic_labels.yaml: topics.1.terms:" in log
    assert "label: warning: configs/topic_labels.yaml: topics.40: モデルのトピックは" in log
    assert "topics.40" in (project / OUT / "report" / "index.html").read_text("utf-8")


def test_scoring_a_new_meeting_uses_the_saved_model_without_refitting(project, tmp_path):
    (project / "configs" / "topic_labels.yaml").write_text("topics: {}\nmerge: []\n", "utf-8")
    _repro(project)
    fitted = _files(project)
    # The bundled meeting again, under a new name: the saved model must give back what the
    # fit gave its documents.
    new = project / "new_meetings"
    new.mkdir()
    shutil.copy(project / "data" / "nakasone_digital_economy_2021-02-02.txt", new / "again.txt")
    config = project / "configs" / "pipeline.yaml"
    text = config.read_text(encoding="utf-8")
    assert text.count("\n  input: data/score  ") == 1  # score.input: the shipped empty folder
    config.write_text(text.replace("\n  input: data/score  ", "\n  input: new_meetings  "),
                      "utf-8")
    log = _repro(project)
    assert "Stage 'fit' didn't change, skipping" in log
    assert _files(project)["model/model.npz"] == fitted["model/model.npz"]
    scored = pd.read_csv(project / OUT / "score" / "doc_topics.csv", encoding="utf-8-sig",
                         keep_default_na=False)
    original = pd.read_csv(project / OUT / "tables" / "doc_topics.csv", encoding="utf-8-sig",
                           keep_default_na=False)
    assert len(scored) == len(original) and set(scored["meeting"]) == {"again"}
    columns = [c for c in original.columns if c.startswith("topic_")]
    assert [c for c in scored.columns if c.startswith("topic_")] == columns
    same = scored["doc_id"].str.split("#").str[1] == original["doc_id"].str.split("#").str[1]
    assert same.all()
    agree = (scored[columns].to_numpy().argmax(axis=1)
             == original[columns].to_numpy().argmax(axis=1)).mean()
    assert agree >= 0.9, agree
    speakers = pd.read_csv(project / OUT / "score" / "speaker_topics.csv",
                           encoding="utf-8-sig")
    assert set(speakers["speaker"]) == set(original["speaker"])
    summary = json.loads((project / OUT / "score" / "score.json").read_text("utf-8"))
    assert summary["n_documents_scored"] == len(original)
    assert 0.5 < summary["share_of_terms_known"] < 1
    # The report, which depends on the score stage's outputs, shows the scored meeting
    # beside the fitted one it repeats: their mixes are all but the same.
    assert "Running stage 'report'" in log
    md = (project / OUT / "report" / "report.md").read_text("utf-8")
    rows = [line for line in md.split("## 採点した会議")[1].split("\n## ")[0].splitlines()
            if line.startswith("| ")][1:]
    assert len(rows) == 1, rows
    assert float(rows[0].rsplit(" ", 2)[-2]) < 0.1, rows[0]
