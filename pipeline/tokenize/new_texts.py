"""Terms of new transcripts' documents, made as the tokenize stage makes them, for scoring
against a model fitted earlier (pipeline/stages/score.py).

The same settings and rules apply (parts of speech, stopwords, speaker names, boilerplate,
procedure), with one difference: a compound the model knows is kept whole however rare it
is in the new text, since the model can only read the terms of its own vocabulary (a single
new meeting rarely repeats 安全保障 three times, and 安全 + 保障 would be lost to it).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.common.config import TokensConfig
from pipeline.ingest.speaker_labels import ROLES
from pipeline.tokenize.boilerplate import find_boilerplate
from pipeline.tokenize.procedure import is_procedural_document, procedure_lexicon
from pipeline.tokenize.tokens import join_collocations, name_parts, text_for_terms
from pipeline.tokenize.units import TokenSettings, chunk_texts, corpus_terms, tokenize_chunks


def roster_stopwords(roster: list[dict]) -> frozenset[str]:
    """The corpus's own speaker names, labels and roles: never topic terms."""
    words = set(ROLES)
    for entry in roster:
        words.update(v for v in entry.values() if v)
    return frozenset(words)


def document_terms(documents: Sequence[dict], roster: list[dict], cfg: TokensConfig,
                   stopwords: frozenset[str], known: frozenset[str],
                   tagger=None) -> list[list[str] | None]:
    """Each document's terms, in order; None for a document of procedure (not modelled, as
    in the tokenize stage). `stopwords`: the shipped list and the user's; `known`: the
    model's vocabulary."""
    names = roster_stopwords(roster) | name_parts({e["speaker"] for e in roster})
    settings = TokenSettings.make(cfg.pos, stopwords, cfg.compounds, cfg.min_chars,
                                  cfg.keep_phrases)
    boilerplate = find_boilerplate(((d.get("meeting", ""), d["text"]) for d in documents),
                                   cfg.boilerplate_min_meetings, cfg.boilerplate_min_docs)
    texts = [text_for_terms(boilerplate.strip(d["text"])[0]) for d in documents]
    corpus = tokenize_chunks(chunk_texts(texts), settings, None, None, tagger, [])
    terms = list(corpus_terms(corpus, cfg.compound_min_count, settings.keep | known,
                              names - stopwords))
    if cfg.collocations:
        terms = join_collocations(terms, cfg.collocation_min_count, cfg.collocation_threshold)
    lexicon = procedure_lexicon() if cfg.drop_procedural_documents else frozenset()
    return [None if lexicon and is_procedural_document(t, lexicon) else t for t in terms]
