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
from pipeline.speakers.groups import MISSING, ValueGroups, compare_values, distinguishing_topics

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
        parts.append(_value_table(frame.assign(value=values), columns, cfg, seed)
                     .assign(attribute=name))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def _value_table(frame: pd.DataFrame, columns: list[str], cfg: SpeakersConfig,
                 seed: int) -> pd.DataFrame:
    """One attribute's values (`frame`'s `value` column; meetings as the clusters), with
    `distinguishing` from compare_values's differences (which leave out MISSING and
    values of fewer than MIN_MEETINGS meetings)."""
    table, differences = compare_values(frame, columns,
                                        ValueGroups("value", "meeting", MIN_MEETINGS), cfg, seed)
    apart = distinguishing_topics(differences, n=len(columns))
    marked = set(zip(apart["group"], apart["topic"], strict=True))
    return table.rename(columns={"n_speakers": "n_meetings"}).assign(
        distinguishing=[(v, t) in marked for v, t in zip(table["value"], table["topic"],
                                                           strict=True)])
