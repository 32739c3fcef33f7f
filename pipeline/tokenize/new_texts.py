"""Terms of new transcripts' documents, made as the tokenize stage makes them, for scoring
against a model fitted earlier (pipeline/stages/score.py).

The same entry point, settings and rules apply (parts of speech, stopwords, speaker names,
boilerplate, procedure), with one difference: a compound the model knows is kept whole however
rare it is in the new text, since the model can only read the terms of its own vocabulary (a
single new meeting rarely repeats 安全保障 three times, and 安全 + 保障 would be lost to it).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.common.config import TokensConfig
from pipeline.tokenize.core import ExtraWords, tokenize_corpus


def document_terms(documents: Sequence[dict], roster: list[dict], cfg: TokensConfig,
                   stopwords: frozenset[str], known: frozenset[str]) -> list[list[str] | None]:
    """Each document's terms, in order; None for a document of procedure (not modelled, as
    in the tokenize stage). `stopwords`: the user's (the shipped list always applies);
    `known`: the model's vocabulary."""
    result = tokenize_corpus(lambda: documents, roster, cfg, ExtraWords(stopwords, known))
    return [None if r.get("procedural") else r["terms"] for r in result.records()]
