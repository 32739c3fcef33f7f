"""Data for the report's interactive parts: the corpus its search and topic browser read,
and the intertopic-distance map.

The corpus goes into the page as gzip-compressed JSON (the browser's DecompressionStream
opens it, offline): Japanese minutes shrink to about a third, so 10,000 turns stay a few MB.
"""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial.distance import jensenshannon

from pipeline.common.io import topic_column, topic_columns, topic_number
from pipeline.report.doc_topic_blocks import DocTopicsSummary, summarize
from pipeline.report.layout import repel, robust_frame, to_square
from pipeline.report.quotes import MIN_QUOTE_TOKENS

PERMILLE = 1000  # shares travel as integers per mille: a quarter of the bytes of floats


@dataclass(frozen=True)
class SearchSources:
    """What the search reads: the documents of the modelled turns and every turn of
    turns.csv (inputs.read_search_turns), with each meeting's date and title."""

    documents: list[dict]
    turns: list[dict] = field(default_factory=list)
    meeting_dates: dict[str, str] = field(default_factory=dict)
    meeting_titles: dict[str, str] = field(default_factory=dict)


# What a line of the search is (the last field of a row of `docs`).
MODELLED, NO_TERMS, TURN_NOT_MODELLED = 0, 1, 2


def corpus_data(sources: SearchSources, doc_topics: pd.DataFrame, n_topics: int) -> dict:
    """Everything the search and the topic browser read, compactly: one row per document of
    a modelled turn and per turn without one (the chair's, a procedure-only meeting's: all
    turns are searched), names as indexes into tables (each meeting's title beside its id),
    the date (the row's, else its meeting's), the main topic (0 = not modelled), the group,
    what the row is (MODELLED, NO_TERMS: a document the model left out, TURN_NOT_MODELLED),
    and per topic its documents by share."""
    columns = topic_columns(doc_topics)
    shares = doc_topics.set_index("doc_id")[columns]
    main = dict(zip(shares.index, (shares.to_numpy().argmax(axis=1) + 1).tolist(),
                    strict=True)) if len(shares) else {}
    meetings, speakers, dates, groups = _Table(), _Table(), _Table(), _Table()
    rows: list[list] = []
    position: dict[str, int] = {}
    for unit in search_units(sources.documents, sources.turns):
        topic = main.get(unit.get("doc_id", ""), 0)
        kind = MODELLED if topic else NO_TERMS if "doc_id" in unit else TURN_NOT_MODELLED
        if kind != TURN_NOT_MODELLED:
            position[unit["doc_id"]] = len(rows)
        rows.append([meetings.add(unit["meeting"]), speakers.add(unit["speaker"]),
                     int(unit["turn"]),
                     dates.add(unit.get("date") or sources.meeting_dates.get(unit["meeting"], "")),
                     topic, unit["text"], groups.add(unit["group"]), kind])
    modelled = {r[0] for r in rows if r[7] == MODELLED}
    return {"meetings": meetings.items,
            "titles": [sources.meeting_titles.get(m) or m for m in meetings.items],
            "meeting_modelled": [i in modelled for i in range(len(meetings.items))],
            "speakers": speakers.items, "dates": dates.items, "groups": groups.items,
            "docs": rows, "topic_docs": _topic_docs(shares, position, n_topics,
                                                    _long_documents(doc_topics))}


def search_units(documents: list[dict], turns: list[dict]) -> list[dict]:
    """The lines the search reads, in corpus order: each turn's documents where it has any,
    else the turn itself (with its text, or "" past the bound); a document whose turn is not
    in `turns` (none given) follows them. Each carries its speaker's `group` ("" = none)."""
    by_turn: dict[tuple[str, int], list[dict]] = {}
    for d in documents:
        by_turn.setdefault((d["meeting"], int(d["turn"])), []).append(d)
    units = []
    for t in turns:
        own = by_turn.pop((t["meeting"], int(t["turn"])), None)
        if own:
            units += [{**d, "group": (d.get("attributes") or {}).get("group") or t["group"]}
                      for d in own]
        elif t["text"] or t.get("cut"):
            units.append(t)
    # A quoted document outside the search's sample is there for its quote only.
    rest = [d for docs in by_turn.values() for d in docs if d.get("searched", True)]
    return units + [{**d, "group": (d.get("attributes") or {}).get("group", "")} for d in rest]


def _long_documents(doc_topics: pd.DataFrame) -> set[str]:
    """The documents with terms enough to show a topic at work (MIN_QUOTE_TOKENS, as the
    quotes); all of them when the table does not count terms."""
    if "n_tokens" not in doc_topics:
        return set(doc_topics["doc_id"])
    return set(doc_topics.loc[doc_topics["n_tokens"] >= MIN_QUOTE_TOKENS, "doc_id"])


def _topic_docs(shares: pd.DataFrame, position: dict[str, int], n_topics: int,
                long: set[str]) -> list[list[list[int]]]:
    """Per topic, its documents' rows, shares (per mille) and whether each is long enough to
    stand for the topic (1) or not (0): the long ones first, each part by share. A chair's
    `さよう決定` alone is 100% of some topic by construction, and topped a topic of wages on
    diet-dev."""
    by_topic = []
    for topic in range(1, n_topics + 1):
        column = shares[topic_column(topic)] if topic_column(topic) in shares else pd.Series()
        permille = (column * PERMILLE).round().astype(int)
        kept = permille[permille > 0]
        ordered = sorted((d not in long, -int(v), position[d], int(v)) for d, v in kept.items()
                         if d in position)
        by_topic.append([[i, v, int(not short)] for short, _, i, v in ordered])
    return by_topic


class _Table:
    """Distinct strings in order of first use, each stored once."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, value: str) -> int:
        if value not in self._index:
            self._index[value] = len(self.items)
            self.items.append(value)
        return self._index[value]


def pack(data: object) -> str:
    """JSON, gzip-compressed (no time stamp: same data, same bytes), as base64 text."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")


def term_distributions(counts: np.ndarray) -> np.ndarray:
    """θᵀX (terms × topics, doc_topic_blocks.add_term_counts) as each topic's distribution
    over terms."""
    phi = counts.T + 1e-12
    # Divided in place (the sum + 1e-12 is this function's own array): a third terms ×
    # topics array was 96 MB at 300M characters.
    phi /= phi.sum(axis=1, keepdims=True)
    return phi


def classical_mds(distances: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS / PCoA, as LDAvis: points whose distances approximate the
    given ones; each axis's sign fixed (largest coordinate positive) so output is repeatable."""
    n = distances.shape[0]
    centre = np.eye(n) - np.full((n, n), 1 / n)
    inner = -0.5 * centre @ (distances ** 2) @ centre
    values, vectors = np.linalg.eigh(inner)
    order = np.argsort(-values, kind="stable")[:n_components]
    coords = vectors[:, order] * np.sqrt(np.clip(values[order], 0, None))
    for axis in range(coords.shape[1]):
        if coords[np.argmax(np.abs(coords[:, axis])), axis] < 0:
            coords[:, axis] = -coords[:, axis]
    if coords.shape[1] < n_components:
        coords = np.hstack([coords, np.zeros((n, n_components - coords.shape[1]))])
    return coords


MAP_SIZE = 440  # the map's square, in SVG units
MAP_PAD = 50  # room for the largest circle at the edge
MAX_RADIUS = 44


def topic_map(doc_topics: pd.DataFrame, dtm: sp.spmatrix | None, topics: list[dict]) -> dict:
    """The intertopic-distance map of a table and matrix held whole (topic_map_of)."""
    return topic_map_of(summarize(doc_topics, dtm), topics)


def topic_map_of(summary: DocTopicsSummary, topics: list[dict]) -> dict:
    """The intertopic-distance map: per topic, an (x, y) from classical MDS on the
    Jensen-Shannon distances of the topics' term distributions, its prevalence, and where the
    page draws it (map_layout)."""
    k = len(topics)
    if summary.term_counts is None:
        coords, distances = np.zeros((k, 2)), np.zeros((k, k))
    else:
        phi = term_distributions(summary.term_counts)
        distances = np.array([[jensenshannon(a, b, base=2) for b in phi] for a in phi])
        distances = np.nan_to_num((distances + distances.T) / 2)
        coords = classical_mds(distances)
    numbers = [topic_number(c) for c in summary.columns] or [t["topic"] for t in topics]
    by_number = dict(zip(numbers, coords.tolist(), strict=True))
    rows = [{
        "topic": t["topic"], "label": t["label"], "prevalence": round(float(t["prevalence"]), 6),
        "x": round(by_number.get(t["topic"], [0, 0])[0], 6),
        "y": round(by_number.get(t["topic"], [0, 0])[1], 6),
        "procedural": bool(t.get("procedural")),
    } for t in topics]
    origin = [0.0, 0.0]
    if rows:
        frame = robust_frame(np.array([[r["x"], r["y"]] for r in rows]))
        origin = [round(float(v), 2) for v in to_square(np.zeros((1, 2)), frame.box, MAP_SIZE,
                                                        MAP_PAD)[0]]
    return {"topics": map_layout(rows), "size": MAP_SIZE, "origin": origin,
            "max_distance": round(float(distances.max()), 6) if k else 0.0,
            "n_tokens": summary.n_tokens}


def map_layout(rows: list[dict]) -> list[dict]:
    """Each topic's circle on the page (cx, cy, r) and its number's place (lx, ly): a topic
    far from the others is drawn at the frame's edge (outside: true, layout.robust_frame) so
    it does not squeeze the rest into a corner, and the numbers are pushed apart so that none
    hides another (drawn above every circle)."""
    if not rows:
        return []
    frame = robust_frame(np.array([[r["x"], r["y"]] for r in rows]))
    raw = np.array([[r["x"], r["y"]] for r in rows])
    centres = to_square(frame.xy, frame.box, MAP_SIZE, MAP_PAD)
    # An outlier goes to the map's own edge (the frame of the others may be narrower).
    beyond = np.sign((raw - frame.xy) * np.array([1, -1]))
    centres = np.where(beyond > 0, MAP_SIZE - MAP_PAD, np.where(beyond < 0, MAP_PAD, centres))
    most = max(max(r["prevalence"] for r in rows), 1e-9)
    sizes = np.array([[7.5 * len(str(r["topic"])) + 4, 15.0] for r in rows])
    labels = repel(centres, sizes, (0.0, 0.0, float(MAP_SIZE), float(MAP_SIZE)))
    return [{**r, "cx": round(float(c[0]), 2), "cy": round(float(c[1]), 2),
             "r": round(max(7.0, MAX_RADIUS * float(np.sqrt(r["prevalence"] / most))), 2),
             "lx": round(float(lab[0]), 2), "ly": round(float(lab[1]), 2),
             "outside": bool(out),
             "toward": [round(float(v), 3) for v in _toward(p, q)]}
            for r, c, lab, out, p, q in zip(rows, centres, labels, frame.outside, raw,
                                            frame.xy, strict=True)]


def _toward(point: np.ndarray, clipped: np.ndarray) -> np.ndarray:
    """Unit direction (on the page, y down) from where a clipped point is drawn to where it
    is; zeros for a point inside the frame."""
    d = (point - clipped) * np.array([1, -1])
    norm = float(np.hypot(*d))
    return d / norm if norm > 0 else np.zeros(2)
