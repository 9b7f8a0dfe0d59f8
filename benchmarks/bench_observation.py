"""Benchmark: milliseconds per ObservationBuilder.build() on an embedded world with about 50 actors within 50 m.

Usage: python benchmarks/bench_observation.py [--ticks N] [--vehicles N] [--walkers N]
Smoke route 0 (EmbeddedGrid) from 35 m in, so that a traffic light's stop line is about
30 m ahead of the ego (the observation then reads the light states every tick: the
worst case). Dense traffic; walkers spawn near the route, so the ego, standing still, has about 50
vehicles and pedestrians within 50 m. Each tick the world advances with a zero control,
then `build()` is timed, on alternate ticks:

- in a run (the headline): the view's per-tick data (`hero()`, `actors()`,
  `traffic_lights()`) already built, as the evaluator's criteria build it every tick
  anyway; what the observation adds to a tick, CPU caches cold from the tick;
- cold: right after the tick, so the timing also includes the world building that data;
- warm: a second `build()` on the same tick, everything hot (result discarded; the
  builder's progress and stop memory do not change on a repeated tick).

The last line printed is `observation_ms_per_frame: N`, the median "in a run" figure.
"""

from __future__ import annotations

import argparse
import statistics
import time

import carla

from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.observation import ObservationBuilder
from leaderboard_adapter.roads.towns import load_town
from leaderboard_adapter.routes.interpolation import interpolate_route
from leaderboard_adapter.routes.route_parser import parse_routes_file
from leaderboard_adapter.routes.route_set_generator import ROUTES_DIR


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=2000)
    parser.add_argument("--vehicles", type=int, default=250)
    parser.add_argument("--walkers", type=int, default=200)
    parser.add_argument("--start-m", type=int, default=35, help="route points (1 m) skipped at the start")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    (route_config,) = parse_routes_file(ROUTES_DIR / "embedded_smoke.xml", "0")
    town = load_town(route_config.town)
    route = interpolate_route(town, route_config)[args.start_m :]
    config = WorldConfig().with_counts(args.vehicles, args.walkers)
    world = EmbeddedWorld(town.map, town.lane_graph, route, config, args.seed, town.speed_limits_mps)
    t0 = time.perf_counter()
    builder = ObservationBuilder(world)
    setup_ms = 1000.0 * (time.perf_counter() - t0)
    control = carla.VehicleControl()
    for _ in range(20):  # warm-up
        world.tick(control)
        builder.build(world)
    run_ms: list[float] = []
    cold_ms: list[float] = []
    warm_ms: list[float] = []
    in_range: list[int] = []
    lights_seen = 0
    for tick in range(args.ticks):
        world.tick(control)
        if tick % 2:
            t0 = time.perf_counter()
            obs = builder.build(world)
            cold_ms.append(1000.0 * (time.perf_counter() - t0))
            continue
        world.hero(), world.actors(), world.traffic_lights()
        t0 = time.perf_counter()
        obs = builder.build(world)
        t1 = time.perf_counter()
        builder.build(world)
        t2 = time.perf_counter()
        run_ms.append(1000.0 * (t1 - t0))
        warm_ms.append(1000.0 * (t2 - t1))
        in_range.append(len(obs["vehicles"]) + len(obs["pedestrians"]))
        lights_seen += obs["traffic_light"] is not None
    print(f"route_setup_ms: {setup_ms:.2f}")
    print(f"actors_total: {len(world.actors())} traffic_lights: {len(world.traffic_lights())}")
    print(
        f"actors_within_50m: median {statistics.median(in_range):.0f} (min {min(in_range)}, max {max(in_range)})"
    )
    print(f"ticks_with_a_light_ahead: {lights_seen}/{len(run_ms)}")
    print(f"observation_ms_warm: {statistics.median(warm_ms):.3f}")
    print(f"observation_ms_cold (world builds its per-tick data inside): {statistics.median(cold_ms):.3f}")
    print(f"observation_ms_p90: {sorted(run_ms)[int(0.9 * len(run_ms))]:.3f}")
    print(f"observation_ms_per_frame: {statistics.median(run_ms):.3f}")


if __name__ == "__main__":
    main()
