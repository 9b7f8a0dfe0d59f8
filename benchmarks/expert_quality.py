"""Benchmark: the expert agent's driving quality on the training routes over several seeds.

Usage: python benchmarks/expert_quality.py [--seeds 1 2 3] [--routes embedded_training] [--jobs 2] [--out DIR]
       [--town-dir DIR] [--leaderboard-version 1.0] [--shards K] [--per-route]
Runs `langprop-drive evaluate -a agents/expert_agent.py` per seed (in parallel, one process each;
with --shards K, each seed's routes split into K interleaved subsets, one process each) with the
world's default traffic and pedestrians, reads the leaderboard results files, and prints a
Markdown table: driving score, route completion, infraction penalty and infraction counts per
seed (the means over that seed's routes, as the leaderboard's global record), then their mean.
With --per-route, a table per route (town, length, DS, RC, IP, infractions) comes first. The last
line is `expert_driving_score_mean: N`.

Longest6 on CARLA's towns with leaderboard 1.0 scoring (issue 15):

    python benchmarks/expert_quality.py --routes longest6.xml --town-dir ../shared/carla_towns \
        --leaderboard-version 1.0 --seeds 0 --shards 2 --jobs 2 --per-route
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from langprop_driver.agent_paths import EXPERT_AGENT
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.routes.route_parser import parse_routes_file

ROOT = Path(__file__).resolve().parents[1]
AGENT = EXPERT_AGENT
COLUMNS = {
    "collisions": ("collisions_layout", "collisions_pedestrian", "collisions_vehicle"),
    "red lights": ("red_light",),
    "stop signs": ("stop_infraction",),
    "off-lane": ("outside_route_lanes",),
    "min speed": ("min_speed_infractions",),
    "blocked/timeout/deviated": ("vehicle_blocked", "route_timeout", "route_dev"),
}


@dataclass(frozen=True)
class Run:
    """One evaluate process: a seed and the route ids it drives (all of them when empty)."""

    seed: int
    shard: int
    route_ids: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"expert_seed{self.seed}" + (f"_shard{self.shard}" if self.route_ids else "")


def plan_runs(seeds: list[int], route_ids: list[str], shards: int) -> list[Run]:
    """One run per seed, or per seed and shard (route ids dealt out in turn) with shards > 1."""
    if shards <= 1:
        return [Run(seed, 0, ()) for seed in seeds]
    return [Run(seed, k, tuple(route_ids[k::shards])) for seed in seeds for k in range(shards) if route_ids[k::shards]]


def run_evaluate(run: Run, routes: str, out: Path, extra: list[str]) -> Path:
    checkpoint = out / f"{run.name}.json"
    checkpoint.unlink(missing_ok=True)
    cmd = [
        sys.executable, "-m", "langprop_driver.cli", "evaluate", "-a", str(AGENT), "--routes", routes,
        "--seed", str(run.seed), "--checkpoint", str(checkpoint), "--no-progress", *extra,
    ]
    if run.route_ids:
        cmd += ["--routes-subset", ",".join(run.route_ids)]
    log = out / f"{run.name}.log"
    with log.open("w") as f:
        code = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT)
    if code != 0:
        raise SystemExit(f"{run.name}: evaluate exited with {code}; see {log}")
    return checkpoint


def records_of(checkpoints: list[Path]) -> list[dict]:
    return [r for c in checkpoints for r in json.loads(c.read_text())["_checkpoint"]["records"]]


def seed_row(records: list[dict]) -> dict[str, float]:
    """The global record's DS, RC, IP (means over the routes) and infraction counts of one seed's records."""
    n = max(len(records), 1)
    row = {
        "DS": sum(r["scores"]["score_composed"] for r in records) / n,
        "RC": sum(r["scores"]["score_route"] for r in records) / n,
        "IP": sum(r["scores"]["score_penalty"] for r in records) / n,
    }
    for name, keys in COLUMNS.items():
        row[name] = sum(len(r["infractions"].get(k, ())) for r in records for k in keys)  # 1.0 has fewer labels
    return row


def route_rows(records: list[dict], towns: dict[str, str]) -> list[str]:
    """Markdown rows per route record: id, town, length [m], DS, RC, IP, status, infractions."""
    lines = ["| route | town | length [m] | DS | RC | IP | status | infractions |", "| --- " * 8 + "|"]
    for r in sorted(records, key=lambda r: _route_number(r["route_id"])):
        counts = ", ".join(f"{k} {len(v)}" for k, v in r["infractions"].items() if v)
        route = r["route_id"].removeprefix("RouteScenario_").split("_rep")[0]
        lines.append(
            f"| {route} | {towns.get(route, '?')} | {r['meta'].get('route_length', 0):.0f} | "
            f"{r['scores']['score_composed']:.1f} | {r['scores']['score_route']:.1f} | "
            f"{r['scores']['score_penalty']:.2f} | {r['status']} | {counts or '-'} |"
        )
    return lines


def _route_number(route_id: str) -> tuple[int, str]:
    name = route_id.removeprefix("RouteScenario_").split("_rep")[0]
    return (int(name), "") if name.isdigit() else (1 << 30, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--routes", default="embedded_training")
    parser.add_argument("--jobs", type=int, default=min(3, os.cpu_count() or 1))
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "expert_quality")
    parser.add_argument("--town-dir", type=Path, help="folder of OpenDRIVE maps (e.g. CARLA's towns)")
    parser.add_argument("--leaderboard-version", choices=["1.0", "2.0", "2.1"], help="scoring (evaluate's default: 2.1)")
    parser.add_argument("--shards", type=int, default=1, help="evaluate processes per seed, routes dealt out in turn")
    parser.add_argument("--per-route", action="store_true", help="also print a table per route")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    extra = [f"--town-dir={args.town_dir}"] if args.town_dir else []
    extra += [f"--leaderboard-version={args.leaderboard_version}"] if args.leaderboard_version else []
    routes = parse_routes_file(resolve_routes(args.routes))
    towns = {r.id: r.town for r in routes}
    runs = plan_runs(args.seeds, [r.id for r in routes], args.shards)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        checkpoints = list(pool.map(lambda run: run_evaluate(run, args.routes, args.out, extra), runs))
    by_seed = {seed: [c for run, c in zip(runs, checkpoints, strict=True) if run.seed == seed] for seed in args.seeds}
    rows = [seed_row(records_of(by_seed[seed])) for seed in args.seeds]
    names = list(rows[0])
    print(f"routes: {args.routes}  seeds: {' '.join(map(str, args.seeds))}  wall time: {time.perf_counter() - t0:.0f} s")
    if args.per_route:
        for seed in args.seeds:
            print(f"seed {seed}:")
            print("\n".join(route_rows(records_of(by_seed[seed]), towns)))
    print("| seed | " + " | ".join(names) + " |")
    print("| --- " * (len(names) + 1) + "|")
    for seed, row in zip(args.seeds, rows, strict=True):
        print(f"| {seed} | " + " | ".join(_fmt(row[n]) for n in names) + " |")
    mean = {n: sum(r[n] for r in rows) / len(rows) for n in names}
    print("| mean | " + " | ".join(_fmt(mean[n]) for n in names) + " |")
    print(f"expert_driving_score_mean: {mean['DS']:.2f}")


def _fmt(value: float) -> str:
    return f"{value:.2f}" if isinstance(value, float) and not value.is_integer() else f"{value:g}"


if __name__ == "__main__":
    main()
