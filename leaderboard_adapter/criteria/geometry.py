"""Planar geometry for the criteria: segment crossing and scenario_runner's axis-aligned trigger test.

Frame: CARLA world (x east, y south, yaw in degrees clockwise seen from above, heading
vector (cos yaw, sin yaw)). Box corners and the oriented-box overlap live in
`leaderboard_adapter.geometry` (radians).
"""

from __future__ import annotations


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
