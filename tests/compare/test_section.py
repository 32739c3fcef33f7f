"""Tests for the comparison as a report section: run.json (pipeline/compare/snapshot.py),
earlier runs read from folders (runs.py: load_earlier_run, earlier_runs), the section's data
(section.py) and its templates (report/templates/_compare.*.j2), on planted runs where one
topic splits, two merge, one is new, one is gone and one stays."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _report import EVIL, inputs

from pipeline.common.errors import PipelineError
from pipeline.compare.core import Run, compare_runs
from pipeline.compare.runs import earlier_runs, load_earlier_run
from pipeline.compare.section import (
    COMPARE_WITH,
    SINCE_LAST_RUN,
    comparison_section,
    comparison_sections,
)
from pipeline.compare.snapshot import run_from_snapshot, run_snapshot
from pipeline.report.render import build_context, render_html, render_markdown


def words(prefix: str, n: int, weight: float = 1.0) -> dict[str, float]:
    return {f"{prefix}{i}": weight for i in range(1, n + 1)}


# Earlier run: topic 1 splits in two (this run's 1 and 3), 2 and 3 merge (into 5), 4 is gone,
# 5 stays (as 2); this run's 4 is new.
EARLIER = {1: words("防衛", 10), 2: words("物価", 5) | words("賃金", 5),
           3: words("年金", 5) | words("介護", 5), 4: words("漁業", 10), 5: words("教育", 10)}
LATER = {1: words("防衛", 5, 3.0) | words("装備", 5), 2: words("教育", 8) | words("大学", 2),
         3: {f"防衛{i}": 3.0 for i in range(6, 11)} | words("外交", 5), 4: words("宇宙", 10),
         5: words("物価", 5) | words("年金", 5)}


def terms_table(topics: dict[int, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"topic": k, "rank": r, "term": t, "weight": w}
                         for k, terms in topics.items()
                         for r, (t, w) in enumerate(terms.items(), start=1)])


def speakers_table(main: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame([{"speaker": s, "topic": k, "share": 0.6 if k == top else 0.1,
                          "n_tokens": 100 * (i + 1), "ci_low": 0.0, "ci_high": 1.0}
                         for i, (s, top) in enumerate(main.items()) for k in range(1, 6)])


def snapshot(k: int, topics: dict, main: dict[str, int], **params) -> dict:
    return run_snapshot(
        {"model": {"n_topics": k}, "report": {"since_last_run": k > 5}, "seed": 42, **params},
        {"model": {"n_topics": k, "coherence_npmi": 0.05 * k}, "ingest": {"n_turns": 100}},
        terms_table(topics), speakers_table(main))


# 甲: 1 -> 3, a half of 1 (not moved); 乙: 3 -> 5, its merge (not moved); 丙: 5 -> 4, new
# (moved); EVIL: 4 (gone) -> 1 (moved).
BEFORE = snapshot(5, EARLIER, {"甲": 1, "乙": 3, "丙": 5, EVIL: 4},
                  ingest={"input": "/home/someone/minutes/a.txt"})
AFTER = snapshot(6, LATER, {"甲": 3, "乙": 5, "丙": 4, EVIL: 1})


def test_run_json_keeps_what_compare_needs_and_no_absolute_path():
    text = json.dumps(BEFORE, ensure_ascii=False)
    assert "/home/someone" not in text and "…/minutes/a.txt" in text
    assert [row[0] for row in BEFORE["speakers"]].count("甲") == 1  # main topic only
    direct = compare_runs(
        Run("a", BEFORE["params"], BEFORE["metrics"], terms_table(EARLIER),
            speakers_table({"甲": 1, "乙": 3, "丙": 5, EVIL: 4})),
        Run("b", AFTER["params"], AFTER["metrics"], terms_table(LATER),
            speakers_table({"甲": 3, "乙": 5, "丙": 4, EVIL: 1})))
    through = compare_runs(run_from_snapshot(json.loads(text), "a"),
                           run_from_snapshot(AFTER, "b"))
    assert (through.groups, through.moved, through.k) == (direct.groups, direct.moved,
                                                          direct.k)


def test_the_section_shows_split_merged_new_gone_topics_and_moved_speakers():
    section = comparison_section(run_from_snapshot(BEFORE, "前回"),
                                 run_from_snapshot(AFTER, "この実行"), SINCE_LAST_RUN)
    assert {c["name"]: c["n"] for c in section["counts"]} == {
        "同じ": 1, "分割": 1, "統合": 1, "新規": 1, "消滅": 1}
    assert section["groups"][-1]["name"] == "同じ"  # changes first
    split = next(g for g in section["groups"] if g["name"] == "分割")
    assert [(r["a"], r["b"]) for r in split["rows"]] == [
        ("T1 防衛1・防衛2・防衛3", "T1 防衛1・防衛2・防衛3"), ("", "T3 防衛6・防衛7・防衛8")]
    assert [m["speaker"] for m in section["moved"]] == [EVIL, "丙"]
    assert (section["n_moved"], section["n_speakers"], section["k"]) == (2, 4, ["5", "6"])
    # That one run compares and the other did not is no change of the run.
    assert [s["key"] for s in section["settings"]] == ["ingest.input", "model.n_topics"]
    assert section["readings"][0]["name"] == "トピック数 K"
    assert not section["unchanged"]
    same = comparison_section(run_from_snapshot(AFTER, "a"), run_from_snapshot(AFTER, "b"),
                              COMPARE_WITH)
    assert same["unchanged"] and same["moved"] == []


def test_the_report_shows_each_comparison_escaped_and_nothing_when_none_is_asked_for():
    sections = comparison_sections(AFTER, [(SINCE_LAST_RUN, "前回の実行", None),
                                           (COMPARE_WITH, "…/tmp/before",
                                            run_from_snapshot(BEFORE, "…/tmp/before"))])
    context = build_context(inputs(comparisons=sections))
    html, md = render_html(context), render_markdown(context)
    part = html.split('<h2 id="compare">')[1].split("<h2 ")[0]
    assert "前回の実行との比較" in part and "記録がまだありません" in part
    assert "…/tmp/before との比較" in part and "5 → 6" in part
    for word in ("分割", "統合", "新規", "消滅", "T4 宇宙1・宇宙2・宇宙3", "丙"):
        assert word in part, word
    assert "&lt;script&gt;" in part and "<script>alert" not in html
    assert 'href="#compare"' in html
    md_part = md.split("## 実行の比較")[1].split("\n## ")[0]
    assert "| 分割 | T1 防衛1・防衛2・防衛3 | T1 防衛1・防衛2・防衛3 | 0.50 |" in md_part
    assert "\\<script\\>" in md_part and "<script>" not in md_part
    plain = build_context(inputs())
    assert "実行の比較" not in render_html(plain) and "実行の比較" not in render_markdown(plain)


def test_an_earlier_run_is_read_from_a_copied_outputs_folder_or_named_in_one_line(tmp_path):
    with pytest.raises(PipelineError, match=r"^report.compare_with: …/x/nowhere: no such folder"):
        load_earlier_run(tmp_path / "nowhere", "report.compare_with", "…/x/nowhere")
    copied = tmp_path / "before"  # cp -r outputs /tmp/before: report/run.json inside
    (copied / "report").mkdir(parents=True)
    (copied / "report" / "run.json").write_text(json.dumps(BEFORE), encoding="utf-8")
    run = load_earlier_run(copied, "report.compare_with", "before")
    assert run.params["model"]["n_topics"] == 5 and len(run.topic_terms) == 50
    # The previous run's record, as the report stage finds it before replacing it.
    [(kind, name, previous)] = earlier_runs(None, True, copied / "report" / "run.json")
    assert (kind, previous is not None) == (SINCE_LAST_RUN, True)
    assert earlier_runs(None, True, tmp_path / "none.json")[0][2] is None
    assert earlier_runs(None, False, copied / "report" / "run.json") == []
    # Outputs of a run made before run.json existed: its tables and metrics.
    old = tmp_path / "old"
    (old / "tables").mkdir(parents=True)
    (old / "metrics").mkdir()
    terms_table(EARLIER).to_csv(old / "tables" / "topic_terms.csv", index=False)
    speakers_table({"甲": 1}).to_csv(old / "tables" / "speaker_topics.csv", index=False)
    (old / "metrics" / "model.json").write_text('{"n_topics": 5}', encoding="utf-8")
    [(_, name, run)] = earlier_runs(str(old), False, Path("unused"))
    assert run is not None and run.name == name and str(tmp_path) not in name
    assert run.metrics["model"]["n_topics"] == 5


def test_the_command_reads_the_settings_of_a_copied_outputs_folder_from_run_json(tmp_path):
    from pipeline.compare.runs import load_run

    copied = tmp_path / "before"  # cp -r outputs /tmp/before: no configs/pipeline.yaml beside
    (copied / "tables").mkdir(parents=True)
    (copied / "report").mkdir()
    terms_table(EARLIER).to_csv(copied / "tables" / "topic_terms.csv", index=False)
    speakers_table({"甲": 1}).to_csv(copied / "tables" / "speaker_topics.csv", index=False)
    assert load_run(str(copied), tmp_path).params == {}
    (copied / "report" / "run.json").write_text(json.dumps(BEFORE), encoding="utf-8")
    assert load_run(str(copied), tmp_path).params["model"] == {"n_topics": 5}
