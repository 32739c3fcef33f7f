"""How many topics: the Ks a sweep tries, and the rule that picks one from its scores.

Pure functions of the sweep's measurements (pipeline.model.sweep.sweep_k), so the rule is tested
directly and the fit stage only reports what it decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.model.sweep import KScore
from pipeline.model.topics import check_k

MAX_TOPIC_SHARE = 1 / 3  # a K whose largest topic holds more is a catch-all, not a map
AUTO_K_MAX = (12, 200)  # k_max auto scales with the corpus between these bounds
MIN_DOCS_PER_TOPIC = 5
GRID_POINTS = 10  # a wide K range is tried on this many Ks, spaced evenly in log K
GOOD_TOLERANCE = 0.1  # K holds "as many good topics as any K" within this share of the most


@dataclass(frozen=True)
class KRange:
    """The Ks the sweep tries, and what the reader should know about how they were set."""

    ks: tuple[int, ...]
    notes: tuple[str, ...] = ()


def auto_k_max(n_docs: int) -> int:
    """k_max auto: the square root of the documents, within AUTO_K_MAX (5,000 documents of
    223 Diet meetings: 71; 40,000: 200), and at most one topic per MIN_DOCS_PER_TOPIC
    documents (58 documents of one meeting: 11). The rule below stops short of it where the
    corpus holds fewer subjects; the range only has to reach past them."""
    low, high = AUTO_K_MAX
    return int(min(high, max(low, round(np.sqrt(n_docs))), n_docs // MIN_DOCS_PER_TOPIC))


def k_grid(k_min: int, k_max: int, points: int = GRID_POINTS) -> tuple[int, ...]:
    """Every K of a narrow range; a wide one sampled evenly in log K (a topic more matters
    less the more topics there are)."""
    if k_max - k_min + 1 <= points:
        return tuple(range(k_min, k_max + 1))
    grid = np.geomspace(k_min, k_max, points)
    return tuple(sorted({int(round(k)) for k in grid} | {k_min, k_max}))


def k_range(n_docs: int, n_terms: int, k_min: int, k_max: int | str,
            n_themes: int = 0) -> KRange:
    """The Ks to try: from k_min (at least one more than the seeded themes) to k_max (auto:
    scaled with the corpus), below the documents and terms the model sees."""
    low = max(k_min, n_themes + 1)
    check_k(low, n_docs, n_terms)
    wanted = auto_k_max(n_docs) if k_max == "auto" else int(k_max)
    high = max(low, min(wanted, min(n_docs, n_terms) - 1))
    notes = []
    if high < wanted:
        notes.append(f"K の上限を {wanted} から {high} に下げました（文書・語の数による）")
    return KRange(k_grid(low, high), tuple(notes))


def widened_k(ks: Sequence[int], n_docs: int, n_terms: int) -> int | None:
    """The K one more step of the grid past the top of an auto range (k_max auto), when the
    rule chose that top: the range's top is a guess from the corpus's size, the count of good
    topics decides. None where auto_k_max's bounds (AUTO_K_MAX, a topic per
    MIN_DOCS_PER_TOPIC documents, fewer topics than documents and terms) allow no more."""
    top = ks[-1]
    step = top / ks[-2] if len(ks) > 1 and ks[-2] > 0 else 1.5
    limit = min(AUTO_K_MAX[1], n_docs // MIN_DOCS_PER_TOPIC, min(n_docs, n_terms) - 1)
    wider = min(limit, max(top + 1, int(round(top * step))))
    return wider if wider > top else None


@dataclass(frozen=True)
class KChoice:
    """The K chosen, the rule in words, and any warning about it."""

    k: int
    reason: str
    warnings: tuple[str, ...] = ()


def choose_k(scores: Sequence[KScore], max_share: float = MAX_TOPIC_SHARE,
             tolerance: float = GOOD_TOLERANCE, k_max: int | None = None) -> KChoice:
    """The stated rule: as many topics as the corpus holds.
    1. Ks whose largest topic holds at most max_share of the tokens (a catch-all topic is a
       K too small for the corpus); if none, the K whose largest topic is smallest;
    2. of those, the smallest K that holds nearly as many good topics as the best K (at
       least 1 - tolerance of the most): a good topic is alive (1% of the tokens or more, or
       half an even share past 50 topics: topics.min_topic_share; not carried by one or two
       words), coherent (NPMI above 0) and stable (it comes back when a
       tenth of the documents is left out). See pipeline.model.sweep.count_topics.

    k_max: the top of the range planned, when the sweep stopped before it (a K past what the
    corpus holds): the last K fitted is then no limit to widen.

    Counting good topics has no built-in pull towards small or large K: a K too small merges
    subjects (fewer topics to count), a K too large splits them into unstable or tiny ones
    (which do not count). Mean NPMI and mean stability, ranked, both fall as K grows, so a
    rule on them picked 5 topics for a corpus of 39 subjects.
    """
    warnings_: list[str] = []
    pool = [s for s in scores if s.max_share <= max_share]
    if not pool:
        pool = [min(scores, key=lambda s: (s.max_share, s.k))]
        warnings_.append(
            f"どの K でも最大のトピックが語の {max_share:.0%} を超えます（K = {pool[0].k} で "
            f"{pool[0].max_share:.0%}）。手続きや定型文が多い入力なら ingest.procedural_roles "
            "と tokens.boilerplate_min_meetings を、K の範囲なら model.k_max を見直してください")
    counts = [0.0 if np.isnan(s.n_good) else s.n_good for s in pool]
    most = max(counts)
    best = min((s for s, n in zip(pool, counts, strict=True) if n >= (1 - tolerance) * most),
               key=lambda s: s.k)
    ks = [s.k for s in scores]
    top = max(ks) if k_max is None else k_max
    if len(ks) > 1 and best.k in (min(ks), top):
        end = "上限" if best.k == top else "下限"
        warnings_.append(f"選ばれた K = {best.k} は探索範囲（{min(ks)}–{max(ks)}）の{end}です。"
                         f"model.k_{'max' if end == '上限' else 'min'} を広げると、より良い K "
                         "が見つかるかもしれません")
    reason = (f"auto: K {min(ks)}–{max(ks)} の {len(ks)} 通りのうち、最大トピックが語の "
              f"{max_share:.0%} 以下で、良いトピック（語の 1% 以上、K が 50 を超えると均等割りの"
              "半分かつ 0.5% 以上・一貫性 NPMI > 0・文書の 1 割を"
              f"抜いても再現）の数が最多（{most:.1f}）の {1 - tolerance:.0%} 以上に達する最小の K")
    return KChoice(best.k, reason, tuple(warnings_))


def dominance_warning(prevalence: np.ndarray, max_share: float = MAX_TOPIC_SHARE) -> str | None:
    """A warning when one topic of the final model holds more than max_share of the tokens."""
    top = int(np.argmax(prevalence))
    if prevalence[top] <= max_share:
        return None
    return (f"トピック {top + 1} が語の {prevalence[top]:.0%} を占めます（{max_share:.0%} 超）。"
            "何でも入るトピックかもしれません。K を増やすか、手続き・定型文の扱い"
            "（ingest.procedural_roles, tokens.boilerplate_min_meetings）を見直してください")
