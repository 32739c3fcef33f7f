"""What the page embeds is capped, and the page says so in Japanese: the search's meeting
filter lists the meetings with most lines past render.MAX_MEETING_OPTIONS (every meeting is
still searched; all of them are in outputs/tables/meetings.csv)."""

from __future__ import annotations

import re

import pandas as pd
from _report import EVIL, inputs

from pipeline.report import render
from pipeline.report.render import build_context, render_html, search_options


def _corpus(lines_per_meeting: list[int]) -> dict:
    """A search corpus whose meeting i has lines_per_meeting[i] lines, dated i days on."""
    docs, dates = [], []
    for meeting, n in enumerate(lines_per_meeting):
        dates.append(f"2024-01-{meeting + 1:02d}")
        docs += [[meeting, 0, turn, meeting, 1, "本文", 0, 0] for turn in range(n)]
    n_meetings = len(lines_per_meeting)
    return {"docs": docs, "dates": dates, "titles": [f"会議{i}" for i in range(n_meetings)],
            "meeting_modelled": [True] * n_meetings, "speakers": ["甲"], "groups": [""]}


def test_the_meeting_filter_lists_the_meetings_with_most_lines(monkeypatch):
    monkeypatch.setattr(render, "MAX_MEETING_OPTIONS", 3)
    options = search_options(_corpus([2, 5, 1, 5, 3]))
    assert [m["index"] for m in options["meetings"]] == [1, 3, 4]  # by date, as ever
    assert options["n_meetings_hidden"] == 2 and options["max_meetings"] == 3
    every = search_options(_corpus([2, 5, 1]))
    assert [m["index"] for m in every["meetings"]] == [0, 1, 2]
    assert every["n_meetings_hidden"] == 0


def _three_meetings():
    doc_topics = pd.DataFrame({"doc_id": ["a#1.1", "b#1.1", "c#1.1"], "meeting": list("abc"),
                               "speaker": [EVIL, "岸", "岸"], "turn": [1, 1, 1],
                               "topic_1": [0.9, 0.2, 0.5], "topic_2": [0.1, 0.8, 0.5],
                               "n_tokens": [9, 9, 9]})
    documents = [{"doc_id": f"{m}#1.1", "meeting": m, "speaker": "岸", "turn": 1, "start": 0,
                  "end": 4, "text": "材料の話"} for m in "abc"]
    return inputs(doc_topics=doc_topics, documents=documents, dtm=None)


def test_the_page_says_which_meetings_its_filter_leaves_out(monkeypatch):
    monkeypatch.setattr(render, "MAX_MEETING_OPTIONS", 2)
    html = render_html(build_context(_three_meetings()))
    assert len(re.findall(r'<select id="search-meeting".*?</select>', html, re.S)[0]
               .split("<option")) - 2 == 2  # "すべての会議" and two meetings
    assert ("会議の絞り込みには、検索の行が多い 2 会議だけを並べます（ほか 1 会議も語の検索には"
            "入ります。すべての会議は outputs/tables/meetings.csv）。") in html
    monkeypatch.setattr(render, "MAX_MEETING_OPTIONS", 3)
    assert "会議の絞り込みには" not in render_html(build_context(_three_meetings()))
