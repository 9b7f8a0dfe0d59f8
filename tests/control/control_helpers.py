"""Helpers of the control tests: the smoke route's world, an aim point on the route, closed-loop driving.

Frames: route and ego poses in CARLA's world frame (left-handed: x east, y south, yaw degrees
clockwise); aim points in the ego frame of the contract (x forward, y LEFT).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from leaderboard_adapter.control import Action, VehicleController, lookahead_distance_m, steer_towards
from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.roads.towns import Town, load_town
from leaderboard_adapter.routes.interpolation import interpolate_route
from leaderboard_adapter.routes.route_parser import parse_routes_file
from leaderboard_adapter.routes.route_point import RoutePoint

EMPTY = WorldConfig().with_counts(0, 0)
"""No NPC vehicles, no pedestrians."""


@lru_cache(maxsize=1)
def smoke_route() -> tuple[Town, tuple[RoutePoint, ...]]:
    """Route 0 of embedded_smoke.xml (EmbeddedGrid): 178 m straight north, a left turn, 55 m west."""
    config = parse_routes_file(resolve_routes("embedded_smoke"), "0")[0]
    town = load_town(config.town)
    return town, tuple(interpolate_route(town, config))


def empty_world(right_offset_m: float = 0.0, yaw_offset_deg: float = 0.0) -> EmbeddedWorld:
    """A fresh EmbeddedWorld on the smoke route with no traffic; the ego stands at the route's start,
    moved `right_offset_m` to the right of it and turned `yaw_offset_deg` clockwise (to the right).

    The world spawns the ego at its route's first point, so the offset start is made by moving
    that point; drive with `RouteFollower(smoke_route()[1])` to follow the true route.
    """
    town, route = smoke_route()
    points = list(route)
    first = points[0]
    right = math.radians(first.yaw_deg + 90.0)  # CARLA yaw is clockwise: +90 deg is to the right
    points[0] = RoutePoint(
        first.x_m + right_offset_m * math.cos(right),
        first.y_m + right_offset_m * math.sin(right),
        first.z_m,
        first.yaw_deg + yaw_offset_deg,
        first.road_option,
    )
    return EmbeddedWorld(town.map, town.lane_graph, points, EMPTY, 0, town.speed_limits_mps)


def to_ego_frame(
    x_w: float, y_w: float, ego_x: float, ego_y: float, ego_yaw_deg: float
) -> tuple[float, float]:
    """A CARLA world point in the ego frame (x forward, y left) [m], as the contract writes it."""
    dx, dy = x_w - ego_x, y_w - ego_y
    c, s = math.cos(math.radians(ego_yaw_deg)), math.sin(math.radians(ego_yaw_deg))
    return dx * c + dy * s, dx * s - dy * c


class RouteFollower:
    """Projects the ego on a dense route (monotonic progress) and gives the aim point and the lateral error."""

    def __init__(self, route: Sequence[RoutePoint]):
        self.xy = np.array([[p.x_m, p.y_m] for p in route])
        seg = np.diff(self.xy, axis=0)
        self.seg_len = np.hypot(seg[:, 0], seg[:, 1])
        self.cum_s = np.concatenate([[0.0], np.cumsum(self.seg_len)])
        self.index = 0  # segment of the ego's projection
        self.s_m = 0.0  # arc length of the projection

    def project(self, x: float, y: float, search: int = 20) -> tuple[float, float]:
        """Update the projection near the previous one (it never moves back).

        Returns (arc length of the projection [m], signed lateral offset [m]: distance from the
        route, positive when the point lies LEFT of the route's direction).
        """
        lo, hi = self.index, min(self.index + search, len(self.seg_len))
        a = self.xy[lo:hi]
        d = self.xy[lo + 1 : hi + 1] - a
        t = np.clip(
            ((x - a[:, 0]) * d[:, 0] + (y - a[:, 1]) * d[:, 1]) / np.maximum(self.seg_len[lo:hi] ** 2, 1e-9),
            0,
            1,
        )
        px, py = a[:, 0] + t * d[:, 0], a[:, 1] + t * d[:, 1]
        dist = np.hypot(px - x, py - y)
        k = int(np.argmin(dist))
        self.index = lo + k
        self.s_m = float(self.cum_s[self.index] + t[k] * self.seg_len[self.index])
        dx, dy = d[k]
        # CARLA's frame is left-handed (y south): the left normal of (dx, dy) is (dy, -dx)
        side = (x - px[k]) * dy - (y - py[k]) * dx
        return self.s_m, float(math.copysign(dist[k], side))

    def point_at(self, s_m: float) -> tuple[float, float]:
        """The route point `s_m` metres along the route (clamped to its ends), world frame."""
        s = min(max(s_m, 0.0), float(self.cum_s[-1]))
        return float(np.interp(s, self.cum_s, self.xy[:, 0])), float(np.interp(s, self.cum_s, self.xy[:, 1]))

    def steer_deg(self, x: float, y: float, yaw_deg: float, speed_mps: float) -> float:
        """steer_towards the route point lookahead_distance_m(speed) ahead of the ego's projection."""
        aim_x, aim_y = self.point_at(self.s_m + lookahead_distance_m(speed_mps))
        return steer_towards(*to_ego_frame(aim_x, aim_y, x, y, yaw_deg))


@dataclass
class Trace:
    """Per-tick record of a closed-loop drive, taken after each tick.

    time_s [s], speed_mps [m/s], s_m: arc length of the ego's projection on the route [m],
    lateral_m: signed offset of the ego's centre from the route [m], positive LEFT of it,
    steer/throttle/brake: the carla.VehicleControl sent, road_option: at the projection.
    """

    time_s: np.ndarray
    speed_mps: np.ndarray
    s_m: np.ndarray
    lateral_m: np.ndarray
    steer: np.ndarray
    throttle: np.ndarray
    brake: np.ndarray
    road_option: list[str]


def drive(
    world: EmbeddedWorld,
    controller: VehicleController,
    target_speed: Callable[[float, float, str], float],
    duration_s: float,
    route: Sequence[RoutePoint] | None = None,
) -> Trace:
    """Drive `route` (default: the smoke route) for `duration_s` with `target_speed(time_s, s_m, road_option)`
    [m/s] and steering towards the route point `lookahead_distance_m(speed)` ahead of the ego's projection."""
    route = tuple(route) if route is not None else smoke_route()[1]
    follower = RouteFollower(route)
    rows = []
    for _ in range(int(round(duration_s / world.config.dt_s))):
        hero = world.hero()
        speed = math.hypot(hero.vx_mps, hero.vy_mps)
        s_m, _ = follower.project(hero.x_m, hero.y_m)
        option = route[follower.index].road_option.name
        action = Action(
            target_speed(world.game_time_s, s_m, option),
            follower.steer_deg(hero.x_m, hero.y_m, hero.yaw_deg, speed),
        )
        control = controller.control(action, speed)
        world.tick(control)
        hero = world.hero()
        s_m, lateral = follower.project(hero.x_m, hero.y_m)
        rows.append(
            (
                world.game_time_s,
                math.hypot(hero.vx_mps, hero.vy_mps),
                s_m,
                lateral,
                control.steer,
                control.throttle,
                control.brake,
                route[follower.index].road_option.name,
            )
        )
    cols = list(zip(*rows, strict=True))
    return Trace(*(np.array(c) for c in cols[:7]), road_option=list(cols[7]))


def settling_time_s(time_s: np.ndarray, speed_mps: np.ndarray, target: float, band: float) -> float:
    """First time after which the speed stays within `band` of `target` [s] (inf if it never settles)."""
    outside = np.flatnonzero(np.abs(speed_mps - target) > band)
    if len(outside) == 0:
        return float(time_s[0])
    if outside[-1] == len(speed_mps) - 1:
        return math.inf
    return float(time_s[outside[-1] + 1])


def sign_changes(values: np.ndarray, deadband: float) -> int:
    """How many times `values` change sign, ignoring values within `deadband` of zero."""
    signs = np.sign(values[np.abs(values) > deadband])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))
