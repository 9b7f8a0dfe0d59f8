"""Benchmark: sandboxed evaluation of candidates against LangProp's exec-the-source-per-call.

Evaluates 20 candidate policies on 2000 driving-sized observations (about 60 actors, each a dict
of 8 floats) both ways in the same run and prints, last, ``speedup_vs_exec_per_call: N``.

    python benchmarks/bench_engine.py [--candidates 20] [--samples 2000] [--workers N] [--chunk-size 1000] [--repeats 3]

Every chunk of every candidate runs in a fresh worker forked from the sandbox's template: a fork costs a
few ms and the candidate pays copy-on-write faults on the inputs it reads, so chunks here are large.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time

from langprop_driver.engine import Program, SandboxConfig, SandboxPool

POLICY_TEMPLATE = '''\
import math


def _to_ego(actor, ego):
    dx = actor["x"] - ego["x"]
    dy = actor["y"] - ego["y"]
    cos_h, sin_h = math.cos(-ego["yaw"]), math.sin(-ego["yaw"])
    return dx * cos_h - dy * sin_h, dx * sin_h + dy * cos_h


def _time_to_contact(longitudinal, closing_speed):
    if closing_speed <= 0.1:
        return math.inf
    return longitudinal / closing_speed


def policy(observation):
    """Return (target speed in m/s, steering in [-1, 1]) from a bird's-eye observation."""
    ego = observation["ego"]
    target_speed = min(observation["speed_limit"], {cruise})
    steering = max(-1.0, min(1.0, {gain} * observation["route_heading_error"]))
    for actor in observation["actors"]:
        forward, lateral = _to_ego(actor, ego)
        if forward < 0 or abs(lateral) > {corridor} + actor["width"] / 2:
            continue
        closing = ego["speed"] - actor["speed"] * math.cos(actor["yaw"] - ego["yaw"])
        gap = forward - actor["length"] / 2 - {margin}
        if gap <= 0:
            return 0.0, steering
        if _time_to_contact(gap, closing) < {headway}:
            target_speed = min(target_speed, max(0.0, actor["speed"] - {slowdown}))
    if observation["red_light_distance"] < {stop_distance}:
        target_speed = 0.0
    return round(target_speed, 6), round(steering, 6)
'''


def make_candidates(count: int) -> list[Program]:
    rng = random.Random(0)
    programs = []
    for index in range(count):
        source = POLICY_TEMPLATE.format(
            cruise=round(rng.uniform(6, 14), 2),
            gain=round(rng.uniform(0.5, 2.0), 2),
            corridor=round(rng.uniform(1.0, 2.5), 2),
            margin=round(rng.uniform(1.0, 4.0), 2),
            headway=round(rng.uniform(1.0, 3.0), 2),
            slowdown=round(rng.uniform(0.5, 2.0), 2),
            stop_distance=round(rng.uniform(5, 15), 2),
        )
        programs.append(Program(f"c{index:02d}", source, "policy"))
    return programs


def make_observations(count: int, n_actors: int = 60) -> list[dict]:
    rng = random.Random(1)

    def actor() -> dict[str, float]:
        keys = ("x", "y", "yaw", "speed", "length", "width", "accel", "yaw_rate")
        ranges = (
            (-50, 50),
            (-50, 50),
            (-math.pi, math.pi),
            (0, 15),
            (3.5, 5.5),
            (1.6, 2.2),
            (-3, 3),
            (-0.5, 0.5),
        )
        return {key: rng.uniform(*bounds) for key, bounds in zip(keys, ranges, strict=True)}

    return [
        {
            "ego": actor(),
            "speed_limit": rng.choice([8.33, 13.89, 19.44]),
            "route_heading_error": rng.uniform(-0.3, 0.3),
            "red_light_distance": rng.uniform(0, 100),
            "actors": [actor() for _ in range(n_actors)],
        }
        for _ in range(count)
    ]


def exec_per_call(programs: list[Program], observations: list[dict]) -> list[list]:
    """LangProp's way: exec the candidate's source, then call its function, for every sample."""
    outputs = []
    for program in programs:
        row = []
        for observation in observations:
            namespace: dict = {}
            exec(program.source, namespace)
            row.append(namespace[program.function](observation))
        outputs.append(row)
    return outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=None, help="sandbox workers (default: all cores)")
    parser.add_argument("--chunk-size", type=int, default=1000, help="samples per worker (a fresh fork each)")
    parser.add_argument("--repeats", type=int, default=3, help="timings kept: the best of this many")
    args = parser.parse_args()
    programs = make_candidates(args.candidates)
    observations = make_observations(args.samples)

    baseline_s = sandbox_s = math.inf
    config = SandboxConfig(n_workers=args.workers, chunk_size=args.chunk_size)
    for _ in range(args.repeats):  # best of the repeats: the machine may be shared
        started = time.perf_counter()
        expected = exec_per_call(programs, observations)
        baseline_s = min(baseline_s, time.perf_counter() - started)
        started = time.perf_counter()
        with SandboxPool(config) as pool:
            results = pool.run(programs, observations)
        sandbox_s = min(sandbox_s, time.perf_counter() - started)

    outputs = [[r.output if r.ok else r.error for r in row] for row in results]
    if outputs != json.loads(json.dumps(expected)):  # results cross the sandbox as JSON: tuples become lists
        raise SystemExit("the sandbox's outputs differ from the in-process outputs")
    calls = args.candidates * args.samples
    print(
        f"calls: {calls} ({args.candidates} candidates x {args.samples} samples), workers: {config.worker_count}, "
        f"chunk size: {config.chunk_size}"
    )
    print(f"exec_per_call_s: {baseline_s:.3f} ({1e6 * baseline_s / calls:.1f} us per call)")
    print(f"sandbox_s: {sandbox_s:.3f} ({1e6 * sandbox_s / calls:.1f} us per call, worker start-up included)")
    print(f"speedup_vs_exec_per_call: {baseline_s / sandbox_s:.1f}")


if __name__ == "__main__":
    main()
