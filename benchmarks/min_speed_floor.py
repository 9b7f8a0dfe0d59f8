"""Benchmark: how the 2.x minimum-speed test scores the traffic itself, next to the expert.

Usage: python benchmarks/min_speed_floor.py [--routes embedded_training] [--subset 0-23] [--seeds 1 2 3] [--jobs 2]

The minimum-speed test (`MinSpeedCriterion`, leaderboard 2.x) cuts the route into 4 equal
lengths and compares the ego's mean speed over each with the mean speed of every NPC vehicle
over the same ticks; every quarter below 100 % costs `0.4·(1 - p/100)` in the 2.1 penalty sum.
The reference is the traffic's own mean, so a car that drives exactly like the traffic sits at
100 % on average and, with the spread that red lights give (a 4-way junction holds an approach
for 46 s of its 56 s cycle), falls below it on about half of its quarters. This measures that floor.

The expert drives each route as `agents/expert_agent.py` does (`ObservationBuilder`, `Expert`,
`VehicleController`, world seed as the evaluator derives it, default traffic and pedestrians),
with the leaderboard 2.1 criteria. Every tick the ego's and every NPC's speed are recorded.
The ego's quarter values are the criterion's own. Each NPC gets the same rule applied to its own
drive over the same ticks: its distance driven cut into 4 equal parts, its mean speed per part
over the traffic's mean speed on those ticks. Each set of quarters becomes the 2.1 min-speed
penalty factor `1 / (1 + Σ 0.4·(1 - p/100))` (the min-speed share of the infraction penalty).

Printed per route and per town: the ego's quarters below 100 % and its factor; the share of NPC
quarters below 100 % and the NPCs' mean factor, for all NPCs and for those whose cruise speed is
at least 0.95 of the limit (the ego cruises at the limit). Last lines:
`expert_min_speed_factor: N` and `traffic_min_speed_factor: N` (means over all route runs).
"""

from __future__ import annotations

import argparse
import functools
import statistics
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from expert import Expert
from langprop_driver.control import VehicleController
from langprop_driver.observation import ObservationBuilder
from leaderboard_adapter.criteria.criteria_set import RouteCriteria
from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.errors import LangPropDriveError
from leaderboard_adapter.evaluator.evaluate_command import PlannedRun, plan_runs
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.routes.route_parser import RouteFileError, parse_routes_file
from leaderboard_adapter.scoring.penalties import LEADERBOARD_2_1

CHECKPOINTS = 4
#: NPCs whose cruise speed (speed_factor x limit) is at least this share of the limit count as "fast"
FAST_FACTOR = 0.95


@dataclass(frozen=True)
class RouteFloor:
    """One route run: the ego's quarter values [%] and every NPC's, plus which NPCs are fast."""

    route_id: str
    town: str
    seed: int
    ego_quarters: list[float]
    npc_quarters: list[list[float]]
    npc_fast: list[bool]


def min_speed_factor(quarters: list[float]) -> float:
    """The 2.1 min-speed penalty factor of a list of checkpoint values [%]: 1 / (1 + Σ w·(1 - p/100))."""
    weight = LEADERBOARD_2_1.min_speed or 0.0
    return 1.0 / (1.0 + sum(weight * (1.0 - p / 100.0) for p in quarters if p < 100.0))


def own_quarters(speed_mps: np.ndarray, reference_mps: np.ndarray, dt_s: float) -> list[float]:
    """Checkpoint values [%] of one car: its distance driven cut into equal parts, its mean speed
    per part over the reference's mean on the same ticks (rounded as the leaderboard does)."""
    driven_m = np.cumsum(speed_mps) * dt_s
    if driven_m[-1] <= 0.0:
        return [0.0] * CHECKPOINTS
    part = np.minimum((driven_m / (driven_m[-1] / CHECKPOINTS)).astype(int), CHECKPOINTS - 1)
    values = []
    for k in range(CHECKPOINTS):
        ticks = part == k
        if ticks.any() and reference_mps[ticks].mean() > 0.0:
            values.append(round(float(speed_mps[ticks].mean() / reference_mps[ticks].mean()) * 100.0, 2))
    return values


def drive(run: PlannedRun, seed: int) -> RouteFloor:
    """Drive the expert on one route run, recording the ego's and every NPC's speed every tick."""
    config = WorldConfig()
    info = run.run_info(seed, "2.1", config)
    town = run.town
    world = EmbeddedWorld(
        town.map, town.lane_graph, run.points, config, info.world_seed, town.speed_limits_mps
    )
    criteria = RouteCriteria.from_view(world, "2.1")
    builder, expert, controller = ObservationBuilder(world), Expert(), VehicleController()
    npc_speeds = []
    while True:
        obs = builder.build(world)
        world.tick(controller.control(expert.act(obs).action, obs["ego"]["speed_mps"]))
        npc_speeds.append(world.fleet.speed_mps.copy())
        if criteria.update(world).ended:
            break
    criteria.finish(world)
    speeds = np.array(npc_speeds)
    reference = speeds.mean(axis=1)
    fleet = world.fleet
    return RouteFloor(
        run.route_id,
        town.name,
        seed,
        list(criteria.min_speed.checkpoint_values),
        [own_quarters(speeds[:, i], reference, config.dt_s) for i in range(speeds.shape[1])],
        [bool(f >= FAST_FACTOR) for f in fleet.speed_factor],
    )


@functools.cache
def _planned(routes: str, subset: str) -> list[PlannedRun]:
    """The runs of `subset`, planned from the whole file: each keeps its index there, and so the world
    (seeded by seed and index) that a full evaluation such as expert_quality.py gives it."""
    runs = plan_runs(resolve_routes(routes), "", 1, None, None)
    if not subset:
        return runs
    wanted = {route.id for route in parse_routes_file(resolve_routes(routes), subset)}
    return [run for run in runs if run.route.id in wanted]


def _drive_task(task: tuple[str, str, int, int]) -> RouteFloor:
    """(routes, subset, run index, seed) -> RouteFloor; runs are planned in the worker (carla.Map does not pickle)."""
    routes, subset, index, seed = task
    return drive(_planned(routes, subset)[index], seed)


def summary(floors: list[RouteFloor]) -> str:
    """One line: the ego's and the NPCs' (all, fast) share of quarters below 100 % and mean factor."""
    ego = [q for f in floors for q in f.ego_quarters]
    npc = [(q, fast) for f in floors for q, fast in zip(f.npc_quarters, f.npc_fast, strict=True)]
    fast = [q for q, is_fast in npc if is_fast]

    def below(quarter_lists: list[list[float]]) -> float:
        values = [p for qs in quarter_lists for p in qs]
        return 100.0 * sum(p < 100.0 for p in values) / max(len(values), 1)

    def factor(quarter_lists: list[list[float]]) -> float:
        return (
            statistics.fmean(min_speed_factor(qs) for qs in quarter_lists) if quarter_lists else float("nan")
        )

    return (
        f"ego below 100%: {100.0 * sum(p < 100.0 for p in ego) / max(len(ego), 1):3.0f}% of quarters, "
        f"factor {statistics.fmean(min_speed_factor(f.ego_quarters) for f in floors):.3f} | "
        f"NPCs: {below([q for q, _ in npc]):3.0f}%, factor {factor([q for q, _ in npc]):.3f} | "
        f"NPCs at >= {FAST_FACTOR} of the limit: {below(fast):3.0f}%, factor {factor(fast):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", default="embedded_training")
    parser.add_argument("--subset", default="", help="route ids, as --routes-subset (default: all)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    try:
        runs = _planned(args.routes, args.subset)
    except (LangPropDriveError, RouteFileError) as error:
        parser.error(str(error))
    tasks = [(args.routes, args.subset, i, seed) for seed in args.seeds for i in range(len(runs))]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        floors = list(pool.map(_drive_task, tasks))
    by_town: dict[str, list[RouteFloor]] = defaultdict(list)
    for floor in floors:
        by_town[floor.town].append(floor)
        ego = ", ".join(f"{p:.0f}" for p in floor.ego_quarters)
        print(f"seed {floor.seed} {floor.route_id} ({floor.town}): ego quarters [{ego}] | {summary([floor])}")
    print()
    for town, town_floors in sorted(by_town.items()):
        print(f"{town} ({len(town_floors)} runs): {summary(town_floors)}")
    print(f"all ({len(floors)} runs): {summary(floors)}")
    npc_factors = [min_speed_factor(q) for f in floors for q in f.npc_quarters]
    print(
        f"expert_min_speed_factor: {statistics.fmean(min_speed_factor(f.ego_quarters) for f in floors):.3f}"
    )
    print(f"traffic_min_speed_factor: {statistics.fmean(npc_factors):.3f}")


if __name__ == "__main__":
    main()
