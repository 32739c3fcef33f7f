"""Tests for pipeline/speakers/term_counts.py: the counts made as tokens.jsonl streams by
give the tables the per-document lists gave."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model.themes import Theme
from pipeline.speakers.coding import code_documents, coverage
from pipeline.speakers.distinctive import distinctive_counts, distinctive_terms
from pipeline.speakers.procedural import procedural_speakers
from pipeline.speakers.term_counts import (
    TermRecord,
    count_terms,
    coverage_of,
    procedural_speakers_of,
    term_tables,
)

WORDS = ["予算", "特区", "経済特区", "議事", "日程", "散会", "子ども", "教育", "動議", "採決"]
THEMES = [Theme("特区", ("特区",)), Theme("教育", ("教育", "子ども"))]


def _corpus(seed: int):
    rng = np.random.default_rng(seed)
    terms, speaker_of, procedural = {}, {}, set()
    for i in range(60):
        doc = f"d{i:02d}"
        speaker = "議長" if i % 6 == 0 else f"議員{i % 4}"
        pool = WORDS[3:6] + WORDS[8:] if speaker == "議長" else WORDS
        terms[doc] = [str(w) for w in rng.choice(pool, size=int(rng.integers(0, 9)))]
        speaker_of[doc] = speaker
        if speaker == "議長" and i % 12 == 0:
            procedural.add(doc)
    return terms, speaker_of, procedural


def test_streamed_counts_give_the_tables_of_the_lists():
    for seed in range(4):
        terms, speaker_of, procedural = _corpus(seed)
        counts = count_terms((TermRecord(d, w, d in procedural) for d, w in terms.items()),
                             speaker_of, THEMES)
        by_speaker: dict[str, list[str]] = {}
        for doc, words in terms.items():
            by_speaker.setdefault(speaker_of[doc], []).extend(words)
        assert procedural_speakers_of(counts) == procedural_speakers(terms, speaker_of,
                                                                     procedural)
        pd.testing.assert_frame_equal(distinctive_counts(counts.by_speaker),
                                      distinctive_terms(by_speaker))
        old = coverage(code_documents(list(terms), list(terms.values()), THEMES),
                       pd.Series(speaker_of).rename("speaker"))
        pd.testing.assert_frame_equal(coverage_of(counts), old)
    assert "議長" in procedural_speakers_of(counts)  # the case is there to be found


def test_without_themes_there_is_no_coverage_row():
    counts = count_terms([TermRecord("d1", ["予算"])], {"d1": "甲"})
    assert coverage_of(counts).empty and list(coverage_of(counts).columns)[:2] == ["speaker",
                                                                                   "theme"]


def test_term_tables_are_the_tables_of_the_counts():
    terms, speaker_of, procedural = _corpus(2)
    counts = count_terms((TermRecord(d, w, d in procedural) for d, w in terms.items()),
                         speaker_of, THEMES)
    made = term_tables(counts)
    pd.testing.assert_frame_equal(made.speaker_terms, distinctive_counts(counts.by_speaker))
    pd.testing.assert_frame_equal(made.speaker_themes, coverage_of(counts))
    assert made.procedural == procedural_speakers_of(counts) and "議長" in made.procedural
