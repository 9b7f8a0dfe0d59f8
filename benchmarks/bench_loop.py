"""Benchmark: DAgger collection throughput in the embedded world (frames = simulation ticks per second).

Usage: python benchmarks/bench_loop.py [--routes embedded_training] [--subset 0-2] [--seed 1] [--policy baseline]
Runs `agents/dagger_agent.py` as the embedded evaluator runs it (`run_route`, default traffic and
pedestrians, leaderboard 2.1 criteria) on the chosen routes: every tick the world steps, the
criteria score it, the observation is built, the policy runs in its sandbox worker, the expert
labels the frame, and at 2 Hz a frame goes to a replay-buffer shard (in a temporary folder).
The process (and so the policy worker it starts) is pinned to one CPU core. Prints per route
ticks and ticks per second, then `frames_per_second: N` last (all ticks / all wall time).
Target (issue 5): at least 500.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from langprop_driver.agent_paths import DAGGER_AGENT
from leaderboard_adapter.embedded import WorldConfig
from leaderboard_adapter.evaluator.planned_run import plan_runs
from leaderboard_adapter.evaluator.route_runner import AgentSpec, run_route
from leaderboard_adapter.evaluator.route_sets import resolve_routes

AGENT = DAGGER_AGENT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", default="embedded_training")
    parser.add_argument("--subset", default="0-2", help="route ids, as --routes-subset")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policy", default="baseline", help="the agent config's policy")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    runs = plan_runs(resolve_routes(args.routes), args.subset, 1, None, None)
    ticks = 0
    wall_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "dagger.toml"
        config.write_text(f'policy = "{args.policy}"\nbuffer_dir = "{Path(tmp) / "buffer"}"\n')
        for run in runs:
            info = run.run_info(args.seed, "2.1", WorldConfig())
            started = time.perf_counter()
            outcome = run_route(AgentSpec(AGENT, str(config), "2.1", "MAP"), run.town, run.points, WorldConfig(),
                                info.world_seed, "2.1", run_info=info)  # fmt: skip
            elapsed = time.perf_counter() - started
            ticks += outcome.ticks
            wall_s += elapsed
            print(f"{run.route_id}: {outcome.ending.name} {outcome.ticks} ticks, {outcome.ticks / elapsed:.0f} ticks/s")
        shards = list((Path(tmp) / "buffer").glob("*.jsonl"))
        print(f"shards written: {len(shards)}")
    print(f"frames_per_second: {ticks / wall_s:.0f}")


if __name__ == "__main__":
    main()
