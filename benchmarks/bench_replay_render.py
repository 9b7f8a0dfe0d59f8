"""Benchmark: milliseconds per BirdseyeRenderer.render() of a busy frame (40 vehicles, 40 walkers, an overlay).

Usage: python benchmarks/bench_replay_render.py [--frames N] [--vehicles N] [--walkers N] [--seed N]
Smoke route 0 (EmbeddedGrid), as `evaluate --routes embedded_smoke` plans it, in an embedded
world with `--vehicles` and `--walkers` and no walker sent across the ego's path; a 640 px frame at
0.125 m per pixel that follows the ego, with both action arrows and two text lines. The road tiles
around the start are drawn once before the timing (as the first frame of a replay draws them).
Each frame the world advances with a 0.4 throttle, then `render()` is timed.

Printed: the median and 90th percentile, the target, and last `render_ms_per_frame: N`, the median [ms].
"""

from __future__ import annotations

import argparse
import statistics
import time

import carla

from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.embedded.walkers import WalkerParams
from leaderboard_adapter.evaluator.planned_run import plan_runs
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.replay import ActionArrow, BirdseyeRenderer, Overlay

TARGET_MEDIAN_MS = 10.0
"""A replay of a 20 Hz route renders at least five times faster than real time."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=400)
    parser.add_argument("--vehicles", type=int, default=40)
    parser.add_argument("--walkers", type=int, default=40)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    run = plan_runs(resolve_routes("embedded_smoke"), "0", 1, None, None)[0]
    config = WorldConfig(
        vehicle_count=args.vehicles,
        walker_count=args.walkers,
        walkers=WalkerParams(ego_crossing_spacing_m=0.0),
    )
    world = EmbeddedWorld(
        run.town.map, run.town.lane_graph, run.points, config, args.seed, run.town.speed_limits_mps
    )
    renderer = BirdseyeRenderer(run.town.lane_graph, size_px=640, metres_per_px=0.125)
    overlay = Overlay(policy=ActionArrow(5.0, 10.0), expert=ActionArrow(6.0, 0.0), text_lines=("a", "b"))
    renderer.render(world, overlay)  # draws the road tiles around the start once
    control = carla.VehicleControl(throttle=0.4)
    render_ms: list[float] = []
    for _ in range(args.frames):
        world.tick(control)
        started = time.perf_counter()
        renderer.render(world, overlay)
        render_ms.append(1000.0 * (time.perf_counter() - started))
    median = statistics.median(render_ms)
    p90 = statistics.quantiles(render_ms, n=10)[-1]
    print(f"frames: {len(render_ms)} vehicles: {args.vehicles} walkers: {args.walkers}")
    print(f"render_ms_p90: {p90:.2f}")
    print(f"target_median_ms: <= {TARGET_MEDIAN_MS:.0f}")
    print(f"render_ms_per_frame: {median:.2f}")


if __name__ == "__main__":
    main()
