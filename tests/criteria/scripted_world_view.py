"""ScriptedWorldView: a WorldView test double that replays scripted hero states over ticks.

It holds a real `carla.Map` (the fixture town), a dense route, a list of hero states (one
per tick) and actors/lights/stop signs either fixed or given per tick by a function.
`step()` moves to the next tick; frame = tick index, game time = tick x `dt_s`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import carla
import numpy as np

from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.world_view import ActorArrays, ActorKind, ActorState, StopSignInfo, TrafficLightInfo

FIXTURE_XODR = Path(__file__).resolve().parents[1] / "fixtures" / "towns" / "grid4x4_lights.xodr"
HERO_LENGTH_M = 4.9
HERO_WIDTH_M = 2.1
HERO_ID = 1


def load_fixture_map() -> carla.Map:
    return carla.Map("grid4x4_lights", FIXTURE_XODR.read_text())


def straight_route(
    town_map: carla.Map, start: tuple[float, float], length_m: float, step_m: float = 1.0
) -> list[RoutePoint]:
    """A dense route from the driving waypoint at `start`, following the straightest successor."""
    wp = town_map.get_waypoint(carla.Location(start[0], start[1], 0.0))
    points = []
    travelled = 0.0
    while True:
        t = wp.transform
        points.append(
            RoutePoint(t.location.x, t.location.y, t.location.z, t.rotation.yaw, RoadOption.LANEFOLLOW)
        )
        if travelled >= length_m:
            return points
        options = wp.next(step_m)
        if not options:
            return points
        yaw = t.rotation.yaw
        wp = min(options, key=lambda w: abs((w.transform.rotation.yaw - yaw + 180.0) % 360.0 - 180.0))
        travelled += step_m


def route_arrays(route: Sequence[RoutePoint]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x, y, yaw [deg] and accumulated distance of a route."""
    x = np.array([p.x_m for p in route])
    y = np.array([p.y_m for p in route])
    yaw = np.array([p.yaw_deg for p in route])
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    return x, y, yaw, s


def pose_along(route: Sequence[RoutePoint], s_m: float, lateral_m: float = 0.0) -> tuple[float, float, float]:
    """(x, y, yaw) at arc length `s_m` along the route, shifted `lateral_m` to the right (+y side of the lane).

    Past the route's end the pose goes on straight along the last segment (the hero drives on).
    """
    x, y, yaw, s = route_arrays(route)
    s_m = max(float(s_m), 0.0)
    i = int(np.clip(np.searchsorted(s, s_m, side="right") - 1, 0, len(s) - 2))
    f = (s_m - s[i]) / max(s[i + 1] - s[i], 1e-9)
    px, py = x[i] + f * (x[i + 1] - x[i]), y[i] + f * (y[i + 1] - y[i])
    heading = math.atan2(y[i + 1] - y[i], x[i + 1] - x[i])
    return px - lateral_m * math.sin(heading), py + lateral_m * math.cos(heading), math.degrees(heading)


def hero_state(x: float, y: float, yaw_deg: float, speed_mps: float) -> ActorState:
    yaw = math.radians(yaw_deg)
    return ActorState(
        HERO_ID,
        ActorKind.VEHICLE,
        x,
        y,
        0.0,
        yaw_deg,
        speed_mps * math.cos(yaw),
        speed_mps * math.sin(yaw),
        HERO_LENGTH_M,
        HERO_WIDTH_M,
    )


def drive(
    route: Sequence[RoutePoint],
    speeds_mps: Sequence[float],
    dt_s: float = 0.05,
    s0_m: float = 0.0,
    lateral_m: Callable[[float], float] | None = None,
) -> list[ActorState]:
    """Hero states following the route with one speed per tick (position integrates the speed)."""
    states = []
    s = s0_m
    for v in speeds_mps:
        lat = lateral_m(s) if lateral_m is not None else 0.0
        x, y, yaw = pose_along(route, s, lat)
        states.append(hero_state(x, y, yaw, v))
        s += v * dt_s
    return states


@dataclass
class ScriptedWorldView:
    """A WorldView replaying `hero_states` tick by tick (see the module docstring)."""

    town_map: carla.Map
    route_points: list[RoutePoint]
    hero_states: list[ActorState]
    actors_at: Callable[[int], ActorArrays] | ActorArrays = field(default_factory=ActorArrays.empty)
    lights_at: Callable[[int], list[TrafficLightInfo]] | list[TrafficLightInfo] = field(default_factory=list)
    stops: list[StopSignInfo] = field(default_factory=list)
    speed_limit: float = 50.0 / 3.6
    dt_s: float = 0.05
    tick: int = 0

    @property
    def map(self) -> carla.Map:
        return self.town_map

    @property
    def game_time_s(self) -> float:
        return self.tick * self.dt_s

    @property
    def frame(self) -> int:
        return self.tick

    def hero(self) -> ActorState:
        return self.hero_states[self.tick]

    def actors(self) -> ActorArrays:
        return self.actors_at(self.tick) if callable(self.actors_at) else self.actors_at

    def traffic_lights(self) -> list[TrafficLightInfo]:
        return self.lights_at(self.tick) if callable(self.lights_at) else self.lights_at

    def stop_signs(self) -> list[StopSignInfo]:
        return self.stops

    def route(self) -> list[RoutePoint]:
        return self.route_points

    def speed_limit_mps(self) -> float:
        return self.speed_limit

    def __len__(self) -> int:
        return len(self.hero_states)

    def step(self) -> bool:
        """Advance one tick; False when the script is over."""
        if self.tick + 1 >= len(self.hero_states):
            return False
        self.tick += 1
        return True


def run(criteria, view: ScriptedWorldView):
    """Feed every tick of `view` to `criteria` until the script or the route ends; returns (results, final events)."""
    results = []
    while True:
        result = criteria.update(view)
        results.append(result)
        if result.ended or not view.step():
            break
    return results, criteria.finish(view)
