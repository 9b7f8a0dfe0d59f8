"""Benchmark: route runs per minute with 1 worker and with all workers, on the local executor and on Ray.

    python benchmarks/bench_scale.py [--routes-subset 0-23] [--workers N] [--seed 0]

The expert (`agents/expert_agent.py`) drives the routes of `embedded_training` (all 24 by default) in
the default world, as `langprop-drive evaluate -a agents/expert_agent.py` does, four times in one
process: local executor with 1 and N worker processes, Ray (a local instance with N CPUs) with 1 and
N runs at once. Every configuration starts its workers on a warm-up of N smoke-route runs outside the
timing. Prints `route_runs_per_minute` of each, whether all four gave the same records (without their
wall-clock durations), Ray's overhead per task (the extra seconds per run of Ray with one worker over
the local executor with one, and a no-op task's round trip), the parallel efficiency of each executor
(throughput with N workers over N x the throughput of one) and last `parallel_efficiency: X`, the lower
of the two.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import ray

from langprop_driver.agent_paths import EXPERT_AGENT
from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.evaluator.planned_run import plan_runs
from leaderboard_adapter.evaluator.route_runner import AgentSpec
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.executor import LocalExecutor, RouteJob, RouteJobResult, RouteRunExecutor, run_all
from leaderboard_adapter.executor.ray_cluster import RayExecutor

EXPERT = AgentSpec(EXPERT_AGENT, "", "2.1", "MAP")


def jobs_of(routes: str, subset: str, seed: int) -> list[RouteJob]:
    """The expert's runs of `subset` of the route set `routes`, in the default world."""
    routes_file = resolve_routes(routes).resolve()
    runs = plan_runs(routes_file, subset, 1, None, None)
    return [RouteJob(str(routes_file), run.route.id, seed, EXPERT, WorldConfig(), index=run.index) for run in runs]


def without_durations(result: RouteJobResult) -> dict:
    return {**result.record, "meta": {k: v for k, v in result.record["meta"].items() if k != "duration_system"}}


def timed(make: Callable[[], RouteRunExecutor], jobs: list[RouteJob], warm_up: list[RouteJob]) -> tuple[float, list]:
    """(wall seconds of `jobs` on a fresh executor, their records), its workers started on `warm_up` first."""
    executor = make()
    try:
        run_all(executor, warm_up)
        started = time.perf_counter()
        results = run_all(executor, jobs, progress=True, desc=executor.description)
        return time.perf_counter() - started, [without_durations(r) for r in results]
    finally:
        executor.close()


def noop_round_trip_ms(samples: int = 50) -> float:
    """Mean round trip of an empty Ray task needing one CPU, submitted one after the other [ms]."""
    task = ray.remote(lambda: None).options(num_cpus=1)
    ray.get(task.remote())
    started = time.perf_counter()
    for _ in range(samples):
        ray.get(task.remote())
    return (time.perf_counter() - started) / samples * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--routes", default="embedded_training")
    parser.add_argument("--routes-subset", default="", help="route ids, e.g. '0-7' (default: all)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="N, the 'all workers' count")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n = args.workers
    jobs = jobs_of(args.routes, args.routes_subset, args.seed)
    smoke = jobs_of("embedded_smoke", "", args.seed)
    warm_up = (smoke * n)[:n]
    print(f"{len(jobs)} route runs of {Path(args.routes).name} with the expert, seed {args.seed}; N = {n}; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    ray.init(num_cpus=n, include_dashboard=False, log_to_driver=False)
    configurations: dict[str, Callable[[], RouteRunExecutor]] = {
        "local x1": lambda: LocalExecutor(1),
        f"local x{n}": lambda: LocalExecutor(n),
        "ray x1": lambda: RayExecutor(workers=1),
        f"ray x{n}": lambda: RayExecutor(workers=n),
    }
    seconds, records = {}, {}
    for name, make in configurations.items():
        seconds[name], records[name] = timed(make, jobs, warm_up)
        print(f"{name:>9}: {seconds[name]:7.1f} s  route_runs_per_minute: {len(jobs) / seconds[name] * 60:.2f}")
    print(f"same records in all four: {all(r == records['local x1'] for r in records.values())}")
    print(f"ray_overhead_per_task_s: {(seconds['ray x1'] - seconds['local x1']) / len(jobs):.3f}")
    print(f"ray_noop_task_round_trip_ms: {noop_round_trip_ms():.2f}")
    ray.shutdown()
    efficiency = {kind: seconds[f"{kind} x1"] / (n * seconds[f"{kind} x{n}"]) for kind in ("local", "ray")}
    for kind, value in efficiency.items():
        print(f"parallel_efficiency_{kind}: {value:.3f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"parallel_efficiency: {min(efficiency.values()):.3f}")


if __name__ == "__main__":
    main()
