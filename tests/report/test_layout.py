"""Tests for pipeline/report/layout.py and the views that use it: an outlier is clipped to the
frame and flagged, a cluster is not; labels do not overprint (CA biplot, topic map)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg

from pipeline.report.layout import outliers, overlaps, repel, robust_frame
from pipeline.report.networks import ca_biplot
from pipeline.report.workbench import MAP_PAD, MAP_SIZE, map_layout

TOLERANCE = 1.0  # px² of overlap allowed between two label boxes


def test_one_far_point_is_clipped_and_a_cluster_is_kept():
    rng = np.random.default_rng(0)
    bulk = rng.normal(0, 1, size=(60, 2))
    cluster = rng.normal(0, 0.2, size=(8, 2)) + [0, -6]  # an eighth of the points, far down
    points = np.vstack([bulk, cluster, [[40.0, 30.0]]])
    frame = robust_frame(points)
    assert frame.outside.tolist() == [False] * 68 + [True]
    x0, y0, x1, y1 = frame.box
    assert x1 < 5 and y0 < -5  # fitted to the bulk and the cluster, not to the outlier
    assert frame.xy[-1].tolist() == [x1, y1]  # drawn at the edge, towards where it lies
    assert np.array_equal(frame.xy[:-1], points[:-1])
    assert not outliers(np.array([0.0, 1, 2, 3, 4, 5])).any()


def test_labels_are_pushed_apart_inside_the_bounds():
    anchors = np.array([[50.0, 50.0]] * 12 + [[95.0, 95.0]] * 3)
    sizes = np.array([[20.0, 8.0]] * 15)
    centres = repel(anchors, sizes, (0, 0, 100, 100))
    boxes = np.hstack([centres - sizes / 2, centres + sizes / 2])
    assert overlaps(boxes).max() <= TOLERANCE
    assert boxes.min() >= 0 and boxes.max() <= 100
    assert np.array_equal(centres, repel(anchors, sizes, (0, 0, 100, 100)))  # repeatable


def ca_table() -> pd.DataFrame:
    """30 speakers much alike, one far out with words of their own (the Diet case)."""
    rng = np.random.default_rng(1)
    terms = [f"語{i}" for i in range(40)]
    counts = rng.poisson(20, size=(30, 40))
    counts[:, 36:] = 0
    counts[29] = 0
    counts[29, 36:] = 50  # speaker 29 uses only the last four words, nobody else does
    counts[29, 0] = 5
    return pd.DataFrame(counts, index=[f"話者{i:02d}さん" for i in range(30)], columns=terms)


def drawn_labels(fig):
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_text()]
    boxes = np.array([[b.x0, b.y0, b.x1, b.y1] for b in
                      (t.get_window_extent(renderer) for t in texts)])
    return ax, texts, boxes, ax.get_window_extent(renderer)


def test_ca_labels_do_not_overprint_and_the_outlier_is_inside_the_frame():
    ax, texts, boxes, frame = drawn_labels(ca_biplot(ca_table()))
    assert len(texts) >= 30 + 3
    overlap = overlaps(boxes)
    assert overlap.max() <= TOLERANCE, overlap.max()
    assert boxes[:, 0].min() >= frame.x0 - 1 and boxes[:, 2].max() <= frame.x1 + 1
    assert boxes[:, 1].min() >= frame.y0 - 1 and boxes[:, 3].max() <= frame.y1 + 1
    # The far speaker is a triangle on the frame's edge, within the axes' limits.
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    triangles = [c for c in ax.collections if len(c.get_offsets()) == 1
                 and c.get_sizes()[0] == 90]
    assert triangles
    for c in triangles:
        x, y = c.get_offsets()[0]
        assert x_lo <= x <= x_hi and y_lo <= y <= y_hi
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("枠の外" in t for t in legend)


def test_ca_rows_can_be_groups():
    fig = ca_biplot(ca_table(), rows="group")
    assert "会派 × 語" in fig.axes[0].get_title()  # group, named as a reader calls it
    assert "会議 × 語" in ca_biplot(ca_table(), rows="meeting").axes[0].get_title()


def test_the_topic_map_puts_a_far_topic_at_the_edge_and_every_number_apart():
    rng = np.random.default_rng(2)
    xy = rng.normal(0, 0.05, size=(8, 2))
    rows = [{"topic": i + 1, "label": f"T{i + 1}", "prevalence": 0.12, "x": x, "y": y,
             "procedural": False} for i, (x, y) in enumerate(xy)]
    rows.append({"topic": 9, "label": "小さい", "prevalence": 0.001, "x": 3.0, "y": 0.0,
                 "procedural": False})
    laid = map_layout(rows)
    assert [t["outside"] for t in laid] == [False] * 8 + [True]
    assert laid[-1]["cx"] == MAP_SIZE - MAP_PAD and laid[-1]["toward"] == [1.0, 0.0]
    inner = np.array([[t["cx"], t["cy"]] for t in laid[:-1]])
    # The eight others spread over the map instead of sitting in a pile.
    assert np.ptp(inner, axis=0).max() >= MAP_SIZE - 2 * MAP_PAD - 1
    sizes = np.array([[7.5 * len(str(t["topic"])) + 4, 15.0] for t in laid])
    centres = np.array([[t["lx"], t["ly"]] for t in laid])
    assert overlaps(np.hstack([centres - sizes / 2, centres + sizes / 2])).max() <= TOLERANCE
