"""Benchmark: closed-loop fitness of a fixed pool of candidates (the baseline and variants of it).

    python benchmarks/bench_closed_loop.py [--candidates 8] [--routes 0,1,8,9,16,17] [--seed 0] [--workers N]

Each candidate drives the routes of `embedded_training` as the trainer's closed-loop stage does
(DAgger agent, expert in shadow, one route run per process job). The baseline's drives are the
buffer: every candidate is also scored open loop on those frames (training mode dagger_penalty),
as the trainer's cheap stage would. Prints a table (open-loop score, DS per candidate), then
`candidates_per_minute` with all workers, `parallel_efficiency` (throughput with N workers over N x
the throughput of one worker, on the same runs) and last `spearman_offline_vs_ds`, the rank
correlation of the open-loop score with DS over the pool.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from data_collection import BufferIndex
from langprop_driver.driving import DRIVE_SPEC, driving_task, samples_from_frames
from langprop_driver.driving.baseline_variants import variant_sources
from langprop_driver.engine import Candidate, ScoringConfig, evaluate
from langprop_driver.pipeline.closed_loop import ONLINE_BUFFER, ClosedLoopConfig, DrivingScorer, RouteSplit
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES, SandboxConfig, SandboxPool


def ranks(values: list[float]) -> np.ndarray:
    """Ranks 1..n, ties given their mean rank."""
    order = np.argsort(values, kind="stable")
    result = np.empty(len(values))
    result[order] = np.arange(1, len(values) + 1)
    for value in set(values):
        tied = [i for i, v in enumerate(values) if v == value]
        result[tied] = result[tied].mean()
    return result


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation of two equally long lists."""
    ra, rb = ranks(a), ranks(b)
    return float(np.corrcoef(ra, rb)[0, 1])


def drive(candidates: list[Candidate], run_dir: Path, routes: str, seed: int, workers: int) -> tuple[dict, float]:
    """Every candidate's training fitness on `routes` with `workers` processes; (fitness by id, seconds)."""
    config = ClosedLoopConfig(train=RouteSplit(routes, (seed,)), validation=RouteSplit(routes, (seed + 1000,)),
                              workers=workers, progress=True)  # fmt: skip
    scorer = DrivingScorer(run_dir, config)
    try:
        scorer.score(candidates[:1], "train")  # start the worker processes outside the timing
        started = time.perf_counter()
        fitness = scorer.score(candidates, "train")
        return fitness, time.perf_counter() - started
    finally:
        scorer.close()


def open_loop(candidates: list[Candidate], run_dir: Path) -> dict[str, float]:
    """Every candidate's open-loop mean score on the frames of the first candidate's (the baseline's) drives."""
    index = BufferIndex.scan(run_dir / ONLINE_BUFFER / candidates[0].id)
    samples = samples_from_frames([index.load(ref) for ref in index.frames], "dagger_penalty")
    with SandboxPool(SandboxConfig()) as pool:
        evaluations = evaluate(pool, driving_task("dagger_penalty"), candidates, samples, ScoringConfig(), 0)
    print(f"open loop: {len(samples)} frames of the baseline's drives")
    return {cid: e.mean_score for cid, e in evaluations.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=8, help="the first N named variants (baseline first)")
    parser.add_argument("--routes", default="0,1,8,9,16,17", help="routes of embedded_training")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    names = list(variant_sources())[: args.candidates]
    sources = variant_sources()
    candidates = [Candidate.create(f"c{i + 1:04d}", sources[name], DRIVE_SPEC, DEFAULT_ALLOWED_MODULES, origin="given")
                  for i, name in enumerate(names)]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench_closed_loop_") as folder:
        fitness, many_s = drive(candidates, Path(folder) / "many", args.routes, args.seed, args.workers)
        one_s = many_s * args.workers
        if args.workers > 1:
            _, one_s = drive(candidates, Path(folder) / "one", args.routes, args.seed, 1)
        offline = open_loop(candidates, Path(folder) / "many")
    print(f"{'candidate':<22} {'open loop':>9} {'DS':>7}")
    for name, candidate in zip(names, candidates, strict=True):
        print(f"{name:<22} {offline[candidate.id]:>9.4f} {fitness[candidate.id].score:>7.2f}")
    runs = len(candidates) * len(args.routes.split(","))
    print(f"route runs: {runs} ({many_s:.1f} s with {args.workers} workers, {one_s:.1f} s with 1)")
    print(f"candidates_per_minute: {60.0 * len(candidates) / many_s:.2f}")
    print(f"parallel_efficiency: {one_s / (args.workers * many_s):.3f}")
    print(f"spearman_offline_vs_ds: {spearman([offline[c.id] for c in candidates], [fitness[c.id].score for c in candidates]):.3f}")


if __name__ == "__main__":
    main()
