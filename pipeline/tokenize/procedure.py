"""Procedure in minutes: which topics are made of the words that run a meeting."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.resources import files

from pipeline.common.words import any_word

PROCEDURAL_SHARE = 0.5  # a topic (or a document) is procedure when half its terms are


@cache
def procedure_lexicon() -> frozenset[str]:
    """The shipped words of meeting procedure (resources/procedure_ja.txt)."""
    text = (files("pipeline.tokenize.resources").joinpath("procedure_ja.txt")
            .read_text(encoding="utf-8"))
    return frozenset(line.strip() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def is_procedural_term(term: str, lexicon: frozenset[str]) -> bool:
    """A term of procedure: it contains a lexicon word (継続調査要求書 contains 継続)."""
    # One search per term: tokens.jsonl marks every document, and a Python loop over the
    # lexicon per term was most of the cost of writing it.
    pattern = any_word(frozenset(lexicon))
    return pattern is not None and pattern.search(term) is not None


def procedural_topics(topics: Sequence[Sequence[str]],
                      lexicon: frozenset[str] | None = None) -> list[bool]:
    """For each topic's top terms: whether at least PROCEDURAL_SHARE of them are procedure."""
    lexicon = procedure_lexicon() if lexicon is None else lexicon
    return [bool(terms) and sum(is_procedural_term(t, lexicon) for t in terms)
            >= PROCEDURAL_SHARE * len(terms) for terms in topics]


class ProcedureTerms(dict):
    """term -> whether it is procedure, each term decided once: a corpus repeats its terms
    (one search per token made marking 10M characters' documents take 0.22 s, now 0.10)."""

    def __init__(self, lexicon: frozenset[str] | None = None) -> None:
        super().__init__()
        self.lexicon = procedure_lexicon() if lexicon is None else frozenset(lexicon)

    def __missing__(self, term: str) -> bool:
        flag = self[term] = is_procedural_term(term, self.lexicon)
        return flag


def is_procedural_document(terms: Sequence[str], lexicon: frozenset[str] | None = None,
                           known: ProcedureTerms | None = None) -> bool:
    """A document of procedure: at least two terms, and at least PROCEDURAL_SHARE of them
    procedure (a member's motion to elect the chair, a call to order left after the
    boilerplate was taken out). `known`: terms decided before (for many documents)."""
    if len(terms) < 2:
        return False
    known = ProcedureTerms(lexicon) if known is None else known
    return sum(map(known.__getitem__, terms)) >= PROCEDURAL_SHARE * len(terms)
