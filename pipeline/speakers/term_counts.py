"""The documents' terms as the speakers stage needs them, counted as tokens.jsonl streams by:
each speaker's term counts, the corpus's, those in documents of procedure, and each speaker's
theme coverage. Nothing is kept per document, so the stage's memory for terms follows the
speakers and the vocabulary, not the corpus (a list of terms per document was 1 GB and more
at 100M characters: the terms, their copy by speaker and the theme codes of every token).

The tables made from these counts are those the per-document lists gave, figure for figure
(tests/speakers/test_term_counts.py): every count is a whole number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from pipeline.model.themes import Theme
from pipeline.speakers.coding import theme_hits
from pipeline.speakers.distinctive import distinctive_counts
from pipeline.speakers.procedural import LEARNED_MIN_COUNT, LEARNED_SHARE
from pipeline.tokenize.procedure import PROCEDURAL_SHARE, ProcedureTerms


@dataclass(frozen=True)
class TermRecord:
    """One document of tokens.jsonl: its id, terms and whether tokenize marked it procedure."""

    doc_id: str
    terms: Sequence[str]
    procedural: bool = False


@dataclass
class TermCounts:
    """Counts over every document of tokens.jsonl (count_terms fills them)."""

    by_speaker: dict[str, Counter] = field(default_factory=dict)  # speaker -> term counts
    everywhere: Counter = field(default_factory=Counter)  # term -> count, whole corpus
    inside: Counter = field(default_factory=Counter)  # ... in documents of procedure
    themes: tuple[str, ...] = ()  # theme names, in order
    n_docs: Counter = field(default_factory=Counter)  # speaker -> documents
    mentioning: dict[str, list[int]] = field(default_factory=dict)  # speaker -> per theme
    hits: dict[str, list[int]] = field(default_factory=dict)  # speaker -> per theme


def count_terms(records: Iterable[TermRecord], speaker_of: Mapping[str, str],
                themes: Sequence[Theme] = ()) -> TermCounts:
    """The counts of a stream of documents (each document's speaker from `speaker_of`)."""
    counts = TermCounts(themes=tuple(t.name for t in themes))
    matches: dict[str, tuple[int, ...]] = {}  # each distinct term's matches, decided once
    for record in records:
        counts.everywhere.update(record.terms)
        if record.procedural:
            counts.inside.update(record.terms)
        speaker = speaker_of[record.doc_id]
        counts.by_speaker.setdefault(speaker, Counter()).update(record.terms)
        counts.n_docs[speaker] += 1
        if themes:
            _add_coverage(counts, speaker, record.terms, themes, matches)
    return counts


def _add_coverage(counts: TermCounts, speaker: str, terms: Sequence[str],
                  themes: Sequence[Theme], matches: dict[str, tuple[int, ...]]) -> None:
    hits = [0] * len(themes)
    for term in terms:
        found = matches.get(term)
        if found is None:  # () for the many terms of no theme: skipped below
            found = tuple(int(theme_hits((term,), t) > 0) for t in themes)
            matches[term] = found if any(found) else ()
        if found:
            hits = [h + f for h, f in zip(hits, found, strict=True)]
    mentioning = counts.mentioning.setdefault(speaker, [0] * len(themes))
    total = counts.hits.setdefault(speaker, [0] * len(themes))
    for i, h in enumerate(hits):
        mentioning[i] += h > 0
        total[i] += h


def learned_terms(counts: TermCounts) -> frozenset[str]:
    """procedural.learned_procedure, from the counts."""
    return frozenset(t for t, n in counts.inside.items()
                     if counts.everywhere[t] >= LEARNED_MIN_COUNT
                     and n >= LEARNED_SHARE * counts.everywhere[t])


def procedural_speakers_of(counts: TermCounts) -> list[str]:
    """procedural.procedural_speakers, from the counts."""
    known, learned = ProcedureTerms(), learned_terms(counts)
    out = []
    for speaker, terms in counts.by_speaker.items():
        total = sum(terms.values())
        procedure = sum(n for t, n in terms.items() if t in learned or known[t])
        if speaker and total and procedure >= PROCEDURAL_SHARE * total:
            out.append(speaker)
    return sorted(out)


def coverage_of(counts: TermCounts, column: str = "speaker") -> pd.DataFrame:
    """coding.coverage of coding.code_documents, from the counts."""
    rows = [{column: speaker, "theme": theme, "n_docs": n,
             "n_docs_mentioning": counts.mentioning[speaker][i],
             "share_docs": counts.mentioning[speaker][i] / n if n else 0.0,
             "n_hits": counts.hits[speaker][i]}
            for speaker, n in sorted(counts.n_docs.items())
            for i, theme in enumerate(counts.themes)]
    return pd.DataFrame(rows, columns=[column, "theme", "n_docs", "n_docs_mentioning",
                                       "share_docs", "n_hits"])


@dataclass(frozen=True)
class TermTables:
    """What the speakers' tables take from the counts: speaker_terms.csv, speaker_themes.csv
    and the speakers whose words are procedure."""

    speaker_terms: pd.DataFrame
    speaker_themes: pd.DataFrame
    procedural: list[str]


def term_tables(counts: TermCounts) -> TermTables:
    """The tables of the counts, made as soon as they are counted: the counts (a Counter of
    every speaker's distinct terms, 150 MB at 300M characters) need not be held while the
    documents are read and resampled."""
    return TermTables(distinctive_counts(counts.by_speaker), coverage_of(counts),
                      procedural_speakers_of(counts))
