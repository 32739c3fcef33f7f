"""Word pairs the corpus uses together, joined into one term (tokens.collocations)."""

from __future__ import annotations


def join_collocations(docs: list[list[str]], min_count: int, threshold: float) -> list[list[str]]:
    """Join adjacent term pairs the corpus uses together more than chance (gensim Phrases).

    Japanese terms join without a delimiter, as a reader writes them (データ + 流通 → データ流通).
    """
    from gensim.models.phrases import Phrases

    # gensim needs a non-empty delimiter: use a control character no term contains, then drop it.
    glue = "\x1f"
    phrases = Phrases(docs, min_count=min_count, threshold=threshold, scoring="npmi",
                      delimiter=glue).freeze()
    return [[term.replace(glue, "") for term in phrases[doc]] for doc in docs]
