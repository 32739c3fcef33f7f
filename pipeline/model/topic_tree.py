"""Two levels of topics: the topics grouped into a few broader groups (their parents) by
agglomerative clustering of their term distributions, as BERTopic's hierarchical topics.

The rule (docs/design.md, "Two levels of topics"):

- With fewer than `MIN_TOPICS_TO_GROUP` topics one level is enough: no parents.
- Else the topics are clustered with Ward linkage on the Hellinger distance between their term
  distributions (the Euclidean distance between √φ rows, so Ward's criterion holds; BERTopic
  also uses Ward). Ward keeps groups of comparable size where average linkage, on these
  nearly disjoint topics, left one group of nearly all and a few single topics.
- Where to cut the tree: if some cut into 2 to about 1.5·√K groups shows structure (the best
  silhouette, on the same distances, above `MIN_SILHOUETTE`), that cut, a tie going to fewer
  groups: clear families of topics give one group each. Else (topics all about as far apart,
  as on real minutes: silhouettes near 0.03) round(√K) groups, a readable list.
- Groups are numbered by the share of the corpus they cover, largest first (a tie: the one
  holding the lower topic number); a group's label is the first words of its members' mixed
  term distribution (weighted by their shares, ranked as topic labels are), or the label of
  its one topic.

Pure: same distributions, same groups.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.model.labels import top_by_relevance

MIN_TOPICS_TO_GROUP = 9
# Kaufman & Rousseeuw (1990): an average silhouette of 0.25 or less is "no substantial
# structure"; above it the families are the topics' own, not a cut for readability.
MIN_SILHOUETTE = 0.25
LABEL_WORDS = 3


@dataclass(frozen=True)
class TopicGroups:
    """Each topic's group (its parent), the groups' labels and the tree they were cut from."""

    parents: tuple[int, ...]  # per topic, in topic order: its group, numbered from 1; () = none
    labels: tuple[str, ...]  # per group, in group order
    tree: np.ndarray  # scipy linkage matrix ((K-1) × 4) over the topics in topic order


def max_groups(n_topics: int) -> int:
    """The most groups a cut of K topics may give: about 1.5·√K (at least 2)."""
    return max(2, round(1.5 * math.sqrt(n_topics)))


def hellinger_points(phi: np.ndarray) -> np.ndarray:
    """Rows of √φ/√2: their Euclidean distances are the Hellinger distances (in [0, 1])."""
    return np.sqrt(np.clip(np.asarray(phi, dtype=float), 0.0, None)) / math.sqrt(2)


def silhouette(distances: np.ndarray, cut: np.ndarray) -> float:
    """Mean silhouette of a clustering, from a square distance matrix (a topic alone in its
    cluster scores 0, as in scikit-learn's `silhouette_score`)."""
    clusters = sorted(set(cut.tolist()))
    # Mean distance from each topic to each cluster (its own: to the others in it).
    sums = np.stack([distances[:, cut == c].sum(axis=1) for c in clusters], axis=1)
    sizes = np.array([(cut == c).sum() for c in clusters], dtype=float)
    own = np.searchsorted(clusters, cut)
    rows = np.arange(len(cut))
    alone = sizes[own] == 1
    within = sums[rows, own] / np.where(alone, 1.0, sizes[own] - 1)
    means = sums / sizes
    means[rows, own] = np.inf
    between = means.min(axis=1)
    scores = np.where(alone, 0.0, (between - within) / np.maximum(between, within))
    return float(scores.mean())


def cut_tree(tree: np.ndarray, distances: np.ndarray, n_topics: int) -> np.ndarray:
    """Each topic's cluster: the best-silhouette cut into 2..max_groups clusters if it shows
    structure, else round(√K) clusters."""
    from scipy.cluster.hierarchy import fcluster

    best: tuple[float, int] | None = None
    best_cut = None
    for n_groups in range(2, min(max_groups(n_topics), n_topics - 1) + 1):
        cut = fcluster(tree, t=n_groups, criterion="maxclust")
        found = len(set(cut.tolist()))
        if found < 2 or found >= n_topics:
            continue
        # Rounded so that float noise never breaks a tie; among equals the fewer groups win.
        score = (round(silhouette(distances, cut), 9), -found)
        if best is None or score > best:
            best, best_cut = score, cut
    if best is not None and best_cut is not None and best[0] > MIN_SILHOUETTE:
        return best_cut
    return fcluster(tree, t=round(math.sqrt(n_topics)), criterion="maxclust")


def group_topics(phi: np.ndarray, topics: Sequence[dict], term_share: np.ndarray,
                 vocabulary: Sequence[str], lam: float) -> TopicGroups:
    """The topics' groups by the rule of this module's docstring.

    Args:
        phi: the topics' term distributions (topics × terms), in topic order.
        topics: topics.json's entries in the same order: each topic's `prevalence` (its
            share of the corpus) and `label` (a group of one topic takes it).
        term_share: each term's share of the corpus, for relevance ranking.
        lam: the relevance λ of topic labels (model.relevance_lambda).
    """
    prevalence = [t["prevalence"] for t in topics]
    topic_labels = [t["label"] for t in topics]
    n_topics = len(prevalence)
    if n_topics < MIN_TOPICS_TO_GROUP:
        return TopicGroups(parents=(), labels=(), tree=np.zeros((0, 4)))
    # Imported here: the label stage of a few topics never groups, and starts without scipy.
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist, squareform

    points = hellinger_points(phi)
    tree = linkage(points, method="ward")
    cut = cut_tree(tree, squareform(pdist(points)), n_topics)
    shares = np.asarray(prevalence, dtype=float)
    members = {c: np.flatnonzero(cut == c) for c in sorted(set(cut.tolist()))}
    order = sorted(members, key=lambda c: (-round(float(shares[members[c]].sum()), 12),
                                           int(members[c][0])))
    number = {c: g + 1 for g, c in enumerate(order)}
    labels = []
    for c in order:
        rows = members[c]
        if len(rows) == 1:
            labels.append(topic_labels[int(rows[0])])
            continue
        weights = shares[rows] / shares[rows].sum() if shares[rows].sum() > 0 else \
            np.full(len(rows), 1 / len(rows))
        mixed = weights @ np.asarray(phi, dtype=float)[rows]
        words = top_by_relevance(mixed[None], term_share, vocabulary, lam, LABEL_WORDS)[0]
        labels.append("・".join(words))
    return TopicGroups(parents=tuple(number[c] for c in cut.tolist()), labels=tuple(labels),
                       tree=tree)


def with_parents(topics: Sequence[dict], groups: TopicGroups) -> list[dict]:
    """topics.json's entries, each with `parent` and `parent_label` (None when not grouped)."""
    if not groups.parents:
        return [{**t, "parent": None, "parent_label": None} for t in topics]
    return [{**t, "parent": p, "parent_label": groups.labels[p - 1]}
            for t, p in zip(topics, groups.parents, strict=True)]


def topic_table(topics: Sequence[dict]) -> pd.DataFrame:
    """One row per topic: `topic, topic_label, prevalence, parent, parent_label, terms`."""
    return pd.DataFrame(
        [{"topic": t["topic"], "topic_label": t["label"], "prevalence": t["prevalence"],
          "parent": t["parent"], "parent_label": t["parent_label"],
          "terms": " ".join(t["terms"])} for t in topics],
        columns=["topic", "topic_label", "prevalence", "parent", "parent_label", "terms"],
    ).astype({"parent": "Int64"})


def with_topic_names(table: pd.DataFrame, topics: Sequence[dict]) -> pd.DataFrame:
    """A table with a `topic` column, with each row's `topic_label`, `parent` and
    `parent_label` added (the parent empty when the topics are not grouped)."""
    label = {t["topic"]: t["label"] for t in topics}
    parent = {t["topic"]: t.get("parent") for t in topics}
    parent_label = {t["topic"]: t.get("parent_label") for t in topics}
    return table.assign(topic_label=table["topic"].map(label),
                        parent=table["topic"].map(parent).astype("Int64"),
                        parent_label=table["topic"].map(parent_label))
