"""Benchmark: the expert agent's driving quality on the training routes over several seeds.

Usage: python benchmarks/expert_quality.py [--seeds 1 2 3] [--routes embedded_training] [--jobs 2] [--out DIR]
Runs `langprop-drive evaluate -a agents/expert_agent.py` once per seed (in parallel, one
process each) with the world's default traffic and pedestrians, reads the leaderboard results
files, and prints a Markdown table: driving score, route completion, infraction penalty and
infraction counts per seed, then their mean. The last line is `expert_driving_score_mean: N`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AGENT = ROOT / "agents" / "expert_agent.py"
COLUMNS = {
    "collisions": ("collisions_layout", "collisions_pedestrian", "collisions_vehicle"),
    "red lights": ("red_light",),
    "stop signs": ("stop_infraction",),
    "off-lane": ("outside_route_lanes",),
    "min speed": ("min_speed_infractions",),
    "blocked/timeout/deviated": ("vehicle_blocked", "route_timeout", "route_dev"),
}


def run_seed(seed: int, routes: str, out: Path) -> Path:
    checkpoint = out / f"expert_seed{seed}.json"
    checkpoint.unlink(missing_ok=True)
    cmd = [
        sys.executable, "-m", "leaderboard_adapter.cli", "evaluate", "-a", str(AGENT), "--routes", routes,
        "--seed", str(seed), "--checkpoint", str(checkpoint), "--no-progress",
    ]
    log = out / f"expert_seed{seed}.log"
    with log.open("w") as f:
        code = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=ROOT)
    if code != 0:
        raise SystemExit(f"seed {seed}: evaluate exited with {code}; see {log}")
    return checkpoint


def seed_row(checkpoint: Path) -> dict[str, float]:
    data = json.loads(checkpoint.read_text())
    records = data["_checkpoint"]["records"]
    glob = data["_checkpoint"]["global_record"]["scores_mean"]
    row = {"DS": glob["score_composed"], "RC": glob["score_route"], "IP": glob["score_penalty"]}
    for name, keys in COLUMNS.items():
        row[name] = sum(len(r["infractions"][k]) for r in records for k in keys)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--routes", default="embedded_training")
    parser.add_argument("--jobs", type=int, default=min(3, os.cpu_count() or 1))
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "expert_quality")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        checkpoints = list(pool.map(lambda s: run_seed(s, args.routes, args.out), args.seeds))
    rows = [seed_row(c) for c in checkpoints]
    names = list(rows[0])
    print(f"routes: {args.routes}  seeds: {' '.join(map(str, args.seeds))}  wall time: {time.perf_counter() - t0:.0f} s")
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
