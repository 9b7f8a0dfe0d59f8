"""Benchmark: ticks per second of the embedded world on a ~1 km route with 40 NPCs and 20 walkers.

Usage: python benchmarks/bench_world.py [--ticks N] [--town PATH]
The ego gets a zero control (a do-nothing agent). The last line printed is
`steps_per_second: N`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import carla
import numpy as np

from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.route_builder import route_along_lanes
from leaderboard_adapter.roads.lane_graph import LaneGraph

_DEFAULT_TOWN = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "towns" / "grid4x4_lights.xodr"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=4000)
    parser.add_argument("--town", type=Path, default=_DEFAULT_TOWN)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    town_map = carla.Map(args.town.stem, args.town.read_text())
    graph = LaneGraph(town_map)
    network = DrivingNetwork(graph)
    start = int(np.flatnonzero(network.is_canonical & ~network.is_junction)[0])
    route = route_along_lanes(network, start, 1000.0, np.random.default_rng(args.seed), start_s_m=40.0)
    config = WorldConfig(vehicle_count=40, walker_count=20)
    t0 = time.perf_counter()
    world = EmbeddedWorld(town_map, graph, route, config, seed=args.seed)
    build_s = time.perf_counter() - t0
    control = carla.VehicleControl()
    for _ in range(50):  # warm-up
        world.tick(control)
    t0 = time.perf_counter()
    for _ in range(args.ticks):
        world.tick(control)
        world.actors()
    elapsed = time.perf_counter() - t0
    print(f"route_length_m: {world.tracker.length_m:.0f}")
    print(f"vehicles: {len(world.fleet)} walkers: {len(world.crowd) if world.crowd else 0}")
    print(f"build_s: {build_s:.3f}")
    print(f"steps_per_second: {args.ticks / elapsed:.0f}")


if __name__ == "__main__":
    main()
