"""Benchmark: how the 2.x minimum-speed test scores the traffic itself, next to the expert.

Usage: python benchmarks/min_speed_floor.py [--routes embedded_training] [--subset 0-23] [--seeds 1 2 3] [--jobs 2]
                                            [--ego-priority] [--reference-radius M]

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

Printed per route and per town: the ego's driving score (2.1), its quarters below 100 % and its
factor; the share of NPC quarters below 100 % and the NPCs' mean factor, for all NPCs and for those
whose cruise speed is at least 0.95 of the limit (the ego cruises at the limit). Last lines:
`expert_driving_score: N`, `expert_min_speed_factor: N` and `traffic_min_speed_factor: N` (means
over all route runs).

Two experiments, each off by default (the evaluator's world and criterion):
- `--ego-priority`: every light gives the ego priority, as the official 2.x routes'
  PriorityAtJunction scenario does at the junctions where it is placed: once the light governing
  the ego's lane is within 40 m, it is frozen green and the junction's other lights red, until the
  ego has left the junction (`EgoPriority`). Shows what the expert scores without the lights' luck.
- `--reference-radius M`: the criteria see only the actors within M metres of the ego (`LocalTraffic`),
  as under BackgroundActivity, whose traffic lives around the ego (its opposite-lane sources are 80 m
  away, its road vehicles within about 45 m, its junction sources 40 m before the junctions ahead).
  The ego's quarters and driving score use that reference; the NPCs' columns keep the whole traffic.
"""

from __future__ import annotations

import argparse
import functools
import statistics
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields

import numpy as np

from expert import Expert
from langprop_driver.errors import LangPropDriveError
from leaderboard_adapter.control import VehicleController
from leaderboard_adapter.criteria.criteria_set import RouteCriteria
from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.errors import AdapterError
from leaderboard_adapter.evaluator.planned_run import PlannedRun, plan_runs
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.observation import ObservationBuilder
from leaderboard_adapter.routes.route_parser import RouteFileError, parse_routes_file
from leaderboard_adapter.scoring.penalties import LEADERBOARD_2_1
from leaderboard_adapter.world_view import ActorArrays, LightState

CHECKPOINTS = 4
#: NPCs whose cruise speed (speed_factor x limit) is at least this share of the limit count as "fast"
FAST_FACTOR = 0.95
#: --ego-priority: the ego's light is frozen green from this distance to its stop line [m]
PRIORITY_TRIGGER_M = 40.0


@dataclass(frozen=True)
class Experiment:
    """What the run changes from the evaluator's world and criterion (defaults: nothing)."""

    ego_priority: bool = False
    reference_radius_m: float | None = None


@dataclass(frozen=True)
class RouteFloor:
    """One route run: the ego's quarter values [%] and every NPC's, plus which NPCs are fast."""

    route_id: str
    town: str
    seed: int
    driving_score: float
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


class EgoPriority:
    """PriorityAtJunction at every light of the route (--ego-priority): once the light governing the
    ego's lane is within `PRIORITY_TRIGGER_M` of its stop line, it is frozen green and the other
    lights of its junction red; they cycle again once the ego has been in the junction and left it.
    The agent sees the change from the next tick's observation on."""

    def __init__(self, world: EmbeddedWorld):
        self.world = world
        self._junction_of = {s.signal_id: s.junction_id for s in world.lights.sites}
        self._frozen: list[int] = []
        self._entered = False

    def update(self, observation: dict) -> None:
        """Call with each tick's observation, before the agent acts on it."""
        in_junction = observation["route"]["in_junction"]
        if self._frozen:
            if self._entered and not in_junction:
                for light_id in self._frozen:
                    self.world.freeze_light(light_id, None)
                self._frozen = []
            self._entered = self._entered or in_junction
            return
        light = observation["traffic_light"]
        if light is None or light["distance_m"] > PRIORITY_TRIGGER_M:
            return
        junction = self._junction_of[light["id"]]
        self._frozen = [sid for sid, j in self._junction_of.items() if j == junction]
        for light_id in self._frozen:
            self.world.freeze_light(light_id, LightState.GREEN if light_id == light["id"] else LightState.RED)
        self._entered = False


class LocalTraffic:
    """The world as the criteria see it under --reference-radius: only actors within `radius_m` of the hero."""

    def __init__(self, world: EmbeddedWorld, radius_m: float):
        self._world = world
        self.radius_m = radius_m

    def __getattr__(self, name: str) -> object:
        return getattr(self._world, name)

    def actors(self) -> ActorArrays:
        actors, hero = self._world.actors(), self._world.hero()
        near = np.hypot(actors.x_m - hero.x_m, actors.y_m - hero.y_m) <= self.radius_m
        return ActorArrays(*(getattr(actors, f.name)[near] for f in fields(ActorArrays)))


def make_world(run: PlannedRun, seed: int) -> EmbeddedWorld:
    """The world the evaluator gives `run` for `seed` (default traffic and pedestrians, 2.1)."""
    config = WorldConfig()
    info = run.run_info(seed, "2.1", config)
    town = run.town
    return EmbeddedWorld(town.map, town.lane_graph, run.points, config, info.world_seed, town.speed_limits_mps)


def drive(run: PlannedRun, seed: int, experiment: Experiment = Experiment()) -> RouteFloor:
    """Drive the expert on one route run, recording the ego's and every NPC's speed every tick."""
    world = make_world(run, seed)
    radius = experiment.reference_radius_m
    view = world if radius is None else LocalTraffic(world, radius)
    criteria = RouteCriteria.from_view(view, "2.1")
    builder, expert, controller = ObservationBuilder(world), Expert(), VehicleController()
    priority = EgoPriority(world) if experiment.ego_priority else None
    npc_speeds = []
    while True:
        obs = builder.build(world)
        if priority is not None:
            priority.update(obs)
        world.tick(controller.control(expert.act(obs).action, obs["ego"]["speed_mps"]))
        npc_speeds.append(world.fleet.speed_mps.copy())
        if criteria.update(view).ended:
            break
    criteria.finish(view)
    speeds = np.array(npc_speeds)
    reference = speeds.mean(axis=1)
    fleet = world.fleet
    return RouteFloor(
        run.route_id,
        run.town.name,
        seed,
        criteria.route_completion_percent * LEADERBOARD_2_1.infraction_penalty(criteria.events),
        list(criteria.min_speed.checkpoint_values),
        [own_quarters(speeds[:, i], reference, world.config.dt_s) for i in range(speeds.shape[1])],
        [bool(f >= FAST_FACTOR) for f in fleet.speed_factor],
    )


@functools.cache
def _planned(routes: str, subset: str) -> list[PlannedRun]:
    """The runs of `subset`, planned from the whole file (each world is seeded by seed and route id, as
    in a full evaluation such as expert_quality.py)."""
    runs = plan_runs(resolve_routes(routes), "", 1, None, None)
    if not subset:
        return runs
    wanted = {route.id for route in parse_routes_file(resolve_routes(routes), subset)}
    return [run for run in runs if run.route.id in wanted]


def _drive_task(task: tuple[str, str, int, int, Experiment]) -> RouteFloor:
    """(routes, subset, run index, seed, experiment) -> RouteFloor; runs are planned in the worker
    (carla.Map does not pickle)."""
    routes, subset, index, seed, experiment = task
    return drive(_planned(routes, subset)[index], seed, experiment)


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
        f"DS {statistics.fmean(f.driving_score for f in floors):6.2f} | "
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
    parser.add_argument("--ego-priority", action="store_true", help="every light gives the ego priority")
    parser.add_argument(
        "--reference-radius", type=float, metavar="M", help="the criteria see only actors within M metres"
    )
    args = parser.parse_args()
    if args.reference_radius is not None and not args.reference_radius > 0:
        parser.error(f"--reference-radius must be positive, got {args.reference_radius}")
    experiment = Experiment(args.ego_priority, args.reference_radius)
    try:
        runs = _planned(args.routes, args.subset)
    except (AdapterError, LangPropDriveError, RouteFileError) as error:
        parser.error(str(error))
    tasks = [(args.routes, args.subset, i, seed, experiment) for seed in args.seeds for i in range(len(runs))]
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
    print(f"expert_driving_score: {statistics.fmean(f.driving_score for f in floors):.2f}")
    print(
        f"expert_min_speed_factor: {statistics.fmean(min_speed_factor(f.ego_quarters) for f in floors):.3f}"
    )
    print(f"traffic_min_speed_factor: {statistics.fmean(npc_factors):.3f}")


if __name__ == "__main__":
    main()
