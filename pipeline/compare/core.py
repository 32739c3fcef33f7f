"""Two runs side by side: the settings that differ, K, the quality readings, the topics
matched across the runs and the speakers whose top topic moved. Plain data in, plain data
out; reading runs is `runs.py`, printing is `text.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.compare.matching import TopicGroup, counterpart, match_topics

# The quality readings always shown, in this order (the rest of the metrics only if they
# differ): those the report reads out for the model.
MODEL_READINGS = ("n_topics", "coherence_npmi", "coherence_c_v", "diversity", "stability",
                  "largest_topic_share", "smallest_topic_share", "n_dead_topics",
                  "n_procedural_topics")


@dataclass(frozen=True)
class Run:
    """What compare reads of one run: its settings, metrics and two tables."""

    name: str
    params: dict[str, Any]  # the config, nested as in configs/pipeline.yaml (may be empty)
    metrics: dict[str, dict[str, Any]]  # file stem (model, ingest, …) -> its JSON
    topic_terms: pd.DataFrame  # topic, rank, term, weight
    speaker_topics: pd.DataFrame  # speaker, topic, share, n_tokens, …


@dataclass(frozen=True)
class Moved:
    """A speaker whose main topic in B is not one their main topic in A became."""

    speaker: str
    n_tokens: int
    a_topic: int
    a_share: float
    b_topic: int
    b_share: float


@dataclass(frozen=True)
class Comparison:
    """Everything compare shows, for any renderer."""

    a: str
    b: str
    settings: list[tuple[str, Any, Any]]  # (dotted key, A's value, B's value)
    k: tuple[int | None, int | None]
    readings: list[tuple[str, float | None, float | None]]  # (file.key, A, B)
    groups: list[TopicGroup]
    labels_a: dict[int, list[str]]  # topic -> top terms
    labels_b: dict[int, list[str]]
    moved: list[Moved]
    n_speakers: int  # speakers with a main topic in both runs


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys (`model.n_topics`); lists and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def changed_settings(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """Every dotted key whose value differs (absent on one side: None), sorted by key."""
    fa, fb = flatten(a), flatten(b)
    return [(k, fa.get(k), fb.get(k)) for k in sorted(set(fa) | set(fb))
            if fa.get(k) != fb.get(k)]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def quality_readings(a: Mapping[str, Mapping[str, Any]], b: Mapping[str, Mapping[str, Any]]
                     ) -> list[tuple[str, float | None, float | None]]:
    """The model's readings (MODEL_READINGS, when either run has them), then every other
    numeric metric whose value differs, as (file.key, A, B)."""
    fa, fb = flatten(a), flatten(b)
    first = [f"model.{k}" for k in MODEL_READINGS if f"model.{k}" in fa or f"model.{k}" in fb]
    rest = sorted(k for k in set(fa) | set(fb) if k not in first
                  and (_number(fa.get(k)) is not None or _number(fb.get(k)) is not None)
                  and _number(fa.get(k)) != _number(fb.get(k)))
    return [(k, _number(fa.get(k)), _number(fb.get(k))) for k in first + rest]


def topic_weights(topic_terms: pd.DataFrame) -> dict[int, dict[str, float]]:
    """Each topic's top terms with their weights."""
    return {int(topic): dict(zip(rows["term"].astype(str), rows["weight"].astype(float),
                                 strict=True))
            for topic, rows in topic_terms.groupby("topic")}


def top_terms(topic_terms: pd.DataFrame, n: int = 3) -> dict[int, list[str]]:
    """Each topic's first n terms by rank, to name it."""
    ordered = topic_terms.sort_values(["topic", "rank"])
    return {int(t): rows["term"].astype(str).head(n).tolist()
            for t, rows in ordered.groupby("topic")}


def main_topics(speaker_topics: pd.DataFrame) -> pd.DataFrame:
    """Each speaker's largest topic: speaker (index), topic, share, n_tokens."""
    ordered = speaker_topics.sort_values(["speaker", "share", "topic"],
                                         ascending=[True, False, True])
    first = ordered.drop_duplicates("speaker").set_index("speaker")
    tokens = first["n_tokens"] if "n_tokens" in first else pd.Series(0, index=first.index)
    return pd.DataFrame({"topic": first["topic"].astype(int),
                         "share": first["share"].astype(float),
                         "n_tokens": tokens.fillna(0).astype(int)})


def moved_speakers(a: pd.DataFrame, b: pd.DataFrame, groups: list[TopicGroup]
                   ) -> tuple[list[Moved], int]:
    """Speakers in both runs whose main topic in B is not in the group of their main topic in
    A (most tokens first), and how many speakers are in both."""
    first, second = main_topics(a), main_topics(b)
    both = first.index.intersection(second.index)
    became = counterpart(groups)
    moved = [Moved(speaker=str(s), n_tokens=int(second.at[s, "n_tokens"]),
                   a_topic=int(first.at[s, "topic"]), a_share=float(first.at[s, "share"]),
                   b_topic=int(second.at[s, "topic"]), b_share=float(second.at[s, "share"]))
             for s in both
             if int(second.at[s, "topic"]) not in became.get(int(first.at[s, "topic"]), set())]
    return sorted(moved, key=lambda m: (-m.n_tokens, m.speaker)), len(both)


def compare_runs(a: Run, b: Run) -> Comparison:
    """The comparison of two runs."""
    groups = match_topics(topic_weights(a.topic_terms), topic_weights(b.topic_terms))
    moved, n_speakers = moved_speakers(a.speaker_topics, b.speaker_topics, groups)

    def k_of(run: Run) -> int | None:
        value = _number(run.metrics.get("model", {}).get("n_topics"))
        return int(value) if value is not None else run.topic_terms["topic"].nunique()

    return Comparison(a=a.name, b=b.name, settings=changed_settings(a.params, b.params),
                      k=(k_of(a), k_of(b)), readings=quality_readings(a.metrics, b.metrics),
                      groups=groups, labels_a=top_terms(a.topic_terms),
                      labels_b=top_terms(b.topic_terms), moved=moved, n_speakers=n_speakers)
