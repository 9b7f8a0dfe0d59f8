"""Planar geometry for the criteria: box corners, one-vs-many oriented-box overlap (SAT), segment crossing.

Frame: CARLA world (x east, y south, yaw in degrees clockwise seen from above, heading
vector (cos yaw, sin yaw)). Boxes are given by centre, yaw and full length/width [m].
"""

from __future__ import annotations

import numpy as np

_CORNER_SIGNS = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]])


def box_corners(x_m, y_m, yaw_deg, length_m, width_m) -> np.ndarray:
    """Corners of boxes, shape (..., 4, 2), in order front-right, front-left, rear-left, rear-right.

    Inputs broadcast together (scalars or arrays of shape (N,)).
    """
    yaw = np.radians(np.asarray(yaw_deg, dtype=float))
    c, s = np.cos(yaw)[..., None], np.sin(yaw)[..., None]
    half_l = (np.asarray(length_m, dtype=float) / 2.0)[..., None] * _CORNER_SIGNS[:, 0]
    half_w = (np.asarray(width_m, dtype=float) / 2.0)[..., None] * _CORNER_SIGNS[:, 1]
    # Local (lon, lat) -> world: x = cx + lon*c - lat*s, y = cy + lon*s + lat*c (lat towards +y of the box).
    xs = np.asarray(x_m, dtype=float)[..., None] + half_l * c - half_w * s
    ys = np.asarray(y_m, dtype=float)[..., None] + half_l * s + half_w * c
    return np.stack([xs, ys], axis=-1)


def obb_overlap_one_vs_many(
    x_m: float,
    y_m: float,
    yaw_deg: float,
    length_m: float,
    width_m: float,
    xs_m: np.ndarray,
    ys_m: np.ndarray,
    yaws_deg: np.ndarray,
    lengths_m: np.ndarray,
    widths_m: np.ndarray,
) -> np.ndarray:
    """Whether one oriented box overlaps each of N boxes (separating axis theorem), shape (N,) bool.

    Touching boxes (zero gap) count as overlapping.
    """
    yaw_a = np.radians(yaw_deg)
    ax, ay = np.cos(yaw_a), np.sin(yaw_a)  # box A heading; its lateral axis is (-ay, ax)
    yaw_b = np.radians(yaws_deg)
    bx, by = np.cos(yaw_b), np.sin(yaw_b)
    hla, hwa = length_m / 2.0, width_m / 2.0
    hlb, hwb = lengths_m / 2.0, widths_m / 2.0
    dx, dy = xs_m - x_m, ys_m - y_m
    # Cosines between A's and B's axes.
    c_ff = np.abs(ax * bx + ay * by)  # A fwd . B fwd == A lat . B lat
    c_fl = np.abs(-ax * by + ay * bx)  # A fwd . B lat == A lat . B fwd (in magnitude)
    sep = np.abs(dx * ax + dy * ay) > hla + hlb * c_ff + hwb * c_fl
    sep |= np.abs(-dx * ay + dy * ax) > hwa + hlb * c_fl + hwb * c_ff
    sep |= np.abs(dx * bx + dy * by) > hlb + hla * c_ff + hwa * c_fl
    sep |= np.abs(-dx * by + dy * bx) > hwb + hla * c_fl + hwa * c_ff
    return ~sep


def _orientation(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> float:
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


def _on_segment(ax: float, ay: float, bx: float, by: float, px: float, py: float) -> bool:
    return min(ax, bx) <= px <= max(ax, bx) and min(ay, by) <= py <= max(ay, by)


def segments_intersect(
    p1: tuple[float, float], p2: tuple[float, float], q1: tuple[float, float], q2: tuple[float, float]
) -> bool:
    """Whether segments p1-p2 and q1-q2 share a point (touching counts, as shapely's non-empty intersection)."""
    o1 = _orientation(*p1, *p2, *q1)
    o2 = _orientation(*p1, *p2, *q2)
    o3 = _orientation(*q1, *q2, *p1)
    o4 = _orientation(*q1, *q2, *p2)
    if ((o1 > 0 and o2 < 0) or (o1 < 0 and o2 > 0)) and ((o3 > 0 and o4 < 0) or (o3 < 0 and o4 > 0)):
        return True
    return (
        (o1 == 0 and _on_segment(*p1, *p2, *q1))
        or (o2 == 0 and _on_segment(*p1, *p2, *q2))
        or (o3 == 0 and _on_segment(*q1, *q2, *p1))
        or (o4 == 0 and _on_segment(*q1, *q2, *p2))
    )


def point_in_axis_aligned_box(
    px: float, py: float, cx: float, cy: float, half_x: float, half_y: float, multiplier: float = 1.0
) -> bool:
    """Strictly inside the world-axis-aligned box centre +- multiplier * half extents.

    This is scenario_runner's `RunningStopTest.point_inside_boundingbox`, which ignores the
    trigger volume's rotation (reproduced on purpose).
    """
    hx, hy = multiplier * half_x, multiplier * half_y
    return cx - hx < px < cx + hx and cy - hy < py < cy + hy
