"""Dense routes made by following the driving network (for tests, benchmarks and quick runs)."""

from __future__ import annotations

import numpy as np

from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.geometry import wrap_deg
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint

_TURN_DEG = 30.0


def route_along_lanes(
    network: DrivingNetwork,
    start_segment: int,
    length_m: float,
    rng: np.random.Generator | None = None,
    start_s_m: float = 0.0,
) -> list[RoutePoint]:
    """About `length_m` of route points (the graph's spacing) from arc length `start_s_m` of `start_segment`.

    At each fork the successor is drawn from `rng`, or the straightest one when `rng` is None.
    Junction lanes get LEFT/RIGHT/STRAIGHT from their heading change (yaw grows clockwise,
    so a right turn raises it), other lanes LANEFOLLOW.
    """
    if length_m <= 0:
        raise ValueError(f"length_m must be positive, got {length_m}")
    g = network.graph
    seg = int(network.canonical[start_segment])
    points: list[RoutePoint] = []
    total = 0.0
    while True:
        pts = g.points(seg)
        option = _option(network, seg, pts)
        if points:
            start = 1
        else:
            start = int(np.searchsorted(g.s_m[g.segments[seg].first : g.segments[seg].stop], start_s_m))
            start = min(start, len(pts) - 1)
        z = g.z_m[g.segments[seg].first : g.segments[seg].stop]
        for (x, y, yaw), zz in zip(pts[start:], z[start:], strict=True):
            if points:
                total += float(np.hypot(x - points[-1].x_m, y - points[-1].y_m))
            points.append(RoutePoint(float(x), float(y), float(zz), float(yaw), option))
        count = network.successor_count[seg]
        if total >= length_m or count == 0:
            return points
        succ = network.successors[seg, :count]
        if rng is not None:
            seg = int(succ[rng.integers(0, count)])
        else:
            turn = [abs(_turn_deg(g.points(int(s)))) for s in succ]
            seg = int(succ[int(np.argmin(turn))])


def _turn_deg(pts: np.ndarray) -> float:
    return float(wrap_deg(pts[-1, 2] - pts[0, 2]))


def _option(network: DrivingNetwork, seg: int, pts: np.ndarray) -> RoadOption:
    if not network.is_junction[seg]:
        return RoadOption.LANEFOLLOW
    turn = _turn_deg(pts)
    if turn > _TURN_DEG:
        return RoadOption.RIGHT
    if turn < -_TURN_DEG:
        return RoadOption.LEFT
    return RoadOption.STRAIGHT
