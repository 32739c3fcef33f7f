"""The report's search past report.search_max_turns: a fixed sample, stated on the page."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from _report import inputs
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.report.inputs import read_report_documents, read_search_turns
from pipeline.report.render import build_context, render_html
from pipeline.report.search_sample import SearchSample, sample_turns


@settings(max_examples=50, deadline=None)
@given(n_turns=st.integers(0, 300), max_turns=st.integers(1, 120), seed=st.integers(0, 99))
def test_at_most_max_turns_are_kept_the_same_ones_every_time(n_turns, max_turns, seed):
    sample = sample_turns(n_turns, max_turns, seed)
    assert sample.n_searched == min(n_turns, max_turns)
    assert sample.sampled == (n_turns > max_turns)
    assert sample == sample_turns(n_turns, max_turns, seed)
    assert sum(sample.has(i) for i in range(n_turns)) == sample.n_searched


def test_the_sample_spreads_over_the_corpus_not_its_first_turns():
    sample = sample_turns(10_000, 1_000, 42)
    assert sample.chosen is not None
    assert max(sample.chosen) > 9_000 and min(sample.chosen) < 1_000


def _turns_csv(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["meeting", "turn", "speaker", "role", "date", "group", "modelled", "text"])
        for i in range(n):
            out.writerow(["m", i + 1, f"話者{i % 3}", "", "2024-01-01", "", "True", f"発言{i}"])
    return path


def test_only_the_sampled_turns_and_their_documents_are_read(tmp_path):
    turns_csv = _turns_csv(tmp_path / "turns.csv", 50)
    documents = tmp_path / "documents.jsonl"
    documents.write_text("".join(json.dumps(
        {"doc_id": f"m#{i + 1}.1", "meeting": "m", "turn": i + 1, "speaker": "x",
         "text": f"発言{i}"}, ensure_ascii=False) + "\n" for i in range(50)), encoding="utf-8")
    sample = sample_turns(50, 10, 42)
    turns, kept = read_search_turns(turns_csv, 10**6, sample)
    assert [t["turn"] - 1 for t in turns] == sorted(sample.chosen or ())
    docs, meetings = read_report_documents(documents, {"m#1.1"}, kept,
                                           {("m", t["turn"]) for t in turns})
    quoted_outside = 0 not in (sample.chosen or ())
    assert len(docs) == 10 + quoted_outside and meetings == {"m"}
    assert [d for d in docs if d.get("searched") is False] == (
        [d for d in docs if d["doc_id"] == "m#1.1"] if quoted_outside else [])
    everything, _ = read_search_turns(turns_csv, 10**6)
    assert len(everything) == 50


def test_the_page_says_how_many_turns_of_how_many_are_searched():
    capped = build_context(inputs(search=SearchSample(1_000_000, frozenset(range(2)))))
    html = render_html(capped)
    assert "検索できるのは 1000000 件の発言のうち 2 件です" in html
    assert capped["search"]["sampled"] and capped["search"]["n_turns_searched"] == 2
    whole = render_html(build_context(inputs(search=SearchSample(2))))
    assert "検索できるのは" not in whole and "すべての発言" in whole
