"""Benchmark: microseconds per RouteCriteria.update() with 60 moving actors and 32 traffic lights.

Usage: python benchmarks/bench_criteria.py [--ticks N] [--actors N] [--version V] [--seed N] [--town PATH]
A scripted world on the 4x4 grid test town (CARLA frame: x east, y south, yaw [deg] clockwise
seen from above): the hero drives a 280 m straight route at 8 m/s, 20 Hz; `--actors` vehicles and
walkers (every fifth a walker) move in straight lines at 0 to 10 m/s across the town; each of the
16 junctions has two lights (32), alternately red and green, with their stop lines 8 m either side.
Each tick the criteria's `update()` is timed until the route ends or `--ticks` ticks have passed.

Printed: the mean and 99th percentile, the map and layout look-ups, and last
`criteria_us_per_tick: N`, the median [us].
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import carla
import numpy as np

from leaderboard_adapter.criteria import RouteCriteria
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.world_view import (
    ActorArrays,
    ActorKind,
    ActorState,
    LightState,
    Pose2D,
    StopSignInfo,
    TrafficLightInfo,
    TriggerVolume,
)

_DEFAULT_TOWN = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "towns" / "grid4x4_lights.xodr"
DT_S = 0.05
"""Simulation step [s] (20 Hz)."""
HERO_SPEED_MPS = 8.0
HERO_LENGTH_M = 4.9
HERO_WIDTH_M = 2.1


def straight_route(town_map: carla.Map, start_xy_m: tuple[float, float], length_m: float) -> list[RoutePoint]:
    """A 1 m-spaced route from the driving waypoint at `start_xy_m`, taking the straightest successor."""
    wp = town_map.get_waypoint(carla.Location(start_xy_m[0], start_xy_m[1], 0.0))
    points = []
    for _ in range(int(length_m) + 1):
        t = wp.transform
        points.append(
            RoutePoint(t.location.x, t.location.y, t.location.z, t.rotation.yaw, RoadOption.LANEFOLLOW)
        )
        options = wp.next(1.0)
        if not options:
            break
        yaw = t.rotation.yaw
        wp = min(options, key=lambda w: abs((w.transform.rotation.yaw - yaw + 180.0) % 360.0 - 180.0))
    return points


def hero_states(route: Sequence[RoutePoint], ticks: int) -> list[ActorState]:
    """The hero at HERO_SPEED_MPS along the route, one state per tick (straight on past its end)."""
    x = np.array([p.x_m for p in route])
    y = np.array([p.y_m for p in route])
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    states = []
    for tick in range(ticks):
        s_m = HERO_SPEED_MPS * DT_S * tick
        i = int(np.clip(np.searchsorted(s, s_m, side="right") - 1, 0, len(s) - 2))
        f = (s_m - s[i]) / max(s[i + 1] - s[i], 1e-9)
        heading = math.atan2(y[i + 1] - y[i], x[i + 1] - x[i])
        states.append(ActorState(
            1, ActorKind.VEHICLE, x[i] + f * (x[i + 1] - x[i]), y[i] + f * (y[i + 1] - y[i]), 0.0,
            math.degrees(heading), HERO_SPEED_MPS * math.cos(heading), HERO_SPEED_MPS * math.sin(heading),
            HERO_LENGTH_M, HERO_WIDTH_M,
        ))  # fmt: skip
    return states


def moving_actors(n: int, ticks: int, rng: np.random.Generator) -> list[ActorArrays]:
    """`n` actors in straight lines across the town, one ActorArrays per tick; every fifth a walker."""
    x0, y0 = rng.uniform(0, 300, n), rng.uniform(-300, 0, n)
    yaw = rng.uniform(-180, 180, n)
    speed = rng.uniform(0, 10, n)
    vx, vy = speed * np.cos(np.radians(yaw)), speed * np.sin(np.radians(yaw))
    kinds = (np.arange(n) % 5 == 0).astype(np.int8)
    length = np.where(kinds == 1, 0.5, 4.6)
    width = np.where(kinds == 1, 0.5, 1.9)
    ids = np.arange(100, 100 + n, dtype=np.int64)
    return [
        ActorArrays(
            ids, kinds, x0 + vx * DT_S * t, y0 + vy * DT_S * t, yaw, vx, vy, length, width, np.zeros_like(x0)
        )
        for t in range(ticks)
    ]


def grid_lights() -> list[TrafficLightInfo]:
    """Two lights at each of the 16 junctions, 100 m apart, alternately red and green."""
    lights = []
    for i, (jx, jy) in enumerate([(x, -y) for x in (0, 100, 200, 300) for y in (0, 100, 200, 300)]):
        for k, (dx, yaw) in enumerate([(-8.0, 0.0), (8.0, 180.0)]):
            pose = Pose2D(jx + dx, jy + (1.675 if yaw == 0.0 else -1.675), yaw)
            state = LightState.RED if (i + k) % 2 else LightState.GREEN
            lights.append(
                TrafficLightInfo(
                    2 * i + k, state, i, (pose,), ((0, -1),), TriggerVolume(pose, 4.0, 3.35), pose
                )
            )
    return lights


@dataclass
class ScriptedView:
    """A WorldView that replays scripted hero states and actors tick by tick (frame = tick)."""

    town_map: carla.Map
    route_points: list[RoutePoint]
    heroes: list[ActorState]
    actor_frames: list[ActorArrays]
    lights: list[TrafficLightInfo]
    tick: int = 0

    @property
    def map(self) -> carla.Map:
        return self.town_map

    @property
    def game_time_s(self) -> float:
        return self.tick * DT_S

    @property
    def frame(self) -> int:
        return self.tick

    def hero(self) -> ActorState:
        return self.heroes[self.tick]

    def actors(self) -> ActorArrays:
        return self.actor_frames[self.tick]

    def traffic_lights(self) -> list[TrafficLightInfo]:
        return self.lights

    def stop_signs(self) -> list[StopSignInfo]:
        return []

    def route(self) -> list[RoutePoint]:
        return self.route_points

    def speed_limit_mps(self) -> float:
        return 50.0 / 3.6

    def step(self) -> bool:
        """Advance one tick; False when the script is over."""
        if self.tick + 1 >= len(self.heroes):
            return False
        self.tick += 1
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=2000)
    parser.add_argument("--actors", type=int, default=60)
    parser.add_argument("--version", default="2.x", help="leaderboard version of the criteria: 1.0 or 2.x")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--town", type=Path, default=_DEFAULT_TOWN)
    args = parser.parse_args()

    town_map = carla.Map(args.town.stem, args.town.read_text())
    route = straight_route(town_map, (10.0, 1.675), 280.0)
    lights = grid_lights()
    view = ScriptedView(
        town_map,
        route,
        hero_states(route, args.ticks),
        moving_actors(args.actors, args.ticks, np.random.default_rng(args.seed)),
        lights,
    )
    criteria = RouteCriteria(route, town_map, args.version)
    tick_us: list[float] = []
    while True:
        started = time.perf_counter()
        result = criteria.update(view)
        tick_us.append(1e6 * (time.perf_counter() - started))
        if result.ended or not view.step():
            break
    criteria.finish(view)
    layout_lookups = criteria.layout.corner_lookups if criteria.layout else 0
    print(f"ticks: {len(tick_us)} actors: {args.actors} lights: {len(lights)} version: {args.version}")
    print(f"criteria_us_mean: {statistics.fmean(tick_us):.1f}")
    print(f"criteria_us_p99: {float(np.percentile(tick_us, 99)):.1f}")
    print(f"map_lookups: {criteria.lane.lookups} layout_corner_lookups: {layout_lookups}")
    print(f"criteria_us_per_tick: {statistics.median(tick_us):.1f}")


if __name__ == "__main__":
    main()
