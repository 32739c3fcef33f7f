"""Topic shares by meeting attribute (committee, house, …): what each committee discussed.

A meeting's attributes are the columns of meetings.csv beyond `meeting, title, date,
modelled` (from the ingest.meetings CSV and ingest.columns.meeting_attributes). Shares are
token-weighted over every modelled document of the value's meetings, as the groups' are over
their speakers; the interval resamples meetings within the value, then each drawn meeting's
documents (a meeting's documents share a subject, as a speaker's do), with the two-level
bootstrap of groups.py. `distinguishing` marks the topics the value talks about more than
the other values together, with an interval of the difference above zero (▲ in the chart),
as the groups' are marked (a value of one meeting, `small_group`, and meetings without a
value never are).
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
           "n_docs", "n_tokens", "low_data", "small_group", "distinguishing"]
# A value of fewer meetings is never marked distinguishing: resampling its meetings always
# draws that one sitting, so its interval is one sitting's, read as a committee's.
MIN_MEETINGS = 2


def meeting_attribute_names(meetings: pd.DataFrame) -> list[str]:
    """The meeting attributes of meetings.csv, in its column order."""
    return [str(c) for c in meetings.columns if c not in MEETING_COLUMNS]


def meeting_attribute_topics(frame: pd.DataFrame, columns: list[str], meetings: pd.DataFrame,
                             cfg: SpeakersConfig, seed: int) -> pd.DataFrame:
    """meeting_attribute_topics.csv: per attribute, value and topic, the share with its
    interval, meetings, documents, tokens, the low-data and small-group flags and
    `distinguishing`. Meetings without a value get the row `（なし）` but are no value: they
    are left out of every comparison, as the groups' speakers without one are. `frame`:
    doc_topics with n_tokens, `meetings`: meetings.csv read as text."""
    parts = []
    ids = meetings["meeting"].astype(str)
    for name in meeting_attribute_names(meetings):
        value_of = dict(zip(ids, meetings[name].astype(str).str.strip(), strict=True))
        values = frame["meeting"].astype(str).map(value_of).fillna("").replace("", MISSING)
        missing = (values == MISSING).to_numpy()
        for rows, compared in ((~missing, True), (missing, False)):
            if rows.any():
                parts.append(_value_table(frame[rows].assign(value=values[rows]), columns,
                                          compared, cfg, seed).assign(attribute=name))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def _value_table(frame: pd.DataFrame, columns: list[str], compared: bool, cfg: SpeakersConfig,
                 seed: int) -> pd.DataFrame:
    """One attribute's values (`frame`'s `value` column; meetings as the clusters),
    `distinguishing` only where they are `compared` and of MIN_MEETINGS meetings or more."""
    topics = [topic_number(c) for c in columns]
    docs = SharedDocs(frame[columns].to_numpy(float), frame["n_tokens"].to_numpy(),
                      frame["meeting"].to_numpy(str), frame["value"].to_numpy(str),
                      frame["doc_id"].to_numpy(str))
    result = group_samples(docs, cfg.n_bootstrap, seed)
    table = group_table(result, topics, cfg.ci, cfg.min_tokens, "value")
    marked: set = set()
    if compared:
        apart = distinguishing_topics(group_differences(
            result, topics, cfg.ci, cfg.min_tokens, MIN_MEETINGS), n=len(topics))
        marked = set(zip(apart["group"], apart["topic"], strict=True))
    return table.rename(columns={"n_speakers": "n_meetings"}).assign(
        small_group=table["n_speakers"] < MIN_MEETINGS,
        distinguishing=[(v, t) in marked for v, t in zip(table["value"], table["topic"],
                                                           strict=True)])
