"""The report's scored-meetings section: each meeting the score stage put on the fitted
topics (outputs/score/meeting_topics.csv), its topic mix, how much of its text the model
knows, and the fitted meetings whose mix is nearest.

Nearness is the Hellinger distance of two topic mixes, √(½ Σ_k (√p_k − √q_k)²): 0 for the
same mix, 1 for mixes with no topic in common. Unlike the Euclidean distance it does not let
one large topic drown the small ones, and unlike KL divergence it is symmetric and finite
when a topic is 0 in one of the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from pipeline.model.topic_tree import hellinger_points
from pipeline.report.palette import topic_colors

KNOWN_MIN = 0.5  # a meeting with fewer of its terms known to the model is marked
N_NEAREST = 3
N_TOP = 3
# A fitted meeting of fewer documents (a sitting that only opened and closed) has a mix of
# chance, near any spread-out mix: it is no meeting to be "like".
MIN_FITTED_DOCS = 5
MAX_SCORED = 50  # meetings shown; outputs/score/meeting_topics.csv has every one
SCORE_COMMAND = "dvc exp run -S 'configs/pipeline.yaml:score.input=data/new_minutes'"


@dataclass(frozen=True)
class ScoredInputs:
    """The score stage's outputs the report shows, and the fitted meetings' mixes."""

    meetings: pd.DataFrame  # outputs/score/meeting_topics.csv
    summary: dict  # outputs/score/score.json
    fitted: pd.DataFrame = field(default_factory=pd.DataFrame)  # tables/meeting_topics.csv


def hellinger(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hellinger distance of each row of p to each row of q (rows: topic mixes): the
    Euclidean distances of the topic tree's Hellinger points, by scipy's cdist (no rows ×
    rows × topics array, for tens of thousands of fitted meetings)."""
    return np.clip(cdist(hellinger_points(p), hellinger_points(q)), 0.0, 1.0)


def mixes(table: pd.DataFrame, topics: list[int]) -> pd.DataFrame:
    """A long meeting_topics table as meeting × topic shares (topics in the given order)."""
    wide = table.pivot_table(index="meeting", columns="topic", values="share", aggfunc="sum")
    return wide.reindex(columns=topics, fill_value=0.0).fillna(0.0)


def bar(shares: pd.Series, labels: dict[int, str], colors: dict[int, str]) -> list[dict]:
    """One mix as the segments of a bar, in topic order (zero shares left out)."""
    return [{"topic": int(t), "label": labels.get(int(t), ""), "share": float(s),
             "color": colors[int(t)]} for t, s in shares.items() if s > 0]


def meeting_info(table: pd.DataFrame) -> dict[str, dict]:
    """meeting -> its title, date and counts (the first row of each meeting)."""
    first = table.drop_duplicates("meeting").set_index("meeting")
    columns = [c for c in ("title", "date", "n_docs", "n_tokens", "n_terms", "share_known")
               if c in first.columns]
    return {str(m): row for m, row in first[columns].to_dict("index").items()}


def candidates(fitted: pd.DataFrame) -> pd.DataFrame:
    """The fitted meetings a scored one may be near: those of MIN_FITTED_DOCS documents or
    more and not flagged low_data."""
    low = fitted["low_data"].astype(str).str.lower() == "true" if "low_data" in fitted \
        else pd.Series(False, index=fitted.index)
    return fitted[(fitted["n_docs"].astype(int) >= MIN_FITTED_DOCS) & ~low]


def scored_section(scored: ScoredInputs | None, topics: list[dict]) -> dict:
    """The `scored` context of the report (plain data); no meetings when nothing was scored
    (the section then says how to score)."""
    empty = {"meetings": [], "unscored": [], "command": SCORE_COMMAND, "n_meetings": 0}
    if scored is None or scored.meetings.empty:
        unscored = (scored.summary.get("meetings_unscored", []) if scored else [])
        return {**empty, "unscored": unscored, "input": (scored.summary.get("input")
                                                         if scored else None)}
    order = [t["topic"] for t in topics]
    labels = {t["topic"]: t.get("label", "") for t in topics}
    colors = topic_colors(topics)
    old = mixes(candidates(scored.fitted), order) if not scored.fitted.empty else \
        pd.DataFrame(columns=order, dtype=float)
    info, fitted_info = meeting_info(scored.meetings), meeting_info(scored.fitted) \
        if not scored.fitted.empty else {}
    shown = list(dict.fromkeys(scored.meetings["meeting"].astype(str)))[:MAX_SCORED]
    new = mixes(scored.meetings, order).loc[shown]
    distance = hellinger(new.to_numpy(), old.to_numpy())
    rows = []
    for i, meeting in enumerate(shown):
        near = sorted(zip(distance[i], old.index.astype(str), strict=True))[:N_NEAREST]
        mix = new.iloc[i]
        rows.append({
            "meeting": meeting, **_named(info[meeting], meeting),
            "n_docs": int(info[meeting]["n_docs"]), "n_terms": int(info[meeting]["n_terms"]),
            "share_known": float(info[meeting]["share_known"]),
            "little_known": float(info[meeting]["share_known"]) < KNOWN_MIN,
            "bar": bar(mix, labels, colors),
            "top": _top(scored.meetings, meeting, labels),
            "nearest": [{"meeting": m, **_named(fitted_info.get(m, {}), m),
                         "distance": float(d), "bar": bar(old.loc[m], labels, colors)}
                        for d, m in near],
        })
    return {**empty, "meetings": rows, "n_meetings": scored.meetings["meeting"].nunique(),
            "unscored": scored.summary.get("meetings_unscored", []),
            "input": scored.summary.get("input"),
            "share_known": scored.summary.get("share_of_terms_known"),
            "n_fitted": len(old), "min_fitted_docs": MIN_FITTED_DOCS, "known_min": KNOWN_MIN,
            "legend": [{"topic": t, "label": labels[t], "color": colors[t]} for t in order]}


def _named(info: dict, meeting: str) -> dict:
    return {"title": str(info.get("title") or meeting), "date": str(info.get("date") or "")}


def _top(table: pd.DataFrame, meeting: str, labels: dict[int, str]) -> list[dict]:
    """The meeting's largest topics, with their intervals."""
    part = table[table["meeting"].astype(str) == meeting].sort_values(
        ["share", "topic"], ascending=[False, True]).head(N_TOP)
    return [{"topic": int(r.topic), "label": labels.get(int(r.topic), ""),
             "share": float(r.share), "ci_low": float(r.ci_low), "ci_high": float(r.ci_high)}
            for r in part.itertuples()]
