"""Tests for pipeline/compare: topics matched across two runs on planted topics (one split in
two, two merged, one new, one gone, one the same), the speakers whose main topic moved, and
the printout within 120 columns."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.compare.__main__ import main
from pipeline.compare.core import Run, changed_settings, compare_runs, quality_readings
from pipeline.compare.matching import Change, TopicGroup, match_topics, overlap_matrix
from pipeline.compare.text import WIDTH, render_markdown, render_text, width


def words(prefix: str, n: int, weight: float = 1.0) -> dict[str, float]:
    return {f"{prefix}{i}": weight for i in range(1, n + 1)}


# Run A: 1 is split in B (its two halves), 2 and 3 merge, 4 vanishes, 5 stays (two words
# change); B's 4 is new. B's numbers are deliberately not A's.
A = {1: words("防衛", 10), 2: words("物価", 5) | words("賃金", 5),
     3: words("年金", 5) | words("介護", 5), 4: words("漁業", 10), 5: words("教育", 10)}
B = {1: words("防衛", 5, 3.0) | words("装備", 5), 2: words("教育", 8) | words("大学", 2),
     3: {f"防衛{i}": 3.0 for i in range(6, 11)} | words("外交", 5), 4: words("宇宙", 10),
     5: words("物価", 5) | words("年金", 5)}


def test_planted_split_merge_new_gone_and_same():
    groups = {g.change: g for g in match_topics(A, B)}
    assert set(groups) == {Change.SPLIT, Change.MERGED, Change.NEW, Change.GONE, Change.SAME}
    assert (groups[Change.SPLIT].a, groups[Change.SPLIT].b) == ((1,), (1, 3))
    assert (groups[Change.MERGED].a, groups[Change.MERGED].b) == ((2, 3), (5,))
    assert (groups[Change.SAME].a, groups[Change.SAME].b) == ((5,), (2,))
    assert (groups[Change.GONE].a, groups[Change.GONE].b) == ((4,), ())
    assert (groups[Change.NEW].a, groups[Change.NEW].b) == ((), (4,))
    # Each half carries 3/4 of its weight on half of the old topic's words: overlap 0.5.
    assert [v for _, _, v in groups[Change.SPLIT].links] == [0.5, 0.5]
    assert [v for _, _, v in groups[Change.SAME].links] == [0.8]


def test_the_matching_is_symmetric_split_and_merge_swap():
    forward = {(g.a, g.b): g.change for g in match_topics(A, B)}
    backward = {(g.b, g.a): g.change for g in match_topics(B, A)}
    swap = {Change.SPLIT: Change.MERGED, Change.MERGED: Change.SPLIT,
            Change.NEW: Change.GONE, Change.GONE: Change.NEW}
    assert backward == {k: swap.get(v, v) for k, v in forward.items()}


def test_a_weak_overlap_is_no_match_and_pieces_both_ways_regroup():
    assert overlap_matrix([words("x", 4)], [words("x", 1) | words("y", 3)])[0, 0] == 0.25
    groups = match_topics({1: words("x", 4)}, {7: words("x", 1) | words("y", 3)}, match=0.3,
                          piece=0.3)
    assert [(g.change, g.a, g.b) for g in groups] == [(Change.GONE, (1,), ()),
                                                       (Change.NEW, (), (7,))]
    # A1 keeps most of itself in B1 and gives a piece to B2; A2 puts a piece into B1.
    both = match_topics({1: words("p", 6) | words("q", 2), 2: words("r", 2) | words("y", 6)},
                        {1: words("p", 6) | words("r", 2), 2: words("q", 2) | words("z", 6)})
    assert [(g.change, g.a, g.b) for g in both] == [(Change.REGROUPED, (1, 2), (1, 2))]


def terms_table(topics: dict[int, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"topic": k, "rank": r, "term": t, "weight": w}
                         for k, terms in topics.items()
                         for r, (t, w) in enumerate(terms.items(), start=1)])


def speakers_table(main: dict[str, int], topics: list[int]) -> pd.DataFrame:
    return pd.DataFrame([{"speaker": s, "topic": k, "share": 0.6 if k == top else 0.1,
                          "n_tokens": 100 * (i + 1)}
                         for i, (s, top) in enumerate(main.items()) for k in topics])


TOPICS = [1, 2, 3, 4, 5]


def runs() -> tuple[Run, Run]:
    long_name = "衆議院・予算委員会・第一分科会の非常に長い名前の参考人" * 2
    a = Run(name="k10", params={"model": {"n_topics": 10, "engine": "nmf"}, "seed": 42},
            metrics={"model": {"n_topics": 5, "coherence_npmi": 0.08, "warnings": ["x"]},
                     "ingest": {"n_turns": 100}},
            topic_terms=terms_table(A),
            speaker_topics=speakers_table({"甲": 1, "乙": 3, "丙": 5, long_name: 4}, TOPICS))
    b = Run(name="k20", params={"model": {"n_topics": 20, "engine": "nmf"}, "seed": 42},
            metrics={"model": {"n_topics": 5, "coherence_npmi": 0.1, "warnings": []},
                     "ingest": {"n_turns": 100}},
            topic_terms=terms_table(B),
            speaker_topics=speakers_table({"甲": 3, "乙": 5, "丙": 4, long_name: 1}, TOPICS))
    return a, b


def test_speakers_move_only_when_their_topic_is_not_what_theirs_became():
    comparison = compare_runs(*runs())
    # 甲: A1 -> B3, a half of A1 (not moved); 乙: A3 -> B5, its merge (not moved);
    # 丙: A5 -> the new B4 (moved); the long name: A4 (gone) -> B1 (moved). Most text first.
    assert [(m.speaker[:1], m.a_topic, m.b_topic) for m in comparison.moved] == [
        ("衆", 4, 1), ("丙", 5, 4)]
    assert comparison.n_speakers == 4


def test_settings_and_readings_that_differ():
    assert changed_settings({"model": {"n_topics": 10, "k_max": "auto"}, "seed": 1},
                            {"model": {"n_topics": 20, "k_max": "auto"}, "seed": 1,
                             "report": {"title": "x"}}) == [
        ("model.n_topics", 10, 20), ("report.title", None, "x")]
    a, b = runs()
    readings = quality_readings(a.metrics, b.metrics)
    # The model's readings always (in their order), other numbers only when they differ.
    assert readings == [("model.n_topics", 5.0, 5.0), ("model.coherence_npmi", 0.08, 0.1)]


def test_the_printout_fits_120_columns_and_names_every_change():
    text = render_text(compare_runs(*runs()))
    assert max(width(line) for line in text.splitlines()) <= WIDTH
    for word in ("分割", "統合", "新規", "消滅", "同じ", "model.n_topics", "丙",
                 "K（トピック数）: 5 → 5"):
        assert word in text
    assert width("特区a") == 5
    markdown = render_markdown(compare_runs(*runs()))
    assert "| 分割 | T1 防衛1・防衛2・防衛3 | T1 防衛1・防衛2・防衛3 | 0.50 |" in markdown


def write_run(folder, run: Run, config: bool) -> None:
    (folder / "outputs" / "tables").mkdir(parents=True)
    (folder / "outputs" / "metrics").mkdir()
    run.topic_terms.to_csv(folder / "outputs/tables/topic_terms.csv", index=False,
                           encoding="utf-8-sig")
    run.speaker_topics.to_csv(folder / "outputs/tables/speaker_topics.csv", index=False,
                              encoding="utf-8-sig")
    for stem, data in run.metrics.items():
        (folder / "outputs/metrics" / f"{stem}.json").write_text(json.dumps(data))
    if config:
        (folder / "configs").mkdir()
        (folder / "configs/pipeline.yaml").write_text(json.dumps(run.params))


def test_the_command_compares_two_folders(tmp_path, capsys):
    a, b = runs()
    write_run(tmp_path / "a", a, config=True)
    write_run(tmp_path / "b", b, config=True)
    markdown = tmp_path / "compare.md"
    # A project folder, or its outputs folder (whose settings are beside it).
    assert main([str(tmp_path / "a"), str(tmp_path / "b" / "outputs"),
                 "--markdown", str(markdown)]) == 0
    out = capsys.readouterr().out
    assert "model.n_topics" in out and "10" in out and "→ 20" in out
    assert "統合" in out and "## 実行の比較" in markdown.read_text(encoding="utf-8")


def test_a_missing_run_is_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main([str(tmp_path / "empty"), str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "topic_terms.csv" in err and err.count("\n") == 1


@pytest.mark.parametrize("groups", [[TopicGroup(Change.NEW, (), (3,), ())]])
def test_an_appeared_topic_prints_on_the_b_side(groups):
    a, b = runs()
    comparison = compare_runs(a, b)
    text = render_text(type(comparison)(**{**comparison.__dict__, "groups": groups}))
    line = next(x for x in text.splitlines() if x.strip().startswith("新規"))
    assert line.index("T3") > 40
