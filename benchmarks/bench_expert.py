"""Benchmark: milliseconds per Expert().act(observation) while the expert drives through dense traffic.

Usage: python benchmarks/bench_expert.py [--ticks N] [--vehicles N] [--walkers N] [--route ID] [--seed N]
Smoke route 0 (EmbeddedGrid: 178 m north through a signalised junction, a left turn, 55 m
west) with dense traffic (250 vehicles, 200 walkers in the town; walkers spawn near the route),
so that the ego has about 50 vehicles and pedestrians within 50 m on most frames. The process
is pinned to one CPU core. Each tick: `ObservationBuilder.build()` (timed), `Expert().act()`
(timed), the shared `VehicleController`, `world.tick()`. Before `build()` the view's per-tick
data (`hero()`, `actors()`, `traffic_lights()`) is built, as the evaluator's criteria build it
every tick anyway (the same convention as bench_observation.py). A route that ends early is
driven again from a fresh world (same seed) until `--ticks` frames are timed.

Printed: actors within 50 m per frame, what set the target speed, the observation build time,
the total (build + act), act's 90th percentile, and last `expert_ms_per_frame: N`, the median
of act() [ms].
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import time

from expert import Expert
from leaderboard_adapter.control import VehicleController
from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.observation import ObservationBuilder
from leaderboard_adapter.roads.towns import load_town
from leaderboard_adapter.routes.interpolation import interpolate_route
from leaderboard_adapter.routes.route_parser import parse_routes_file
from leaderboard_adapter.routes.route_set_generator import ROUTES_DIR

WARMUP_TICKS = 20


def pin_to_one_core() -> str:
    """Restrict this process to one CPU (Linux); returns a description."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to core {core}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=600, help="frames timed")
    parser.add_argument("--vehicles", type=int, default=250)
    parser.add_argument("--walkers", type=int, default=200)
    parser.add_argument("--route", default="0", help="route id in embedded_smoke.xml")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    pinned = pin_to_one_core()

    (route_config,) = parse_routes_file(ROUTES_DIR / "embedded_smoke.xml", args.route)
    town = load_town(route_config.town)
    route = interpolate_route(town, route_config)
    config = WorldConfig().with_counts(args.vehicles, args.walkers)
    expert = Expert()

    build_ms: list[float] = []
    act_ms: list[float] = []
    in_range: list[int] = []
    reasons: collections.Counter[str] = collections.Counter()
    driven_m = 0.0
    episodes = 0
    while len(act_ms) < args.ticks:
        world = EmbeddedWorld(town.map, town.lane_graph, route, config, args.seed, town.speed_limits_mps)
        builder = ObservationBuilder(world)
        controller = VehicleController()
        episodes += 1
        tick = 0
        while len(act_ms) < args.ticks:
            world.hero(), world.actors(), world.traffic_lights()
            t0 = time.perf_counter()
            obs = builder.build(world)
            t1 = time.perf_counter()
            decision = expert.act(obs)
            t2 = time.perf_counter()
            if tick >= WARMUP_TICKS:
                build_ms.append(1000.0 * (t1 - t0))
                act_ms.append(1000.0 * (t2 - t1))
                in_range.append(len(obs["vehicles"]) + len(obs["pedestrians"]))
                reasons[decision.reason] += 1
            world.tick(controller.control(decision.action, obs["ego"]["speed_mps"]))
            tick += 1
            if obs["route"]["distance_to_end_m"] < 1.0:
                break
        driven_m += world.route_progress_m

    total_ms = [b + a for b, a in zip(build_ms, act_ms, strict=True)]
    dense = sum(n >= 40 for n in in_range)
    print(f"cpu: {pinned}")
    print(f"route: smoke {args.route} ({route_config.town}), episodes: {episodes}, driven: {driven_m:.0f} m")
    print(f"actors_total: {len(world.actors())} (vehicles {args.vehicles}, walkers {args.walkers})")
    print(
        f"actors_within_50m: median {statistics.median(in_range):.0f} (min {min(in_range)}, "
        f"max {max(in_range)}; >= 40 on {100.0 * dense / len(in_range):.0f}% of frames)"
    )
    print("target_set_by: " + ", ".join(f"{k} {v}" for k, v in reasons.most_common()))
    print(f"frames_timed: {len(act_ms)}")
    print(f"observation_ms_per_frame: {statistics.median(build_ms):.3f}")
    print(f"total_ms_per_frame (observation + expert): {statistics.median(total_ms):.3f}")
    print(f"expert_ms_p90: {sorted(act_ms)[int(0.9 * len(act_ms))]:.3f}")
    print(f"expert_ms_per_frame: {statistics.median(act_ms):.3f}")


if __name__ == "__main__":
    main()
