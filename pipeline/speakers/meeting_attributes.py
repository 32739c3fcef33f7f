"""Topic shares by meeting attribute (committee, house, …): what each committee discussed.

A meeting's attributes are the columns of meetings.csv beyond `meeting, title, date,
modelled` (from the ingest.meetings CSV and ingest.columns.meeting_attributes). Shares are
token-weighted over every modelled document of the value's meetings, as the groups' are over
their speakers; the interval resamples meetings within the value, then each drawn meeting's
documents (a meeting's documents share a subject, as a speaker's do), with the two-level
bootstrap of groups.py. `distinguishing` marks the topics the value talks about more than
the other values together, with an interval of the difference above zero (▲ in the chart).
"""

from __future__ import annotations

import pandas as pd

from pipeline.common.config import SpeakersConfig
from pipeline.common.io import topic_number
from pipeline.speakers.groups import (
    MISSING,
    SharedDocs,
    distinguishing_topics,
    group_differences,
    group_samples,
    group_table,
)

MEETING_COLUMNS = ("meeting", "title", "date", "modelled")  # meetings.csv's own columns
COLUMNS = ["attribute", "value", "topic", "share", "ci_low", "ci_high", "n_meetings",
           "n_docs", "n_tokens", "low_data", "distinguishing"]


def meeting_attribute_names(meetings: pd.DataFrame) -> list[str]:
    """The meeting attributes of meetings.csv, in its column order."""
    return [str(c) for c in meetings.columns if c not in MEETING_COLUMNS]


def meeting_attribute_topics(frame: pd.DataFrame, columns: list[str], meetings: pd.DataFrame,
                             cfg: SpeakersConfig, seed: int) -> pd.DataFrame:
    """meeting_attribute_topics.csv: per attribute, value and topic, the share with its
    interval, meetings, documents, tokens, the low-data flag and `distinguishing`; a
    meeting without a value is in the value `（なし）`. `frame`: doc_topics with n_tokens,
    `meetings`: meetings.csv read as text."""
    topics = [topic_number(c) for c in columns]
    parts = []
    ids = meetings["meeting"].astype(str)
    for name in meeting_attribute_names(meetings):
        value_of = dict(zip(ids, meetings[name].astype(str).str.strip(), strict=True))
        values = frame["meeting"].astype(str).map(value_of).fillna("").replace("", MISSING)
        docs = SharedDocs(frame[columns].to_numpy(float), frame["n_tokens"].to_numpy(),
                          frame["meeting"].to_numpy(str), values.to_numpy(str),
                          frame["doc_id"].to_numpy(str))
        result = group_samples(docs, cfg.n_bootstrap, seed)
        table = group_table(result, topics, cfg.ci, cfg.min_tokens, "value")
        apart = distinguishing_topics(
            group_differences(result, topics, cfg.ci, cfg.min_tokens), n=len(topics))
        marked = set(zip(apart["group"], apart["topic"], strict=True))
        parts.append(table.rename(columns={"n_speakers": "n_meetings"}).assign(
            attribute=name,
            distinguishing=[(v, t) in marked for v, t in zip(table["value"], table["topic"],
                                                               strict=True)]))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]
