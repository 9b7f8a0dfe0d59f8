"""Where NPCs stop before a junction: behind the swing of turns too tight for a car to follow.

A junction lane curving tighter than a car's turning circle (wheelbase / tan(max steer), 4.9 m
for the MKZ) cannot be followed: the car swings wide of it, over the ground in front of another
approach's stop line. Road design sets such stop lines back; here each junction lane gets a
setback [m]: how much further back than usual (`TrafficParams.stop_line_idm.min_gap_m` before the lane's
entry) an NPC entering it waits, so that the largest NPC standing there is clear of every such
swing from another entry of the junction (0 where none reaches it).

The swing is rolled out once per tight lane (world frame, metres): a kinematic bicycle of the
ego's size and steering lock steered by pure pursuit along the lane and on past its exit.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import shapely

from leaderboard_adapter.embedded.ego import EgoParams
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.geometry import box_corners
from leaderboard_adapter.roads.lane_graph import LaneGraph

#: the largest NPC (length, width) [m] that must stand clear
WAITING_CAR_M = (5.10, 2.20)
#: pure-pursuit look-ahead while turning [m], roll-out step [m], straight run-out past the exit [m]
_LOOKAHEAD_M = 3.0
_STEP_M = 0.25
_RUN_OUT_M = 6.0
#: setbacks tried, in this step [m], up to this many metres
_SETBACK_STEP_M = 0.5
_MAX_EXTRA_M = 6.0
_SAME_ENTRY_M = 0.5


def _tightest_radius_m(points: np.ndarray) -> float:
    """The smallest radius [m] of a polyline (N, 2), over chords of about 1 m."""
    if len(points) < 3:
        return math.inf
    seg = np.diff(points, axis=0)
    ds = np.hypot(seg[:, 0], seg[:, 1])
    heading = np.unwrap(np.arctan2(seg[:, 1], seg[:, 0]))
    s = np.concatenate([[0.0], np.cumsum(ds)])[:-1]
    ahead = np.searchsorted(s, s + 1.0).clip(max=len(s) - 1)
    turn = np.abs(heading[ahead] - heading)
    span = s[ahead] - s
    valid = span > 0.5
    if not valid.any():
        return math.inf
    curvature = (turn[valid] / span[valid]).max()
    return 1.0 / curvature if curvature > 0 else math.inf


def swept_ground(points: np.ndarray, ego: EgoParams) -> shapely.Geometry:
    """The ground (world frame) a car of the ego's size covers following the polyline `points` (N, 2)
    by pure pursuit within its steering lock, from the first point to `_RUN_OUT_M` past the last
    (repeated points are dropped; fewer than two distinct ones cover no ground)."""
    step = np.hypot(*np.diff(points, axis=0).T)
    points = points[np.concatenate([[True], step > 1e-6])]
    if len(points) < 2:
        return shapely.Polygon()
    exit_dir = points[-1] - points[-2]
    exit_dir = exit_dir / max(float(np.hypot(*exit_dir)), 1e-9)
    path = np.vstack([points, points[-1] + exit_dir * _RUN_OUT_M])
    seg = np.diff(path, axis=0)
    s_path = np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])
    k_max = math.tan(math.radians(ego.max_steer_deg)) / ego.wheelbase_m
    x, y = float(path[0, 0]), float(path[0, 1])
    h = math.atan2(float(seg[0, 1]), float(seg[0, 0]))
    poses = []
    for _ in range(int(s_path[-1] / _STEP_M)):
        # aim one look-ahead beyond the path point nearest to the car
        near = int(np.argmin(np.hypot(path[:, 0] - x, path[:, 1] - y)))
        aim_s = min(s_path[near] + _LOOKAHEAD_M, s_path[-1])
        dx = float(np.interp(aim_s, s_path, path[:, 0])) - x
        dy = float(np.interp(aim_s, s_path, path[:, 1])) - y
        lateral = -math.sin(h) * dx + math.cos(h) * dy
        k = min(max(2.0 * lateral / max(dx * dx + dy * dy, 1e-6), -k_max), k_max)
        x += _STEP_M * math.cos(h + 0.5 * k * _STEP_M)
        y += _STEP_M * math.sin(h + 0.5 * k * _STEP_M)
        h += k * _STEP_M
        poses.append((x, y, h))
    px, py, pyaw = np.array(poses).T
    corners = box_corners(px, py, pyaw, ego.length_m, ego.width_m)
    return shapely.union_all(shapely.polygons(corners))


def _car_box(centre: np.ndarray, yaw_rad: float, size_m: tuple[float, float]) -> shapely.Geometry:
    return shapely.Polygon(box_corners(centre[0], centre[1], yaw_rad, size_m[0], size_m[1]))


@functools.lru_cache(maxsize=16)
def stop_setbacks_m(graph: LaneGraph, default_gap_m: float, ego: EgoParams) -> np.ndarray:
    """Per segment of `graph`: how much further back [m] than `default_gap_m` before its entry an NPC
    about to enter it (a junction lane) waits; 0 for most. Read-only, computed once per lane graph
    (every world of a town shares it)."""
    network = DrivingNetwork(graph)
    setback = np.zeros(network.count)
    r_min = ego.wheelbase_m / math.tan(math.radians(ego.max_steer_deg))
    lanes = np.flatnonzero(network.is_junction & network.is_canonical)
    points = {int(i): network.graph.points(int(i))[:, :2] for i in lanes}
    tight = [i for i in points if len(points[i]) >= 3 and _tightest_radius_m(points[i]) < r_min]
    swings = {i: swept_ground(points[i], ego) for i in tight}
    length = WAITING_CAR_M[0]
    extras = np.arange(0.0, _MAX_EXTRA_M + 1e-9, _SETBACK_STEP_M)
    for lane in lanes:
        entry = network.entry_xy[lane]
        others = [
            swing
            for t, swing in swings.items()
            if network.junction_id[t] == network.junction_id[lane]
            and np.hypot(*(network.entry_xy[t] - entry)) >= _SAME_ENTRY_M
        ]
        if not others:
            continue
        yaw = math.radians(float(network.entry_yaw_deg[lane]))
        back = np.array([math.cos(yaw), math.sin(yaw)])
        for extra in extras:
            centre = entry - back * (default_gap_m + extra + 0.5 * length)
            car = _car_box(centre, yaw, WAITING_CAR_M)
            if not any(car.intersects(swing) for swing in others):
                break
        setback[lane] = extra
    setback.flags.writeable = False
    return setback
