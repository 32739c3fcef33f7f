"""Maps that survive outliers: a frame fitted to the bulk of the points (an outlier is drawn
at the frame's edge and flagged), and labels pushed apart until they do not overprint.

The frame rule (per axis, on all points together): a point is an outlier if it lies farther
from the median than `FENCE` (5) robust spreads (the median absolute deviation scaled to a
standard deviation, 1.4826·MAD) and than the `KEEP` (90%) quantile of the distances from the
median plus half of it: a cluster that holds a tenth of the points is never cut off, one
speaker or topic far from the rest is. The frame is fitted to the points that are not
outliers; the outliers are clipped to its edge and drawn with a marker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FENCE = 5.0
KEEP = 0.9


@dataclass(frozen=True)
class Framed:
    """Points with the outliers clipped to the frame fitted to the others."""

    xy: np.ndarray  # n × 2, in the data's units
    outside: np.ndarray  # n, bool: clipped to the frame's edge
    box: tuple[float, float, float, float]  # x0, y0, x1, y1: the frame


def outliers(values: np.ndarray, fence: float = FENCE, keep: float = KEEP) -> np.ndarray:
    """Which values are far out, by the module's rule."""
    if len(values) < 4:
        return np.zeros(len(values), dtype=bool)
    distance = np.abs(values - np.median(values))
    spread = 1.4826 * np.median(distance)
    limit = max(fence * spread, 1.5 * float(np.quantile(distance, keep)))
    return distance > limit + 1e-12


def robust_frame(points: np.ndarray) -> Framed:
    """The frame of the points that are not outliers (on either axis), and every point
    clipped to it."""
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    if not len(points):
        return Framed(points, np.zeros(0, dtype=bool), (-1.0, -1.0, 1.0, 1.0))
    outside = outliers(points[:, 0]) | outliers(points[:, 1])
    inner = points[~outside]
    low, high = inner.min(axis=0), inner.max(axis=0)
    return Framed(np.clip(points, low, high), outside,
                  (float(low[0]), float(low[1]), float(high[0]), float(high[1])))


def to_square(xy: np.ndarray, box: tuple[float, float, float, float], size: float,
              pad: float) -> np.ndarray:
    """Points of a frame drawn in a size × size square with a margin of pad, one scale for
    both axes (distances keep their meaning), centred, y upwards as on paper."""
    x0, y0, x1, y1 = box
    scale = (size - 2 * pad) / max(x1 - x0, y1 - y0, 1e-12)
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    out = (np.asarray(xy, dtype=float) - centre) * scale
    return np.column_stack([size / 2 + out[:, 0], size / 2 - out[:, 1]])


def overlaps(boxes: np.ndarray) -> np.ndarray:
    """Overlap areas of every pair of boxes (x0, y0, x1, y1), as an n × n matrix, 0 on the
    diagonal."""
    x = np.minimum(boxes[:, None, 2], boxes[None, :, 2]) - np.maximum(boxes[:, None, 0],
                                                                      boxes[None, :, 0])
    y = np.minimum(boxes[:, None, 3], boxes[None, :, 3]) - np.maximum(boxes[:, None, 1],
                                                                      boxes[None, :, 1])
    area = np.clip(x, 0, None) * np.clip(y, 0, None)
    np.fill_diagonal(area, 0)
    return area


def _push_apart(centre: np.ndarray, half: np.ndarray, other: np.ndarray,
                other_half: np.ndarray, stuck: np.ndarray) -> tuple[np.ndarray, bool]:
    """How far to move each box off the others it overlaps, along the axis where the overlap
    is less unless the box is stuck against the bounds on that axis (stuck: n × 2). With
    other the boxes themselves, each of a pair moves half."""
    same = other is centre
    delta = centre[:, None, :] - other[None, :, :]
    overlap = half[:, None, :] + other_half[None, :, :] - np.abs(delta)
    hit = (overlap[..., 0] > 0) & (overlap[..., 1] > 0)
    if same:
        np.fill_diagonal(hit, False)
    if not hit.any():
        return np.zeros_like(centre), False
    axis = (overlap[..., 1] < overlap[..., 0]).astype(int)
    blocked = np.take_along_axis(np.broadcast_to(stuck[:, None, :], overlap.shape),
                                 axis[..., None], axis=2)[..., 0]
    axis = np.where(blocked, 1 - axis, axis)
    sign = np.sign(np.take_along_axis(delta, axis[..., None], axis=2)[..., 0])
    # An exact tie in position is broken by index, so the result is repeatable.
    order = np.arange(len(centre))
    tie = np.sign(order[:, None] - order[None, :] + 0.5) if same else np.ones_like(sign)
    sign = np.where(sign == 0, tie, sign)
    amount = np.take_along_axis(overlap, axis[..., None], axis=2)[..., 0] + 0.5
    amount = amount * (0.5 if same else 1.0)
    push = np.zeros_like(centre)
    for ax in (0, 1):
        push[:, ax] = np.where(hit & (axis == ax), sign * amount, 0).sum(axis=1) * 0.5
    return push, True


def repel(anchors: np.ndarray, sizes: np.ndarray, bounds: tuple[float, float, float, float],
          obstacles: np.ndarray | None = None, n_iter: int = 800) -> np.ndarray:
    """Centres of label boxes (sizes: n × (width, height)) placed near their anchors, inside
    bounds (x0, y0, x1, y1), overlapping neither each other nor the obstacles (m × (x, y, w,
    h), centres and sizes: the points' markers): overlapping boxes are pushed apart along
    the axis where they overlap less, a little each round. Deterministic."""
    centre = np.asarray(anchors, dtype=float).reshape(-1, 2)
    half = np.asarray(sizes, dtype=float).reshape(-1, 2) / 2
    low = np.array(bounds[:2]) + half
    high = np.maximum(np.array(bounds[2:]) - half, low)
    fixed = np.zeros((0, 4)) if obstacles is None else np.asarray(obstacles, float).reshape(-1, 4)
    centre = np.clip(centre, low, high)
    # Off the markers too in the first half; then labels apart only, which matters most (in a
    # dense pile there may be no free place beside every marker).
    for step in range(n_iter):
        stuck = (centre <= low + 0.5) | (centre >= high - 0.5)
        apart, crowded = _push_apart(centre, half, centre, half, stuck)
        away, blocked = (_push_apart(centre, half, fixed[:, :2], fixed[:, 2:] / 2, stuck)
                         if step < n_iter // 2 else (apart * 0, False))
        if not crowded and not blocked:
            break
        centre = np.clip(centre + apart + away, low, high)
    return centre
