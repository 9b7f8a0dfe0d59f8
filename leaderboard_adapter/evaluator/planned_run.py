"""A planned route run (route, repetition, town, dense route), how it is planned, driven and recorded."""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.errors import AdapterError
from leaderboard_adapter.evaluator.route_runner import (
    AgentSpec,
    RouteOutcome,
    TickCallback,
    error_text,
    run_route,
    simulation_crash_outcome,
    world_seed,
)
from leaderboard_adapter.privileged import RunInfo
from leaderboard_adapter.roads.opendrive import InvalidOpenDriveError
from leaderboard_adapter.roads.towns import Town, TownNotFoundError, load_town
from leaderboard_adapter.routes.interpolation import interpolate_route
from leaderboard_adapter.routes.route_config import RouteConfig
from leaderboard_adapter.routes.route_parser import RouteFileError, parse_routes_file
from leaderboard_adapter.routes.route_planner import RoutePlanningError
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.scoring import (
    ResultsFormat,
    RouteRecord,
    build_route_record,
    route_id_for,
    scheme_for_version,
)
from leaderboard_adapter.scoring.results_v1 import route_id_v1, status_v1

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedRun:
    """One entry of the run: a route, its repetition, its index in the results file and its dense route.

    `planning_error`: why the route's town could not be loaded or its keypoints traced ("" when they
    were; then `town` is None and `points` empty): the run is recorded as "Failed - Simulation crashed".
    `town_dir` and `xodr`: where its town was looked up (so another process can plan it again).
    """

    index: int
    route: RouteConfig
    repetition: int
    town: Town | None
    points: list[RoutePoint]
    routes_file: Path
    planning_error: str = ""
    town_dir: Path | None = None
    xodr: Path | None = None

    @property
    def route_id(self) -> str:
        return route_id_for(self.route.id, self.repetition)

    def record_id(self, leaderboard_version: str) -> str:
        """The results file's `route_id`: 1.0 names every repetition 'RouteScenario_<id>', 2.x adds '_rep<r>'."""
        if is_v1(leaderboard_version):
            return route_id_v1(self.route.id)
        return self.route_id

    def run_info(self, seed: int, leaderboard_version: str, world_config: WorldConfig, output_dir: str = "") -> RunInfo:
        """What the evaluator publishes to agents for this run, evaluated with `--seed seed` in `world_config`;
        `output_dir`: where the agent writes the run's files ("" for its own setting)."""
        world = world_seed(seed, self.route.id, self.repetition)
        return RunInfo(
            self.route_id, self.index, self.repetition, self.route.town, seed, world, leaderboard_version,
            str(self.routes_file), world_config.vehicle_count, world_config.walker_count, output_dir,
        )


def is_v1(leaderboard_version: str) -> bool:
    return ResultsFormat.for_version(leaderboard_version) is ResultsFormat.V1_0


def _plan_route(
    route: RouteConfig, routes_file: Path, town_dir: Path | None, xodr: Path | None
) -> tuple[Town | None, list[RoutePoint], str, Exception | None]:
    """(town, dense route, planning error, the error raised) of one route; the error "" when it was planned."""
    try:
        town = load_town(route.town, town_dir=town_dir, xodr_path=xodr)
        return town, interpolate_route(town, route), "", None
    except (TownNotFoundError, InvalidOpenDriveError, RoutePlanningError) as error:
        problem, raised = f"{routes_file}: route {route.id}: {error}", error
    except Exception as error:  # as the leaderboard: a scenario that cannot be loaded is a crash
        logger.exception("%s: route %s could not be planned", routes_file, route.id)
        problem, raised = f"{routes_file}: route {route.id}: {error_text(error)}", error
    logger.error("%s: recorded as 'Failed - Simulation crashed'", problem)
    return None, [], problem, raised


def plan_runs(
    routes_file: Path, subset: str, repetitions: int, town_dir: Path | None, xodr: Path | None
) -> list[PlannedRun]:
    """Parse, resolve towns and interpolate every route up front.

    A route whose town cannot be loaded or whose keypoints cannot be traced is planned with its
    `planning_error` (it is recorded as a simulation crash, as the leaderboard records a scenario that
    cannot be loaded, and the other routes run); when no route at all can be planned, the first
    error is raised as AdapterError (a wrong `--town-dir` or `--xodr`, before anything runs).
    """
    if repetitions < 1:
        raise AdapterError(f"--repetitions must be at least 1, got {repetitions}")
    try:
        routes = parse_routes_file(routes_file, subset)
    except (RouteFileError, OSError) as error:
        raise AdapterError(str(error)) from error
    planned: list[PlannedRun] = []
    errors: list[tuple[str, Exception]] = []
    for i, route in enumerate(routes):
        town, points, problem, error = _plan_route(route, routes_file, town_dir, xodr)
        if error is not None:
            errors.append((problem, error))
        for repetition in range(repetitions):
            planned.append(PlannedRun(
                i * repetitions + repetition, route, repetition, town, points, routes_file, problem, town_dir, xodr
            ))  # fmt: skip
    if routes and len(errors) == len(routes):
        problem, error = errors[0]
        more = f" (and {len(errors) - 1} more routes that cannot be planned)" if len(errors) > 1 else ""
        raise AdapterError(problem + more) from error
    return planned


@functools.lru_cache(maxsize=64)
def plan_route(routes_file: Path, route_id: str, town_dir: Path | None = None, xodr: Path | None = None) -> PlannedRun:
    """Route `route_id` (its `id` in the routes file) planned as run 0, repetition 0, cached per process; a
    route that cannot be planned has its `planning_error`. AdapterError when the file cannot be read
    or has no such route."""
    try:
        routes = [route for route in parse_routes_file(routes_file, "") if route.id == route_id]
    except (RouteFileError, OSError) as error:
        raise AdapterError(str(error)) from error
    if not routes:
        raise AdapterError(f"{routes_file} has no route with id {route_id!r}")
    town, points, problem, _ = _plan_route(routes[0], routes_file, town_dir, xodr)
    return PlannedRun(0, routes[0], 0, town, points, routes_file, problem, town_dir, xodr)


def route_record(run: PlannedRun, outcome: RouteOutcome, version: str) -> RouteRecord:
    """The route's leaderboard record; its `meta` also holds what the agent reported (`agent_meta`),
    when the agent or the simulation crashed or the agent could not be set up, the first line of the
    error (`failure_detail`), and for a map without any OpenDRIVE signal `map_signals` 0 and `map_note`."""
    completion = 100 if outcome.target_reached else outcome.route_completion_percent
    record = build_route_record(
        index=run.index,
        route_id=run.record_id(version),
        events=outcome.events,
        route_completion=completion,
        ending=outcome.ending,
        route_length_m=outcome.route_length_m,
        duration_game_s=outcome.duration_game_s,
        duration_system_s=outcome.duration_system_s,
        penalties=scheme_for_version(version),
    )
    if is_v1(version):
        record = replace(record, status=status_v1(record.status))  # 1.0 has no "Perfect"
    extra: dict[str, float | str] = dict(outcome.agent_meta)
    if outcome.failure_detail:
        extra["failure_detail"] = outcome.failure_detail.splitlines()[0]
    if run.town is not None and run.town.signals_note:
        extra["map_signals"] = 0
        extra["map_note"] = run.town.signals_note
    return replace(record, meta=replace(record.meta, extra=extra)) if extra else record


def drive_planned_run(
    run: PlannedRun,
    agent: AgentSpec,
    world_config: WorldConfig,
    seed: int,
    leaderboard_version: str,
    on_tick: TickCallback | None = None,
    output_dir: str = "",
) -> RouteOutcome:
    """One run's outcome with the evaluation's `seed`; a route that could not be planned, or whose run raised
    past `run_route`, is a simulation crash (KeyboardInterrupt escapes). `output_dir` is published to the
    agent (see `RunInfo.output_dir`)."""
    if run.planning_error or run.town is None:
        return simulation_crash_outcome(run.planning_error or "the route was not planned")
    wall_start = time.monotonic()
    info = run.run_info(seed, leaderboard_version, world_config, output_dir)
    try:
        return run_route(
            agent, run.town, run.points, world_config, info.world_seed, leaderboard_version, on_tick, run_info=info,
            route_length_m=run.route.keypoint_length_m if is_v1(leaderboard_version) else None,
        )
    except Exception as error:
        logger.exception("%s: the simulation crashed", run.route_id)
        return simulation_crash_outcome(error_text(error), time.monotonic() - wall_start)
