"""Dictionary coding (KH Coder style): which documents mention each theme's seed words."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipeline.model.themes import Theme


def theme_hits(terms: Sequence[str], theme: Theme) -> int:
    """How many of a document's terms match the theme (equal to or containing a seed word)."""
    return sum(1 for term in terms if any(seed in term for seed in theme.seeds))


def code_documents(doc_ids: Sequence[str], doc_terms: Sequence[Sequence[str]],
                   themes: Sequence[Theme]) -> pd.DataFrame:
    """One row per document, one column of hit counts per theme."""
    # Decide each distinct term once: a corpus repeats its terms millions of times.
    matches: dict[str, tuple[int, ...]] = {}
    rows = []
    for terms in doc_terms:
        row = [0] * len(themes)
        for term in terms:
            hit = matches.get(term)
            if hit is None:
                hit = matches[term] = tuple(theme_hits((term,), theme) for theme in themes)
            if any(hit):
                row = [a + b for a, b in zip(row, hit, strict=True)]
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(doc_ids, name="doc_id"),
                        columns=[t.name for t in themes], dtype="int64")


def coverage(hits: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Per group and theme: documents, documents that mention the theme, their share, hits."""
    rows = []
    aligned = groups.reindex(hits.index)
    for group, part in hits.groupby(aligned.to_numpy(), sort=True):
        for theme in hits.columns:
            mentioned = int((part[theme] > 0).sum())
            rows.append({groups.name: group, "theme": theme, "n_docs": len(part),
                         "n_docs_mentioning": mentioned,
                         "share_docs": mentioned / len(part) if len(part) else 0.0,
                         "n_hits": int(part[theme].sum())})
    return pd.DataFrame(rows, columns=[groups.name, "theme", "n_docs", "n_docs_mentioning",
                                       "share_docs", "n_hits"])
