"""New documents on fixed topics: the score stage's core, from plain data.

Terms the model does not know are counted, not modelled (a new subject cannot get a topic
of its own without fitting again); the share of a new meeting's terms the model knows is the
first thing to check before reading its shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from pipeline.common.config import PipelineConfig, SpeakersConfig
from pipeline.common.io import topic_column, topic_number
from pipeline.model.artifact import SavedModel, transform
from pipeline.speakers.core import speaker_table
from pipeline.speakers.score_columns import DOC_COLUMNS, MEETING_COLUMNS, SPEAKER_COLUMNS
from pipeline.speakers.shares import aggregate_shares
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
    meeting_topics: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(MEETING_COLUMNS)))  # MEETING_COLUMNS but title and date


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
    labels = {t["topic"]: t["label"] for t in topics}
    if shares.empty:
        shares = pd.DataFrame(columns=list(SPEAKER_COLUMNS))
    else:
        shares["topic_label"] = shares["topic"].map(labels)
    all_terms = sum(len(t) for _, t in kept)
    per_meeting = pd.Series([len(t) for _, t in kept], dtype=int).groupby(
        documents["meeting"].iloc[modelled].to_numpy()).sum()
    meetings = meeting_table(weighted, shown, cfg, seed, per_meeting.to_dict())
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
    metrics["meetings_unscored"] = sorted(set(documents["meeting"].astype(str))
                                          - set(meetings["meeting"].astype(str)))
    return Scored(doc_topics=doc_topics, speaker_topics=shares, metrics=metrics,
                  meeting_topics=meetings.assign(topic_label=meetings["topic"].map(labels)))


def meeting_table(weighted: pd.DataFrame, columns: list[str], cfg: SpeakersConfig, seed: int,
                  n_terms: dict[str, int]) -> pd.DataFrame:
    """Each scored meeting's topic mix with intervals, as meeting_topics.csv has the fitted
    ones (one bootstrap level over its documents), and the share of its terms the model
    knows (`n_terms`: every term of the meeting's modelled documents, known or not): a
    meeting the model hardly knows has shares that say little."""
    table = aggregate_shares(weighted, columns, "meeting", cfg, seed)
    if table.empty:
        return pd.DataFrame(columns=[c for c in MEETING_COLUMNS if c not in ("title", "date")])
    table = table.assign(topic=table["topic"].map(topic_number), topic_label="")
    terms = table["meeting"].map(n_terms).astype(int)
    known = table["n_tokens"].astype(int) / terms.where(terms > 0, 1)
    return table.assign(n_terms=terms, share_known=known.round(6))


def with_meeting_names(table: pd.DataFrame, titles: dict[str, str],
                       dates: dict[str, str]) -> pd.DataFrame:
    """meeting_topics of scored meetings with their title (else the id) and date, columns
    in MEETING_COLUMNS order, by date (undated last), meeting and topic."""
    meetings = table["meeting"].astype(str)
    named = table.assign(title=[titles.get(m) or m for m in meetings],
                         date=[dates.get(m, "") for m in meetings])
    named = named.assign(_undated=named["date"] == "").sort_values(
        ["_undated", "date", "meeting", "topic"], kind="stable")
    return named[list(MEETING_COLUMNS)].reset_index(drop=True)
