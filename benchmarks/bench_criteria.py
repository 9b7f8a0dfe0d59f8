"""Benchmark: microseconds per RouteCriteria.update() with 60 moving actors and 32 traffic lights.

Usage: python benchmarks/bench_criteria.py [--ticks N] [--actors N] [--version V] [--seed N]
A scripted world (the criteria tests' `ScriptedWorldView`) on the 4x4 grid test town (CARLA frame: x east, y south, yaw [deg] clockwise
seen from above): the hero drives a 280 m straight route at 8 m/s, 20 Hz; `--actors` vehicles and
walkers (every fifth a walker) move in straight lines at 0 to 10 m/s across the town; each of the
16 junctions has two lights (32), alternately red and green, with their stop lines 8 m either side.
Each tick the criteria's `update()` is timed until the route ends or `--ticks` ticks have passed.

Printed: the mean and 99th percentile, the map and layout look-ups, and last
`criteria_us_per_tick: N`, the median [us].
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from leaderboard_adapter.criteria import RouteCriteria
from leaderboard_adapter.tick import TICK_S
from leaderboard_adapter.world_view import ActorArrays, LightState, Pose2D, TrafficLightInfo, TriggerVolume

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "criteria"))
from scripted_world_view import ScriptedWorldView, drive, load_fixture_map, straight_route  # noqa: E402

HERO_SPEED_MPS = 8.0


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
            ids, kinds, x0 + vx * TICK_S * t, y0 + vy * TICK_S * t, yaw, vx, vy, length, width, np.zeros_like(x0)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=2000)
    parser.add_argument("--actors", type=int, default=60)
    parser.add_argument("--version", default="2.x", help="leaderboard version of the criteria: 1.0 or 2.x")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    town_map = load_fixture_map()
    route = straight_route(town_map, (10.0, 1.675), 280.0)
    lights = grid_lights()
    frames = moving_actors(args.actors, args.ticks, np.random.default_rng(args.seed))
    view = ScriptedWorldView(town_map, route, drive(route, [HERO_SPEED_MPS] * args.ticks), frames.__getitem__, lights)
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
