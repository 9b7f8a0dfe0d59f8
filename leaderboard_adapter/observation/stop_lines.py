"""Where a dense route crosses signal stop lines: the arc length of every crossing of a stop-line pose.

A stop-line pose (`TrafficLightInfo.stop_line`, `StopSignInfo.stop_line`) is the centre of a
governed lane at its stop line, facing the direction of travel. The route crosses it between
route points i and i+1 when the points' signed distance along the pose's direction goes from
negative to non-negative, the crossing (linearly interpolated) lies within `max_lateral_m` of
the lane centre, and the route's direction there agrees with the pose's yaw within
`max_heading_deg`. World frame (CARLA, left-handed), metres, degrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leaderboard_adapter.geometry import wrap_deg_up_to_180
from leaderboard_adapter.world_view import Pose2D

MAX_LATERAL_M = 2.0
"""Largest lateral offset of the crossing from the stop-line pose (about half a lane width) [m]."""
MAX_HEADING_DEG = 30.0
"""Largest difference between the route's direction and the pose's yaw at the crossing [deg]."""
MIN_SEPARATION_M = 10.0
"""Crossings of one signal closer than this along the route are one passage (the first is kept) [m]."""


@dataclass(frozen=True)
class SignalCrossing:
    """The route passing one signal's stop line: signal id, arc length of the crossing [m], first route point after it."""

    signal_id: int
    s_m: float
    route_index: int


def pose_crossings(
    xy_m: np.ndarray,
    yaw_deg: np.ndarray,
    cum_s_m: np.ndarray,
    pose: Pose2D,
    max_lateral_m: float = MAX_LATERAL_M,
    max_heading_deg: float = MAX_HEADING_DEG,
) -> list[tuple[float, int]]:
    """Every crossing of one stop-line pose by the route, in route order: (arc length [m], index of the point after it)."""
    if len(xy_m) < 2:
        return []
    yaw = math.radians(pose.yaw_deg)
    fx, fy = math.cos(yaw), math.sin(yaw)
    dx = xy_m[:, 0] - pose.x_m
    dy = xy_m[:, 1] - pose.y_m
    lon = dx * fx + dy * fy
    lat = -dx * fy + dy * fx
    cand = np.flatnonzero((lon[:-1] < 0.0) & (lon[1:] >= 0.0))
    if cand.size == 0:
        return []
    t = -lon[cand] / (lon[cand + 1] - lon[cand])
    lat_c = lat[cand] + t * (lat[cand + 1] - lat[cand])
    step = xy_m[cand + 1] - xy_m[cand]
    direction = np.degrees(np.arctan2(step[:, 1], step[:, 0]))
    direction = np.where(np.hypot(step[:, 0], step[:, 1]) > 1e-6, direction, yaw_deg[cand + 1])
    ok = (np.abs(lat_c) <= max_lateral_m) & (np.abs(wrap_deg_up_to_180(direction - pose.yaw_deg)) <= max_heading_deg)
    s_c = cum_s_m[cand] + t * (cum_s_m[cand + 1] - cum_s_m[cand])
    return [(float(s), int(i) + 1) for s, i in zip(s_c[ok], cand[ok], strict=True)]


def signal_crossings(
    xy_m: np.ndarray,
    yaw_deg: np.ndarray,
    cum_s_m: np.ndarray,
    signals: Sequence[tuple[int, Sequence[Pose2D]]],
    min_separation_m: float = MIN_SEPARATION_M,
) -> tuple[SignalCrossing, ...]:
    """Every passage of the route over a stop line of the given (signal id, stop-line poses), sorted by arc length."""
    out: list[SignalCrossing] = []
    for signal_id, poses in signals:
        found = sorted(c for pose in poses for c in pose_crossings(xy_m, yaw_deg, cum_s_m, pose))
        last_s = -math.inf
        for s_m, index in found:
            if s_m - last_s >= min_separation_m:
                out.append(SignalCrossing(int(signal_id), s_m, index))
                last_s = s_m
    out.sort(key=lambda c: (c.s_m, c.signal_id))
    return tuple(out)
