"""New documents on fixed topics: the score stage's core, from plain data.

Terms the model does not know are counted, not modelled (a new subject cannot get a topic
of its own without fitting again); the share of a new meeting's terms the model knows is the
first thing to check before reading its shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.common.config import PipelineConfig, SpeakersConfig
from pipeline.common.io import topic_column
from pipeline.model.artifact import SavedModel, transform
from pipeline.speakers.core import speaker_table
from pipeline.speakers.score_columns import DOC_COLUMNS, SPEAKER_COLUMNS
from pipeline.tokenize.new_texts import document_terms


@dataclass(frozen=True)
class FixedTopics:
    """The fitted model new documents are put on: its saved state, and its topics as named
    and merged in topics.json."""

    saved: SavedModel
    topics: list[dict]


@dataclass(frozen=True)
class Scored:
    """doc_topics and speaker_topics of the new documents, and counts for the log."""

    doc_topics: pd.DataFrame
    speaker_topics: pd.DataFrame
    metrics: dict


def count_matrix(terms: Sequence[Sequence[str]], vocabulary: Sequence[str]) -> sp.csr_matrix:
    """Documents × the model's terms; terms it does not know are left out."""
    column = {w: i for i, w in enumerate(vocabulary)}
    rows, cols = [], []
    for r, words in enumerate(terms):
        for w in words:
            if (c := column.get(w)) is not None:
                rows.append(r)
                cols.append(c)
    data = np.ones(len(rows))
    return sp.csr_matrix((data, (rows, cols)), shape=(len(terms), len(vocabulary)))


def merge_like(doc_topics: pd.DataFrame, topics: list[dict]) -> pd.DataFrame:
    """The model's topic columns summed as topics.json merged them (its `merged_from`)."""
    out = doc_topics.copy()
    for topic in topics:
        group = topic.get("merged_from") or []
        if len(group) > 1:
            members = [topic_column(t) for t in group]
            out[members[0]] = out[members].sum(axis=1)
            out = out.drop(columns=members[1:])
    return out


def score_transcripts(model: FixedTopics, documents: list[dict], roster: list[dict],
                      stopwords: frozenset[str], config: PipelineConfig) -> Scored:
    """New transcripts' documents (as ingest makes them) tokenized with the tokens settings
    and scored (score_documents); `stopwords`: the shipped list and the user's."""
    terms = document_terms(documents, roster, config.tokens, stopwords,
                           frozenset(model.saved.vocabulary))
    frame = pd.DataFrame(documents, columns=[*DOC_COLUMNS, "source_id"]).fillna("")
    return score_documents(model, frame, terms, config.speakers, config.seed)


def score_documents(model: FixedTopics, documents: pd.DataFrame,
                    terms: Sequence[Sequence[str] | None], cfg: SpeakersConfig,
                    seed: int) -> Scored:
    """Topic shares of each new document (rows sum to 1) and of each speaker, with
    intervals, on the saved model's topics, named and merged as in topics.json.

    `documents`: DOC_COLUMNS and source_id, one row per entry of `terms` (None: a document
    of procedure, not modelled)."""
    saved, topics = model.saved, model.topics
    kept = [(i, t) for i, t in enumerate(terms) if t is not None]
    modelled = [i for i, _ in kept]
    counts = count_matrix([t for _, t in kept], saved.vocabulary)
    n_tokens = np.asarray(counts.sum(axis=1)).ravel()
    known = n_tokens > 0  # a document with no term the model knows says nothing of topics
    rows = [modelled[i] for i in np.flatnonzero(known)]
    theta = transform(saved, counts[known]) if known.any() else np.zeros((0, saved.n_topics))
    columns = [topic_column(k + 1) for k in range(saved.n_topics)]
    meta = documents.iloc[rows].reset_index(drop=True)
    doc_topics = pd.concat([meta[list(DOC_COLUMNS)], pd.DataFrame(theta, columns=columns),
                            meta[["source_id"]]], axis=1)
    doc_topics = merge_like(doc_topics, topics)
    weighted = doc_topics.assign(n_tokens=n_tokens[known].astype(int))
    shown = [c for c in doc_topics.columns if c in set(columns)]
    # Pooled as in the speakers stage: a speaker with one scored document gets a wide,
    # honest interval, never share–share.
    shares = speaker_table(weighted, shown, [], cfg, seed) \
        if len(weighted) else pd.DataFrame()
    if shares.empty:
        shares = pd.DataFrame(columns=list(SPEAKER_COLUMNS))
    else:
        shares["topic_label"] = shares["topic"].map({t["topic"]: t["label"] for t in topics})
    all_terms = sum(len(t) for _, t in kept)
    metrics = {
        "n_documents": len(terms), "n_documents_scored": len(rows),
        "n_documents_procedural": len(terms) - len(modelled),
        "n_documents_without_known_terms": int((~known).sum()),
        "n_terms": all_terms, "n_terms_known": int(n_tokens.sum()),
        "share_of_terms_known": round(float(n_tokens.sum()) / all_terms, 6) if all_terms
        else 0.0,
        "n_speakers": int(doc_topics["speaker"].nunique()),
        "model_engine": saved.meta["engine"], "n_topics": len(topics),
    }
    return Scored(doc_topics=doc_topics, speaker_topics=shares, metrics=metrics)
