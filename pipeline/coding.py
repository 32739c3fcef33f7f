"""Dictionary coding (KH Coder style): which documents mention each theme's seed words."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from pipeline.themes import Theme


def theme_hits(terms: Sequence[str], theme: Theme) -> int:
    """How many of a document's terms match the theme (equal to or containing a seed word)."""
    return sum(1 for term in terms if any(seed in term for seed in theme.seeds))


def code_documents(doc_ids: Sequence[str], doc_terms: Sequence[Sequence[str]],
                   themes: Sequence[Theme]) -> pd.DataFrame:
    """One row per document, one column of hit counts per theme."""
    return pd.DataFrame(
        [[theme_hits(terms, theme) for theme in themes] for terms in doc_terms],
        index=pd.Index(doc_ids, name="doc_id"), columns=[t.name for t in themes],
    )


def coverage(hits: pd.DataFrame, groups: pd.Series) -> pd.DataFrame:
    """Per group and theme: documents, documents that mention the theme, their share, hits."""
    rows = []
    for group in sorted(groups.unique()):
        part = hits[groups.reindex(hits.index).to_numpy() == group]
        for theme in hits.columns:
            mentioned = int((part[theme] > 0).sum())
            rows.append({groups.name: group, "theme": theme, "n_docs": len(part),
                         "n_docs_mentioning": mentioned,
                         "share_docs": mentioned / len(part) if len(part) else 0.0,
                         "n_hits": int(part[theme].sum())})
    return pd.DataFrame(rows, columns=[groups.name, "theme", "n_docs", "n_docs_mentioning",
                                       "share_docs", "n_hits"])
