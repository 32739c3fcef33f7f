"""Passages that show a topic at work: only those the topic really dominates."""

from __future__ import annotations

import pandas as pd

from pipeline.common.io import topic_column

MIN_QUOTE_TOKENS = 5


def excerpt(text: str, limit: int = 180) -> str:
    """A passage cut to a readable length."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def best_documents(doc_topics: pd.DataFrame, topic: int, n: int,
                   min_share: float) -> pd.DataFrame:
    """The n documents with the largest share of a topic, of those with at least `min_share`.

    A document of one or two terms is 100% about something by construction; passages with
    at least `MIN_QUOTE_TOKENS` terms are preferred so a quote shows the topic at work. A
    passage under `min_share` is never called representative, however few there are.
    """
    column = topic_column(topic)
    pool = doc_topics[doc_topics[column] >= min_share]
    long = pool[pool["n_tokens"] >= MIN_QUOTE_TOKENS]
    pool = long if len(long) >= n else pool
    return pool.nlargest(n, column, keep="all").sort_values(
        [column, "doc_id"], ascending=[False, True]).head(n)


def quoted_doc_ids(doc_topics: pd.DataFrame, topics: list[dict], n: int,
                   min_share: float) -> set[str]:
    """The documents the report quotes (their text is kept even past the search cap)."""
    return {d for t in topics
            for d in best_documents(doc_topics, t["topic"], n, min_share)["doc_id"]}


def representative_quotes(doc_topics: pd.DataFrame, docs: dict[str, dict], topic: int,
                          n: int, min_share: float) -> list[dict]:
    """The documents most about a topic (at least `min_share` of it), with who said them
    and where."""
    column = topic_column(topic)
    best = best_documents(doc_topics, topic, n, min_share)
    return [{
        "speaker": row.speaker, "turn": int(row.turn), "meeting": row.meeting,
        "date": docs[row.doc_id].get("date") or "",
        "share": float(getattr(row, column)), "text": excerpt(docs[row.doc_id]["text"]),
        "start": docs[row.doc_id]["start"], "end": docs[row.doc_id]["end"],
    } for row in best.itertuples()]
