"""Helpers for the observation tests: smoke-route worlds, a simple route-following driver, a WorldView test double."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import carla
import numpy as np

from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.roads.towns import Town, load_town
from leaderboard_adapter.routes.interpolation import interpolate_route
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_parser import parse_routes_file
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.vehicle_spec import EGO_MAX_WHEEL_ANGLE_DEG, EGO_WHEELBASE_M
from leaderboard_adapter.world_view import ActorArrays, ActorKind, ActorState, StopSignInfo, TrafficLightInfo

SMOKE_ROUTES = (
    Path(__file__).resolve().parents[2] / "leaderboard_adapter" / "data" / "routes" / "embedded_smoke.xml"
)
LIGHTS_ROUTE = 0
"""Smoke route 0: EmbeddedGrid, through signalised junctions."""
STOPS_ROUTE = 1
"""Smoke route 1: EmbeddedStops, through a stop-controlled junction."""


@functools.lru_cache(maxsize=4)
def smoke_route(route_id: int) -> tuple[Town, tuple[RoutePoint, ...]]:
    """The town and dense route of a smoke route (cached: loading a town takes a fraction of a second)."""
    (config,) = parse_routes_file(SMOKE_ROUTES, str(route_id))
    town = load_town(config.town)
    return town, tuple(interpolate_route(town, config))


def smoke_world(route_id: int, vehicles: int = 0, walkers: int = 0, seed: int = 0) -> EmbeddedWorld:
    """A fresh embedded world on a smoke route (no traffic unless asked)."""
    town, route = smoke_route(route_id)
    config = WorldConfig().with_counts(vehicles, walkers)
    return EmbeddedWorld(town.map, town.lane_graph, list(route), config, seed, town.speed_limits_mps)


WHEELBASE_M = EGO_WHEELBASE_M
MAX_STEER_DEG = EGO_MAX_WHEEL_ANGLE_DEG


def follow_route(observation: dict, target_speed_mps: float) -> carla.VehicleControl:
    """A plain pure-pursuit + proportional speed driver reading only the observation (a test driver, not the policy)."""
    ego = observation["ego"]
    speed = ego["speed_mps"]
    lookahead = min(max(0.9755 * speed * 3.6 + 1.915, 2.4), 10.5)
    points = observation["route"]["points"]
    aim = next((p for p in points if p["distance_m"] >= lookahead), points[-1])
    alpha = math.atan2(aim["y_m"], aim["x_m"])
    ld = max(math.hypot(aim["x_m"], aim["y_m"]), 1e-3)
    wheel = math.atan(2.0 * WHEELBASE_M * math.sin(alpha) / ld)  # left positive
    steer = float(np.clip(-math.degrees(wheel) / MAX_STEER_DEG, -1.0, 1.0))  # CARLA steer: right positive
    if target_speed_mps <= 0.0:
        return carla.VehicleControl(throttle=0.0, steer=steer, brake=1.0)
    error = target_speed_mps - speed
    if error < -1.0:
        return carla.VehicleControl(throttle=0.0, steer=steer, brake=float(min(-0.3 * error, 1.0)))
    return carla.VehicleControl(throttle=float(np.clip(0.4 * error + 0.2, 0.0, 0.75)), steer=steer, brake=0.0)


def straight_route(length_m: float = 200.0, yaw_deg: float = 0.0, spacing_m: float = 1.0) -> list[RoutePoint]:
    """A straight route from the world origin along CARLA yaw `yaw_deg` (LANEFOLLOW)."""
    c, s = math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))
    n = int(round(length_m / spacing_m)) + 1
    return [
        RoutePoint(k * spacing_m * c, k * spacing_m * s, 0.0, yaw_deg, RoadOption.LANEFOLLOW)
        for k in range(n)
    ]


def actor(
    actor_id: int,
    x_m: float,
    y_m: float,
    yaw_deg: float = 0.0,
    vx_mps: float = 0.0,
    vy_mps: float = 0.0,
    kind: ActorKind = ActorKind.VEHICLE,
    length_m: float = 4.5,
    width_m: float = 2.0,
) -> ActorState:
    """An actor state in the world frame (for the test double)."""
    return ActorState(actor_id, kind, x_m, y_m, 0.0, yaw_deg, vx_mps, vy_mps, length_m, width_m)


@dataclass
class WorldViewTestDouble:
    """A test double of the WorldView protocol for constructed scenes (no map: no junctions)."""

    hero_state: ActorState
    route_points: list[RoutePoint]
    others: list[ActorState] = field(default_factory=list)
    lights: list[TrafficLightInfo] = field(default_factory=list)
    stops: list[StopSignInfo] = field(default_factory=list)
    speed_limit: float = 13.89
    game_time_s: float = 0.0
    frame: int = 0
    map: object = None

    def hero(self) -> ActorState:
        return self.hero_state

    def actors(self) -> ActorArrays:
        return ActorArrays.from_states(self.others)

    def traffic_lights(self) -> list[TrafficLightInfo]:
        return list(self.lights)

    def stop_signs(self) -> list[StopSignInfo]:
        return list(self.stops)

    def route(self) -> list[RoutePoint]:
        return list(self.route_points)

    def speed_limit_mps(self) -> float:
        return self.speed_limit


def drive(world: EmbeddedWorld, builder, target_speed, max_ticks: int = 2000, until=None) -> list[dict]:
    """Tick `world` with `follow_route` at `target_speed(observation)` [m/s]; the observations, first one included.

    Stops after `max_ticks`, when `until(observation)` is true, or at the route's end.
    """
    obs = builder.build(world)
    seen = [obs]
    for _ in range(max_ticks):
        if (until is not None and until(obs)) or obs["route"]["distance_to_end_m"] < 0.5:
            break
        world.tick(follow_route(obs, target_speed(obs)))
        obs = builder.build(world)
        seen.append(obs)
    return seen


def stop_at(
    distance_m: float, stop_short_of_m: float, cruise_mps: float = 8.0, decel_mps2: float = 2.0
) -> float:
    """A target speed that brings the ego to rest `stop_short_of_m` before a line `distance_m` ahead [m/s]."""
    gap = distance_m - stop_short_of_m
    if gap <= 0.3:
        return 0.0
    return min(cruise_mps, math.sqrt(2.0 * decel_mps2 * gap))
