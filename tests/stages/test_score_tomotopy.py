"""The score stage with model.engine tomotopy_lda: its saved model scores new meetings
(tests/data/score) through the stages' entry points, on a copy of the bundled run."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from _project import ROOT
from _stages import run_stage

pytest.importorskip("tomotopy", reason="the tomotopy extra (in the dev extra) is not installed")

SCORED = ROOT / "tests" / "data" / "score"


def test_a_tomotopy_model_scores_new_meetings_the_same_each_time(bundled_run, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(bundled_run.work, work)
    config = {**bundled_run.config, "score": {"input": str(SCORED)},
              "model": {**bundled_run.config["model"], "engine": "tomotopy_lda"}}
    outputs = []
    for _ in range(2):
        for stage in ("fit", "label", "score"):
            status, errors = run_stage(work, stage, config)
            assert status == 0, (stage, errors)
        outputs.append({name: (work / name).read_bytes() for name in
                        ("score_meeting_topics.csv", "score_doc_topics.csv", "score.json")})
    assert outputs[0] == outputs[1]
    saved = json.loads((work / "model" / "model.json").read_text("utf-8"))
    assert (saved["engine"], saved["scorable"]) == ("tomotopy_lda", True)
    table = pd.read_csv(work / "score_meeting_topics.csv", encoding="utf-8-sig",
                        keep_default_na=False)
    known = table.drop_duplicates("meeting").set_index("meeting")["share_known"]
    assert list(known.index) == ["followup_2021-03-02", "kitchen_2021-04-01"]
    for _, meeting in table.groupby("meeting"):
        assert meeting["share"].sum() == pytest.approx(1, abs=1e-4)
    summary = json.loads((work / "score.json").read_text("utf-8"))
    assert summary["meetings_unscored"] == ["garden_2021-05-10"]
