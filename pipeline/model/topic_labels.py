"""Names for fitted topics, and topics merged into one (configs/topic_labels.yaml), applied to
the fit's tables without fitting again.

A merged topic keeps the lowest number of its group (so the numbers in the file keep meaning
what they meant), its shares are the sum of its members' and its terms come from the mixture
of their term distributions, weighted by how much of the corpus each covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from pipeline.common.config import validation_error
from pipeline.common.errors import PipelineError
from pipeline.common.io import topic_column
from pipeline.model.labels import (
    slider_data,
    term_distributions,
    top_by_relevance,
    top_term_indices,
)
from pipeline.tokenize.procedure import procedural_topics

# Fewer than this share of the terms recorded with a name among the topic's top terms now:
# the topic is not the one that was named.
MIN_TERMS_MATCHING = 0.5


def _name_only(value: object) -> object:
    # `3: 特区・地方分権` is short for `3: {name: 特区・地方分権}`.
    return {"name": value} if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TopicName(_Strict):
    name: str = Field(min_length=1, description="What the topic is about, shown everywhere.")
    terms: list[str] = Field(
        default_factory=list, description="The topic's top terms when it was named: if they "
        "no longer match (the model was fitted again), a warning says so.")


class TopicLabels(_Strict):
    topics: dict[Annotated[int, Field(ge=1)],
                 Annotated[TopicName, BeforeValidator(_name_only)]] = Field(
        default_factory=dict, description="Topic number -> its name (and terms).")
    merge: list[Annotated[list[Annotated[int, Field(ge=1)]], Field(min_length=2)]] = Field(
        default_factory=list, description="Groups of topic numbers, each merged into one.")


def parse_topic_labels(data: object, source: str) -> TopicLabels:
    """The labels file's content, validated: every problem one line, naming file and key."""
    if data is None:
        return TopicLabels()
    if not isinstance(data, dict):
        raise PipelineError(f"{source}: must be a mapping with `topics:` and/or `merge:`")
    try:
        labels = TopicLabels.model_validate(data)
    except ValidationError as exc:
        error = validation_error(exc, source)
        raise PipelineError(str(error).replace("see README 'Settings'",
                                               "see README 'Naming and merging topics'")
                            ) from None
    seen: dict[int, int] = {}
    for g, group in enumerate(labels.merge):
        if len(set(group)) < len(group):
            raise PipelineError(f"{source}: merge.{g}: a topic is listed twice in {group}")
        for topic in group:
            if topic in seen:
                raise PipelineError(f"{source}: merge.{g}: topic {topic} is already merged in "
                                    f"merge.{seen[topic]}; put each topic in one group")
            seen[topic] = g
    names: dict[str, int] = {}
    for topic, entry in labels.topics.items():
        other = names.setdefault(entry.name, topic)
        if other != topic and seen.get(other, -1) != seen.get(topic, -2):
            raise PipelineError(f"{source}: topics.{topic}: name {entry.name!r} is also topic "
                                f"{other}'s; to make them one topic, list [{other}, {topic}] "
                                "under merge:")
    return labels


@dataclass(frozen=True)
class FitTables:
    """The fit's outputs that names and merges change."""

    doc_topics: pd.DataFrame
    topic_terms: pd.DataFrame
    topics: list[dict]
    relevance: dict
    components: np.ndarray  # topics × terms, in table order (the saved model's)
    term_share: np.ndarray
    vocabulary: list[str]


@dataclass(frozen=True)
class Labelled:
    """The tables with names and merges applied, and what the reader should know."""

    doc_topics: pd.DataFrame
    topic_terms: pd.DataFrame
    topics: list[dict]
    relevance: dict
    warnings: list[str]
    summary: list[str]
    phi: np.ndarray  # the topics' term distributions, in `topics` order (a merge's mixture)


def stale_warnings(labels: TopicLabels, topics: list[dict], source: str) -> list[str]:
    """Entries that name topics the model does not have, or whose recorded terms no longer
    match the topic's: the file was written for another fit."""
    by_number = {t["topic"]: t for t in topics}
    out = []
    for topic, entry in labels.topics.items():
        if topic not in by_number:
            out.append(f"{source}: topics.{topic}: モデルのトピックは {len(topics)} 個です。"
                       f"「{entry.name}」は付けませんでした（別の当てはめ向けのファイルでは？）")
            continue
        if entry.terms:
            now = set(by_number[topic]["terms"]) | set(by_number[topic]["top_terms_by_weight"])
            if sum(w in now for w in entry.terms) < MIN_TERMS_MATCHING * len(entry.terms):
                out.append(
                    f"{source}: topics.{topic}.terms: 「{entry.name}」は "
                    f"{'・'.join(entry.terms[:4])} のトピックに付けた名前ですが、"
                    f"トピック {topic} はいま {'・'.join(by_number[topic]['terms'][:4])} "
                    "です。名前（と番号）を確かめ、terms を更新してください")
    for g, group in enumerate(labels.merge):
        missing = [t for t in group if t not in by_number]
        if missing:
            out.append(f"{source}: merge.{g}: モデルにトピック "
                       f"{', '.join(map(str, missing))} はありません（{len(topics)} 個）。"
                       "それを除いてまとめました")
    return out


def merge_groups(labels: TopicLabels, numbers: list[int]) -> list[list[int]]:
    """The merges of the labels file among the fitted topics `numbers`, each sorted."""
    groups = [sorted(t for t in group if t in numbers) for group in labels.merge]
    return [g for g in groups if len(g) >= 2]


def merged_doc_topics(doc_topics: pd.DataFrame, groups: list[list[int]]) -> pd.DataFrame:
    """doc_topics (all of it, or a block of its rows: row by row) with each group's shares
    summed into its first topic's column and the others' columns dropped."""
    doc_topics = doc_topics.copy()
    for group in groups:
        members = [topic_column(t) for t in group]
        doc_topics[members[0]] = doc_topics[members].sum(axis=1)
        doc_topics = doc_topics.drop(columns=[topic_column(t) for t in group[1:]])
    return doc_topics


def apply_topic_labels(fit: FitTables, labels: TopicLabels, lam: float, n_top_terms: int,
                       source: str) -> Labelled:
    """Names and merges applied to the fit's tables; the numbers of untouched topics and
    their rows stay exactly as fitted."""
    warnings = stale_warnings(labels, fit.topics, source)
    numbers = [t["topic"] for t in fit.topics]
    groups = merge_groups(labels, numbers)
    merged_into = {t: g[0] for g in groups for t in g}
    doc_topics = merged_doc_topics(fit.doc_topics, groups)
    phi = term_distributions(fit.components)
    by_number = {t["topic"]: t for t in fit.topics}
    topics, terms, slider, distributions = [], [], [], []
    for topic in numbers:
        if merged_into.get(topic, topic) != topic:
            continue
        group = next((g for g in groups if g[0] == topic), [topic])
        rows = [numbers.index(t) for t in group]
        entry = dict(by_number[topic])
        if len(group) > 1:
            entry, mixed, weights = _merged_entry(fit, rows, phi, lam, n_top_terms)
            distributions.append(mixed)
            slider.append({**slider_data(mixed[None], fit.term_share, fit.vocabulary)[0],
                           "topic": topic})
            terms += [{"topic": topic, "rank": r + 1, "term": fit.vocabulary[i],
                       "weight": weights[i]}
                      for r, i in enumerate(top_term_indices(weights[None],
                                                             tuple(fit.vocabulary),
                                                             n_top_terms)[0])]
        else:
            distributions.append(phi[rows[0]])
            slider += [s for s in fit.relevance["topics"] if s["topic"] == topic]
            terms += fit.topic_terms[fit.topic_terms["topic"] == topic].to_dict("records")
        named = next((labels.topics[t] for t in group if t in labels.topics), None)
        entry["name"] = named.name if named else None
        if named:
            entry["label"] = named.name
        topics.append(entry)
    summary = [f"label: topic {t['topic']}"
               + (f" (merged {'+'.join(map(str, t['merged_from']))})" if t.get("merged_from")
                  else "") + f": {t['label']}"
               for t in topics if t["name"] or t.get("merged_from")]
    unfingerprinted = [t for t, e in labels.topics.items() if not e.terms and t in by_number]
    if unfingerprinted:
        summary.append(
            "label: to be warned when a refit changes a named topic, give it its top terms: "
            + "; ".join(f"topics.{t}.terms: [{', '.join(by_number[t]['terms'][:3])}]"
                        for t in unfingerprinted[:3]))
    return Labelled(doc_topics=doc_topics, topic_terms=pd.DataFrame(terms, columns=list(
        fit.topic_terms.columns)), topics=topics,
        relevance={**fit.relevance, "topics": slider}, warnings=warnings, summary=summary,
        phi=np.array(distributions).reshape(len(topics), phi.shape[1]))


def _merged_entry(fit: FitTables, rows: list[int], phi: np.ndarray, lam: float,
                  n_top_terms: int) -> tuple[dict, np.ndarray, np.ndarray]:
    """topics.json's entry of the topics of fit's `rows` merged, its term distribution and
    its term weights."""
    members = [fit.topics[r] for r in rows]
    group = [m["topic"] for m in members]
    prevalence = np.array([m["prevalence"] for m in members], dtype=float)
    share = prevalence / prevalence.sum() if prevalence.sum() > 0 else \
        np.full(len(rows), 1 / len(rows))
    mixed = share @ phi[rows]
    weights = fit.components[rows].sum(axis=0)
    words = top_by_relevance(mixed[None], fit.term_share, fit.vocabulary, lam, n_top_terms)[0]
    by_weight = [fit.vocabulary[i] for i in top_term_indices(
        weights[None], tuple(fit.vocabulary), n_top_terms)[0]]
    [procedural] = procedural_topics([by_weight])
    themes = [m["theme"] for m in members if m.get("theme")]
    entry = {
        **members[0], "label": ("手続き: " if procedural else "") + "・".join(words[:3])
        + f"（T{'+T'.join(map(str, group))}）",
        "theme": "・".join(themes) if themes else None, "procedural": procedural,
        "prevalence": round(float(prevalence.sum()), 6), "terms": words,
        "top_terms_by_weight": by_weight,
        # NPMI needs the documents' texts; a merged topic is not measured.
        "npmi": None, "merged_from": group,
    }
    return entry, mixed, weights

