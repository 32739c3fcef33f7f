"""Topics of two runs matched by their top terms: which stayed, split, merged, appeared or
vanished.

The rule, on each topic's top terms (topic_terms.csv) with their weights normalized to sum
to 1:

1. **Overlap** of two topics is the weight they share: Σ_t min(p_a(t), p_b(t)), from 0 (no
   common top term) to 1 (the same terms with the same weights).
2. **Pairs**: a one-to-one Hungarian matching that maximizes the total overlap; a pair is kept
   if its overlap is at least `MATCH` (0.3).
3. **Pieces**: a topic left without a pair joins the group of its closest topic of the other
   run if they overlap by at least `PIECE` (0.15): a topic of B joining a paired topic of A is
   a piece it split into, a topic of A joining a paired topic of B one that merged into it.
4. **Groups**: one A and one B topic are the same topic; one A and several B a split; several
   A and one B a merge; several of each regrouped; a B topic alone appeared, an A topic alone
   vanished.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.optimize import linear_sum_assignment

MATCH = 0.3
PIECE = 0.15


class Change(StrEnum):
    """What happened to a group of topics between run A and run B."""

    SAME = "same"
    SPLIT = "split"
    MERGED = "merged"
    REGROUPED = "regrouped"
    NEW = "new"
    GONE = "gone"


@dataclass(frozen=True)
class TopicGroup:
    """Topics of A and of B that are one subject, and the overlap of each pair linked."""

    change: Change
    a: tuple[int, ...]
    b: tuple[int, ...]
    links: tuple[tuple[int, int, float], ...]  # (A topic, B topic, overlap)


def normalized(terms: Mapping[str, float]) -> dict[str, float]:
    """Weights scaled to sum to 1 (equal weights when none is positive)."""
    positive = {t: max(float(w), 0.0) for t, w in terms.items()}
    total = sum(positive.values())
    if total <= 0:
        return {t: 1 / len(terms) for t in terms} if terms else {}
    return {t: w / total for t, w in positive.items()}


def overlap_matrix(a: Sequence[Mapping[str, float]],
                   b: Sequence[Mapping[str, float]]) -> np.ndarray:
    """Shared weight of every pair of topics (rows: A, columns: B), each in [0, 1]."""
    pa, pb = [normalized(t) for t in a], [normalized(t) for t in b]
    return np.array([[sum(min(w, y.get(t, 0.0)) for t, w in x.items()) for y in pb]
                     for x in pa]).reshape(len(pa), len(pb))


def match_topics(a: Mapping[int, Mapping[str, float]], b: Mapping[int, Mapping[str, float]],
                 match: float = MATCH, piece: float = PIECE) -> list[TopicGroup]:
    """Groups of A's and B's topics (numbers as in their tables), by the module's rule;
    ordered by A's first topic, then appeared topics by B's number."""
    na, nb = sorted(a), sorted(b)
    overlap = overlap_matrix([a[k] for k in na], [b[k] for k in nb])
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    pairs = [(int(i), int(j)) for i, j in zip(rows, cols, strict=True)
             if overlap[i, j] >= match]
    group_of_a = {i: n for n, (i, _) in enumerate(pairs)}
    group_of_b = {j: n for n, (_, j) in enumerate(pairs)}
    members = [({i}, {j}) for i, j in pairs]
    links = [[(i, j)] for i, j in pairs]
    for j in range(len(nb)):
        if j not in group_of_b and len(na):
            i = int(np.argmax(overlap[:, j]))
            if overlap[i, j] >= piece and i in group_of_a:
                members[group_of_a[i]][1].add(j)
                links[group_of_a[i]].append((i, j))
    for i in range(len(na)):
        if i not in group_of_a and len(nb):
            j = int(np.argmax(overlap[i]))
            if overlap[i, j] >= piece and j in group_of_b:
                members[group_of_b[j]][0].add(i)
                links[group_of_b[j]].append((i, j))
    grouped_a = set().union(*(m[0] for m in members)) if members else set()
    grouped_b = set().union(*(m[1] for m in members)) if members else set()
    groups = [_group({na[i] for i in ia}, {nb[j] for j in jb},
                     [(na[i], nb[j], float(overlap[i, j])) for i, j in pair_links])
              for (ia, jb), pair_links in zip(members, links, strict=True)]
    groups += [_group({na[i]}, set(), []) for i in range(len(na)) if i not in grouped_a]
    groups += [_group(set(), {nb[j]}, []) for j in range(len(nb)) if j not in grouped_b]
    return sorted(groups, key=lambda g: (not g.a, g.a[:1] or g.b[:1]))


def _group(a: set[int], b: set[int], links: list[tuple[int, int, float]]) -> TopicGroup:
    if not b:
        change = Change.GONE
    elif not a:
        change = Change.NEW
    elif len(a) == 1 and len(b) == 1:
        change = Change.SAME
    elif len(a) == 1:
        change = Change.SPLIT
    elif len(b) == 1:
        change = Change.MERGED
    else:
        change = Change.REGROUPED
    rounded = tuple(sorted((i, j, round(v, 3)) for i, j, v in links))
    return TopicGroup(change=change, a=tuple(sorted(a)), b=tuple(sorted(b)), links=rounded)


def counterpart(groups: Sequence[TopicGroup]) -> dict[int, set[int]]:
    """For each topic of A, the topics of B in its group (empty when it vanished)."""
    return {i: set(g.b) for g in groups for i in g.a}
