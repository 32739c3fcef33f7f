"""KH Coder's two maps of words: a co-occurrence network of the most used terms, and a
correspondence-analysis biplot of speakers × terms. Computations return plain data; the
chart functions return matplotlib Figures (the stage saves them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pipeline.report.charts import japanese_style, topic_labels
from pipeline.report.layout import Framed, repel, robust_frame
from pipeline.report.network_counts import (
    Marks,
    Tally,
    block_rows,
    mark_terms,
    tally_terms,
)
from pipeline.speakers.attribute_names import attribute_title

N_NODES = 60  # terms considered for the network (most documents first)
N_EDGES = 60  # KH Coder's default: the 60 strongest co-occurrences (Jaccard)
N_CA_SPEAKERS = 30
N_CA_TERMS = 40


@dataclass(frozen=True)
class Network:
    """Terms (with document counts and main topic) and weighted edges (Jaccard)."""

    terms: list[str]
    n_docs: list[int]
    topic: list[int]  # each term's main topic (number in the tables)
    edges: list[tuple[int, int, float]]  # (term index, term index, Jaccard), strongest first


def cooccurrence_network(doc_terms: Sequence[Sequence[str]], doc_shares: np.ndarray,
                         topic_numbers: Sequence[int], n_nodes: int = N_NODES,
                         n_edges: int = N_EDGES) -> Network:
    """The n_edges strongest co-occurrences (Jaccard over documents, in two documents at
    least) among the n_nodes terms in most documents; a term's topic is the one its
    documents share most (doc_shares: documents × topics)."""
    # Counted by blocks of documents, on the stage's executor (network_counts.py).
    terms = top_terms(tally_terms(doc_terms), n_nodes)
    blocks = ((doc_terms[rows], doc_shares[rows]) for rows in block_rows(len(doc_terms)))
    return network_of(terms, mark_terms(blocks, terms, doc_shares.shape[1]), topic_numbers,
                      n_edges)


def top_terms(tally: Tally, n_nodes: int = N_NODES) -> list[str]:
    """The n_nodes terms in most documents (ties: by the term)."""
    counts = dict(zip(tally.terms, tally.n_docs.tolist(), strict=True))
    return sorted(counts, key=lambda w: (-counts[w], w))[:n_nodes]


def network_of(terms: list[str], marks: Marks, topic_numbers: Sequence[int],
               n_edges: int = N_EDGES) -> Network:
    """The network of `terms` from their marks (network_counts.mark_terms)."""
    both = marks.both
    n = np.diag(both)
    union = n[:, None] + n[None, :] - both
    jaccard = np.where(union > 0, both / np.where(union > 0, union, 1), 0.0)
    pairs = [(i, j, float(jaccard[i, j])) for i in range(len(terms))
             for j in range(i + 1, len(terms)) if both[i, j] >= 2]
    pairs.sort(key=lambda e: (-e[2], terms[e[0]], terms[e[1]]))
    main = marks.shares.argmax(axis=1) if len(terms) else np.array([], int)
    return Network(terms=terms, n_docs=[int(v) for v in n], edges=pairs[:n_edges],
                   topic=[int(topic_numbers[k]) for k in main])


def network_chart(network: Network, topics: list[dict], seed: int) -> Figure:
    """The network drawn: node size by documents, colour by main topic, edge width by
    Jaccard; terms with no edge are left out. A sentence instead when there is no edge."""
    import networkx as nx

    graph: nx.Graph = nx.Graph()
    for i, j, weight in network.edges:
        graph.add_edge(network.terms[i], network.terms[j], weight=weight)
    with japanese_style():
        fig = Figure(figsize=(10, 8), layout="constrained")
        ax = fig.subplots()
        ax.set_axis_off()
        ax.set_title("共起ネットワーク（文書内で共に使われる語、Jaccard 係数の上位 "
                     f"{len(network.edges)} 組）")
        if not graph.number_of_edges():
            ax.text(0.5, 0.5, "共起する語の組がありません（文書が少なすぎます）", ha="center",
                    va="center", transform=ax.transAxes)
            return fig
        nodes = sorted(graph.nodes)
        graph = nx.Graph(graph.subgraph(nodes))
        position = nx.spring_layout(graph, seed=seed, weight="weight")
        index = {t: i for i, t in enumerate(network.terms)}
        labels = dict(zip((t["topic"] for t in topics), topic_labels(topics, 2), strict=True))
        shown = sorted({network.topic[index[t]] for t in nodes})
        # tab20 keeps up to 20 topics apart (the default cycle repeats after 10).
        palette = matplotlib.colormaps["tab20" if len(labels) > 10 else "tab10"]
        colours = {k: palette(c % palette.N) for c, k in enumerate(sorted(labels))}
        for u, v, data in graph.edges(data=True):
            (x0, y0), (x1, y1) = position[u], position[v]
            ax.plot([x0, x1], [y0, y1], color="0.6", linewidth=0.5 + 4 * data["weight"],
                    zorder=1)
        for k in shown:
            members = [t for t in nodes if network.topic[index[t]] == k]
            ax.scatter([position[t][0] for t in members], [position[t][1] for t in members],
                       s=[40 + 600 * network.n_docs[index[t]] / max(network.n_docs)
                          for t in members],
                       color=colours[k], alpha=0.8, zorder=2, label=labels.get(k, f"T{k}"),
                       edgecolors="white")
        for t in nodes:
            x, y = position[t]
            ax.annotate(t, (x, y), fontsize=9, ha="center", va="center", zorder=3)
        ax.legend(loc="upper left", bbox_to_anchor=(1, 1), fontsize=8, frameon=False,
                  title="主なトピック", markerscale=0.5)
        ax.margins(0.08)
    return fig


@dataclass(frozen=True)
class Correspondence:
    """Principal coordinates of rows and columns on the first two axes, and their shares of
    the inertia."""

    rows: pd.DataFrame  # index: row labels; columns dim1, dim2
    columns: pd.DataFrame
    explained: tuple[float, float]


def correspondence_analysis(table: pd.DataFrame) -> Correspondence:
    """Correspondence analysis of a contingency table (rows × columns of counts) by SVD of
    the standardized residuals (Greenacre 2007); signs fixed so the largest column loading of
    each axis is positive, for repeatable charts."""
    n = table.to_numpy(dtype=float)
    p = n / n.sum()
    r, c = p.sum(axis=1), p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    for k in range(len(sigma)):
        if vt[k, np.argmax(np.abs(vt[k]))] < 0:
            u[:, k], vt[k] = -u[:, k], -vt[k]
    rows = (u / np.sqrt(r)[:, None]) * sigma
    cols = (vt.T / np.sqrt(c)[:, None]) * sigma
    inertia = sigma ** 2
    share = inertia / inertia.sum() if inertia.sum() > 0 else inertia
    dims = ["dim1", "dim2"]
    return Correspondence(
        rows=pd.DataFrame(rows[:, :2], index=table.index, columns=dims),
        columns=pd.DataFrame(cols[:, :2], index=table.columns, columns=dims),
        explained=(float(share[0]), float(share[1])))


def speaker_term_table(doc_terms: Sequence[Sequence[str]], speakers: Sequence[str],
                       min_tokens: int, n_speakers: int = N_CA_SPEAKERS,
                       n_terms: int = N_CA_TERMS) -> pd.DataFrame:
    """Speakers (the n_speakers with most terms, at least min_tokens; or any rows named per
    document, an empty name left out) × their n_terms most used terms: counts. Empty when
    fewer than three of either remain."""
    # Counted from codes, by blocks of documents on the stage's executor
    # (network_counts.py), not by a crosstab of every (speaker, term) token: pandas
    # aggregates each of its cells in Python, half the stage's time on 100k documents.
    return term_table_of(tally_terms(doc_terms, speakers), min_tokens, n_speakers, n_terms)


def term_table_of(tally: Tally, min_tokens: int, n_speakers: int = N_CA_SPEAKERS,
                  n_terms: int = N_CA_TERMS) -> pd.DataFrame:
    """speaker_term_table from the counts of rows (labels) × terms."""
    if not tally.cells.sum():
        return pd.DataFrame()
    names, vocabulary = tally.labels, tally.terms
    sizes = np.asarray(tally.cells.sum(axis=1)).ravel()
    keep = sorted((i for i in range(len(names)) if sizes[i] >= min_tokens and names[i]),
                  key=lambda i: (-sizes[i], names[i]))[:n_speakers]
    totals = np.asarray(tally.cells[keep].sum(axis=0)).ravel()
    terms = sorted(np.flatnonzero(totals).tolist(),
                   key=lambda t: (-totals[t], vocabulary[t]))[:n_terms]
    counts = tally.cells[keep][:, terms].toarray().astype(np.int64)
    table = pd.DataFrame(counts, index=pd.Index([names[i] for i in keep], name="speaker"),
                         columns=pd.Index([vocabulary[t] for t in terms], name="term"))
    table = table.loc[table.sum(axis=1) > 0]
    if table.shape[0] < 3 or table.shape[1] < 3:
        return pd.DataFrame()
    return table.sort_index().sort_index(axis=1)




def ca_biplot(table: pd.DataFrame, rows: str = "speaker") -> Figure:
    """Rows (speakers, meetings or groups) and terms on the first two axes of a
    correspondence analysis: a row lies near the terms it uses more than the others do.
    A point far out is drawn at the frame's edge as a triangle pointing its way, and labels
    are pushed apart (layout.py). A sentence instead when too few rows remain."""
    kind = attribute_title(rows)  # 話者, 会議, 会派 (group), or an attribute as named
    with japanese_style():
        fig = Figure(figsize=(10, 8), layout="constrained")
        ax = fig.subplots()
        ax.set_title(f"対応分析: {kind} × 語（近い{kind}と語ほど、その{kind}に特徴的な語）")
        if table.empty:
            ax.set_axis_off()
            unit = "人" if rows == "speaker" else "つ"
            ax.text(0.5, 0.5, f"対応分析には、十分な発言量の{kind}が 3 {unit}以上必要です",
                    ha="center", va="center", transform=ax.transAxes)
            return fig
        ca = correspondence_analysis(table)
        points = np.vstack([ca.columns.to_numpy(), ca.rows.to_numpy()])
        frame = robust_frame(points)
        x0, y0, x1, y1 = frame.box
        mx, my = (x1 - x0) * 0.04 or 0.1, (y1 - y0) * 0.04 or 0.1
        ax.set_xlim(x0 - mx, x1 + mx)
        ax.set_ylim(y0 - my, y1 + my)
        ax.axhline(0, color="0.8", linewidth=0.8, zorder=0)
        ax.axvline(0, color="0.8", linewidth=0.8, zorder=0)
        n_terms = len(ca.columns)
        _ca_points(ax, frame, points, n_terms, kind)
        labels = [*_ca_term_labels(ca.columns, frame.xy[:n_terms]),
                  *((str(name), frame.xy[n_terms + i], "C3", 10)
                    for i, name in enumerate(ca.rows.index))]
        ax.set_xlabel(f"成分 1（慣性の {ca.explained[0]:.0%}）")
        ax.set_ylabel(f"成分 2（慣性の {ca.explained[1]:.0%}）")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9, frameon=False)
        # Last: the labels are placed on the figure as laid out, legend and titles included.
        place_labels(fig, ax, labels, frame.xy)
    return fig


def _ca_points(ax, frame: Framed, points: np.ndarray, n_terms: int, kind: str) -> None:
    """Terms (dots) and rows (squares); a clipped one as a triangle pointing to where it is."""
    inside = ~frame.outside
    for part, style in ((slice(0, n_terms), {"s": 14, "color": "C0", "alpha": 0.6,
                                             "marker": "o", "label": "語"}),
                        (slice(n_terms, None), {"s": 40, "color": "C3", "marker": "s",
                                                "label": kind})):
        xy, keep = frame.xy[part], inside[part]
        ax.scatter(xy[keep, 0], xy[keep, 1], zorder=2, **style)
    if frame.outside.any():
        for i in np.flatnonzero(frame.outside):
            dx, dy = points[i] - frame.xy[i]
            marker = (">" if dx > 0 else "<") if abs(dx) >= abs(dy) else ("^" if dy > 0 else "v")
            ax.scatter(*frame.xy[i], s=90, marker=marker, color="C0" if i < n_terms else "C3",
                       edgecolors="black", linewidths=0.8, zorder=3, clip_on=False)
        ax.scatter([], [], s=60, marker=">", color="white", edgecolors="black",
                   label="枠の外（遠い点を縁に、向きの先にある）")


def _ca_term_labels(columns: pd.DataFrame, xy: np.ndarray) -> list[tuple[str, np.ndarray,
                                                                         str, int]]:
    """Terms at one point (used by one row alone, on a small table) share a label."""
    at: dict[tuple[float, float], list[int]] = {}
    for i, (x, y) in enumerate(columns.to_numpy()):
        at.setdefault((round(float(x), 3), round(float(y), 3)), []).append(i)
    out = []
    for members in at.values():
        names = [str(columns.index[i]) for i in members]
        label = "・".join(names[:4]) + (f" 他{len(names) - 4}語" if len(names) > 4 else "")
        out.append((label, xy[members[0]], "C0", 8))
    return out


def place_labels(fig: Figure, ax, labels: list[tuple[str, np.ndarray, str, int]],
                 markers: np.ndarray) -> None:
    """Labels (text, anchor in data units, colour, size) drawn beside their points and pushed
    apart until none overprints another or a marker; one moved away from its point gets a
    thin line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    texts = [ax.text(*anchor, text, color=colour, fontsize=size, ha="center", va="center",
                     zorder=4) for text, anchor, colour, size in labels]
    canvas = FigureCanvasAgg(fig)
    # Lays the figure out, so the sizes and the axes' place are final; nothing is painted
    # (the PNG is drawn when saved), which was half of this draw's time.
    fig.draw_without_rendering()
    renderer = canvas.get_renderer()
    to_screen = ax.transData
    anchors = to_screen.transform(np.array([a for _, a, _, _ in labels]).reshape(-1, 2))
    sizes = np.array([[e.width + 4, e.height + 2] for e in
                      (t.get_window_extent(renderer) for t in texts)]).reshape(-1, 2)
    start = anchors + np.column_stack([sizes[:, 0] / 2 + 4, np.zeros(len(sizes))])
    bounds = ax.get_window_extent(renderer)
    dots = to_screen.transform(markers)
    centres = repel(start, sizes, (bounds.x0, bounds.y0, bounds.x1, bounds.y1),
                    np.column_stack([dots, np.full((len(dots), 2), 9.0)]))
    for text, anchor, centre, size in zip(texts, anchors, centres, sizes, strict=True):
        text.set_position(to_screen.inverted().transform(centre))
        if np.abs(centre - anchor).max() > size.max() / 2 + 8:
            near = np.clip(anchor, centre - size / 2, centre + size / 2)
            line = to_screen.inverted().transform(np.array([anchor, near]))
            ax.plot(line[:, 0], line[:, 1], color="0.6", linewidth=0.5, zorder=1)
