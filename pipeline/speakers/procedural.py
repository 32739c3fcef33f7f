"""Speakers who only run the meeting: their words are procedure, so no topic mix of theirs
reads as a subject (an acting chair moving 動議, a clerk reading notices)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set

from pipeline.tokenize.procedure import PROCEDURAL_SHARE, ProcedureTerms

LEARNED_MIN_COUNT = 5  # a term seen fewer times says nothing about where it is used
LEARNED_SHARE = 0.8  # ... and is procedure when this much of it is in documents of procedure


def learned_procedure(terms: Mapping[str, Sequence[str]],
                      procedural_docs: set[str]) -> frozenset[str]:
    """Terms of this corpus that live in its documents of procedure (those the tokenizer
    marked as mostly procedure words): 議事進行 or 日程 in minutes whose lexicon lacks them."""
    everywhere: Counter = Counter()
    inside: Counter = Counter()
    for doc_id, words in terms.items():
        everywhere.update(words)
        if doc_id in procedural_docs:
            inside.update(words)
    return frozenset(t for t, n in inside.items()
                     if everywhere[t] >= LEARNED_MIN_COUNT and n >= LEARNED_SHARE * everywhere[t])


def procedural_speakers(terms: Mapping[str, Sequence[str]], speaker_of: Mapping[str, str],
                        procedural_docs: Set[str] = frozenset()) -> list[str]:
    """Speakers at least PROCEDURAL_SHARE of whose terms (in all their documents, modelled
    or not) are procedure: the shipped lexicon's words or the corpus's learned ones."""
    known = ProcedureTerms()
    learned = learned_procedure(terms, set(procedural_docs))
    total: Counter = Counter()
    procedure: Counter = Counter()
    for doc_id, words in terms.items():
        speaker = speaker_of.get(doc_id)
        if not speaker:
            continue
        total[speaker] += len(words)
        procedure[speaker] += sum(1 for w in words if w in learned or known[w])
    return sorted(s for s, n in total.items() if n and procedure[s] >= PROCEDURAL_SHARE * n)
