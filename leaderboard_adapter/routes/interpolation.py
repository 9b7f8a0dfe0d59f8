"""interpolate_trajectory: a route's sparse keypoints to the dense (about 1 m) global plan, as the leaderboard's route_manipulation.

Each consecutive keypoint pair is traced with the GlobalRoutePlanner and the traces are
concatenated (the shared point between two traces is kept once), then resampled every
`hop_resolution` metres of arc length (lane polylines end where OpenDRIVE roads end, so
raw traces have 0.5 to 2 m gaps; resampling makes the spacing uniform). Each resampled
point takes the RoadOption of the nearest traced point. GPS conversion uses the
leaderboard's Mercator formula with the town's geo reference.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence

import numpy as np

from leaderboard_adapter.geometry import wrap_deg
from leaderboard_adapter.roads.lane_graph import LaneGraph
from leaderboard_adapter.roads.towns import Town
from leaderboard_adapter.routes.route_config import RouteConfig
from leaderboard_adapter.routes.route_planner import (
    GlobalRoutePlanner,
    NoPathError,
    OffRoadError,
    RoutePlanningError,
)
from leaderboard_adapter.routes.route_point import RoutePoint

logger = logging.getLogger(__name__)

FAR_KEYPOINT_WARNING_M = 5.0
"""A keypoint further than this from its nearest driving lane is snapped to it anyway (as CARLA's
GlobalRoutePlanner, which has no limit), with a warning naming the route, keypoint and distance [m]."""

"""Equatorial Earth radius the leaderboard's GPS conversion uses [m]."""


class RouteInterpolationError(RoutePlanningError):
    """A route's keypoints cannot be joined; the message names the route and the keypoint index."""


BACKTRACK_M = 10.0
"""How far behind the route's end [m] the first points of the next leg are dropped (see `_ahead_of`)."""


@functools.lru_cache(maxsize=16)
def planner_for(town: Town, hop_resolution: float = 1.0) -> GlobalRoutePlanner:
    """The (cached) planner of a town at `hop_resolution` metres."""
    graph = (
        town.lane_graph
        if hop_resolution == 1.0
        else LaneGraph(town.map, hop_resolution, town.speed_limits_mps)
    )
    return GlobalRoutePlanner(graph, town.map)


def interpolate_trajectory(
    town: Town, keypoints: Sequence[object], hop_resolution: float = 1.0, route_id: str = "?"
) -> list[RoutePoint]:
    """Dense route points through `keypoints` (Keypoint, carla.Location or (x, y[, z])) with RoadOptions.

    Every keypoint is snapped to the nearest driving lane whatever the distance, as CARLA's
    planner does (`map.get_waypoint(location)`); one further than FAR_KEYPOINT_WARNING_M is
    logged as a warning. Raises RouteInterpolationError naming `route_id` and the keypoint index
    when a keypoint has no lane to snap to or two consecutive keypoints have no lane path between them.
    """
    if hop_resolution <= 0:
        raise ValueError(f"hop_resolution must be positive, got {hop_resolution}")
    if len(keypoints) < 2:
        raise RouteInterpolationError(f"route {route_id!r}: needs at least 2 keypoints, got {len(keypoints)}")
    planner = planner_for(town, float(hop_resolution))
    for k, point in enumerate(keypoints):
        try:
            offset_m = planner.offroad_m(point)
        except OffRoadError as exc:
            raise RouteInterpolationError(
                f"route {route_id!r} in {town.name}: keypoint {k} is off-road: {exc}"
            ) from exc
        if offset_m > FAR_KEYPOINT_WARNING_M:
            logger.warning(
                "route %r in %s: keypoint %d is %.1f m from the nearest driving lane; snapped to it as CARLA does",
                route_id, town.name, k, offset_m,
            )
    route: list[RoutePoint] = []
    for k in range(len(keypoints) - 1):
        try:
            trace = planner.trace_route(keypoints[k], keypoints[k + 1])
        except NoPathError as exc:
            raise RouteInterpolationError(
                f"route {route_id!r} in {town.name}: no path from keypoint {k} to keypoint {k + 1}: {exc}"
            ) from exc
        for point in _ahead_of(route, [p for p, _ in trace]):
            if (
                route
                and math.hypot(point.x_m - route[-1].x_m, point.y_m - route[-1].y_m) < 0.3 * hop_resolution
            ):
                continue
            route.append(point)
    return resample(route, hop_resolution)


def _ahead_of(route: Sequence[RoutePoint], leg: list[RoutePoint]) -> list[RoutePoint]:
    """`leg` without its first points that lie behind the end of `route` (within BACKTRACK_M of it).

    A lane change can end a leg up to five points past its keypoint, and the next leg starts at the
    keypoint: CARLA's concatenated route steps back there, and a route-progress window (the criteria
    test the next 2 to 5 points) can never pass a resampled step back, so the car is "off route" 30 m on.
    """
    if not route:
        return leg
    end = route[-1]
    heading = (math.cos(math.radians(end.yaw_deg)), math.sin(math.radians(end.yaw_deg)))
    first = 0
    while first < len(leg):
        dx, dy = leg[first].x_m - end.x_m, leg[first].y_m - end.y_m
        if math.hypot(dx, dy) > BACKTRACK_M or dx * heading[0] + dy * heading[1] > 0.0:
            break
        first += 1
    return leg[first:]


def resample(points: Sequence[RoutePoint], step_m: float) -> list[RoutePoint]:
    """Points every `step_m` of planar arc length along `points` (first and last kept exactly)."""
    if len(points) < 2:
        return list(points)
    xy = np.array([[p.x_m, p.y_m] for p in points])
    z = np.array([p.z_m for p in points])
    yaw = np.unwrap(np.radians([p.yaw_deg for p in points]))
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    count = max(int(round(s[-1] / step_m)), 1)
    targets = np.linspace(0.0, s[-1], count + 1)
    xs = np.interp(targets, s, xy[:, 0])
    ys = np.interp(targets, s, xy[:, 1])
    zs = np.interp(targets, s, z)
    yaws = np.degrees(np.interp(targets, s, yaw))
    yaws = wrap_deg(yaws)
    nearest = np.clip(np.searchsorted(s, targets), 1, len(s) - 1)
    nearest = np.where(targets - s[nearest - 1] < s[nearest] - targets, nearest - 1, nearest)
    return [
        RoutePoint(float(x), float(y), float(zz), float(w), points[int(k)].road_option)
        for x, y, zz, w, k in zip(xs, ys, zs, yaws, nearest, strict=True)
    ]


def interpolate_route(town: Town, route: RouteConfig, hop_resolution: float = 1.0) -> list[RoutePoint]:
    """`interpolate_trajectory` for a parsed route (errors name its id)."""
    return interpolate_trajectory(town, route.keypoints, hop_resolution, route_id=route.id)


def route_length_m(points: Sequence[RoutePoint]) -> float:
    """Planar length of a dense route [m]."""
    return sum(math.hypot(b.x_m - a.x_m, b.y_m - a.y_m) for a, b in zip(points, points[1:], strict=False))
