"""`langprop-drive evaluate`: the embedded leaderboard evaluator's run loop over routes and repetitions."""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from leaderboard_adapter.autoagents.agent_loader import AgentLoadError, load_agent_class
from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.embedded.world import EmbeddedWorld
from leaderboard_adapter.errors import LangPropDriveError
from leaderboard_adapter.evaluator.route_runner import AgentSpec, RouteOutcome, run_route, world_seed
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.evaluator.sensor_icons import sensor_icons
from leaderboard_adapter.evaluator.summary import print_summary
from leaderboard_adapter.privileged import RunInfo
from leaderboard_adapter.roads.opendrive import InvalidOpenDriveError
from leaderboard_adapter.roads.towns import Town, TownNotFoundError, load_town
from leaderboard_adapter.routes.interpolation import interpolate_route
from leaderboard_adapter.routes.route_config import RouteConfig
from leaderboard_adapter.routes.route_parser import RouteFileError, parse_routes_file
from leaderboard_adapter.routes.route_planner import RoutePlanningError
from leaderboard_adapter.scoring import (
    ResultsFile,
    ResultsFileError,
    RouteRecord,
    build_route_record,
    route_id_for,
    scheme_for_version,
)
from leaderboard_adapter.world_view import RoutePoint

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedRun:
    """One entry of the run: a route, its repetition, its index in the results file and its dense route."""

    index: int
    route: RouteConfig
    repetition: int
    town: Town
    points: list[RoutePoint]
    routes_file: Path

    @property
    def route_id(self) -> str:
        return route_id_for(self.route.id, self.repetition)

    def run_info(self, seed: int, leaderboard_version: str, world_config: WorldConfig) -> RunInfo:
        """What the evaluator publishes to agents for this run, evaluated with `--seed seed` in `world_config`."""
        world = world_seed(seed, self.route.id, self.repetition)
        return RunInfo(
            self.route_id, self.index, self.repetition, self.town.name, seed, world, leaderboard_version,
            str(self.routes_file), world_config.vehicle_count, world_config.walker_count,
        )


def plan_runs(
    routes_file: Path, subset: str, repetitions: int, town_dir: Path | None, xodr: Path | None
) -> list[PlannedRun]:
    """Parse, resolve towns and interpolate every route up front, so bad input fails before anything runs."""
    if repetitions < 1:
        raise LangPropDriveError(f"--repetitions must be at least 1, got {repetitions}")
    try:
        routes = parse_routes_file(routes_file, subset)
    except (RouteFileError, OSError) as error:
        raise LangPropDriveError(str(error)) from error
    planned: list[PlannedRun] = []
    for i, route in enumerate(routes):
        try:
            town = load_town(route.town, town_dir=town_dir, xodr_path=xodr)
            points = interpolate_route(town, route)
        except (TownNotFoundError, InvalidOpenDriveError, RoutePlanningError) as error:
            raise LangPropDriveError(f"{routes_file}: route {route.id}: {error}") from error
        for repetition in range(repetitions):
            planned.append(PlannedRun(i * repetitions + repetition, route, repetition, town, points, routes_file))
    return planned


def _open_results(path: Path, runs: list[PlannedRun], resume: bool) -> ResultsFile:
    route_ids = [run.route_id for run in runs]
    try:
        if resume and path.exists():
            results = ResultsFile.resume(path, route_ids)
            logger.info("resuming %s at route %d of %d", path, results.resume_index, len(runs))
            return results
        if resume:
            logger.info("--resume: %s does not exist yet, starting a new results file", path)
        elif path.exists():
            backup = path.with_name(f"{path.stem}.{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
            path.rename(backup)
            logger.warning("%s existed: kept as %s (use --resume to continue a run)", path, backup)
        path.parent.mkdir(parents=True, exist_ok=True)
        return ResultsFile.create(path, len(runs))
    except ResultsFileError as error:
        raise LangPropDriveError(str(error)) from error


def _record(run: PlannedRun, outcome: RouteOutcome, version: str) -> RouteRecord:
    completion = 100 if outcome.target_reached else outcome.route_completion_percent
    return build_route_record(
        index=run.index,
        route_id=run.route_id,
        events=outcome.events,
        route_completion=completion,
        ending=outcome.ending,
        route_length_m=outcome.route_length_m,
        duration_game_s=outcome.duration_game_s,
        duration_system_s=outcome.duration_system_s,
        penalties=scheme_for_version(version),
    )


class _Progress:
    """A route-level progress bar whose postfix shows the current route's completion."""

    def __init__(self, total: int, done: int, enabled: bool):
        self.bar = tqdm(total=total, initial=done, unit="route", disable=not enabled, dynamic_ncols=True)
        self._next_refresh_frame = 0

    def on_tick(self, world: EmbeddedWorld, completion_percent: float) -> None:
        if world.frame >= self._next_refresh_frame:
            self._next_refresh_frame = world.frame + 100
            self.bar.set_postfix_str(f"RC {completion_percent:5.1f}%  t {world.game_time_s:6.1f}s", refresh=True)

    def route_done(self, record: RouteRecord) -> None:
        self.bar.write(
            f"{record.route_id}: {record.status}  DS {record.driving_score:.2f}  RC {record.route_completion:.2f}  "
            f"IP {record.infraction_penalty:.3f}"
        )
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


AGENTS_DIR = Path(__file__).resolve().parents[2] / "agents"
"""The repository's leaderboard agent files (route follower, expert, LangProp, DAgger)."""


@dataclass(frozen=True)
class EvaluationRequest:
    """One evaluation: planned runs, the agent, the world, where results go and how the run is shown."""

    runs: list[PlannedRun]
    agent: AgentSpec
    world_config: WorldConfig
    checkpoint: Path
    seed: int
    leaderboard_version: str
    resume: bool = False
    progress: bool = True


def agent_spec_for(args: argparse.Namespace) -> AgentSpec:
    """The agent of `evaluate`'s flags: `-a`, or the LangProp agent for `--policy`, or the route follower."""
    if args.policy is not None and (args.agent is not None or args.agent_config):
        raise LangPropDriveError("--policy stands for the LangProp agent and its config: drop -a/--agent-config")
    if args.policy is not None:
        agent_path, config = AGENTS_DIR / "langprop_agent.py", args.policy
    else:
        agent_path = Path(args.agent) if args.agent is not None else AGENTS_DIR / "route_follower_agent.py"
        config = args.agent_config
    return AgentSpec(
        agent_path, config, args.leaderboard_version, args.track, host=args.host, port=args.port, debug=args.debug > 0
    )


def world_config_for(vehicles: int | None, walkers: int | None) -> WorldConfig:
    """The default world with `--vehicles` / `--walkers` (None keeps the default); bad counts are errors."""
    try:
        return WorldConfig().with_counts(vehicles, walkers)
    except ValueError as error:
        raise LangPropDriveError(str(error)) from error


def plan_from_args(args: argparse.Namespace) -> list[PlannedRun]:
    """The runs of the `--routes`, `--routes-subset`, `--repetitions`, `--town-dir` and `--xodr` flags."""
    routes_file = resolve_routes(args.routes)
    runs = plan_runs(routes_file, args.routes_subset, args.repetitions, args.town_dir, args.xodr)
    if not runs:
        raise LangPropDriveError(f"{routes_file}: no routes selected (subset {args.routes_subset!r})")
    return runs


def run_evaluate(args: argparse.Namespace) -> int:
    """Run the evaluation described by the parsed `evaluate` arguments; the process exit code."""
    request = EvaluationRequest(
        runs=plan_from_args(args),
        agent=agent_spec_for(args),
        world_config=world_config_for(args.vehicles, args.walkers),
        checkpoint=Path(args.checkpoint),
        seed=args.seed,
        leaderboard_version=args.leaderboard_version,
        resume=args.resume,
        progress=not args.no_progress,
    )
    return evaluate_runs(request)


def evaluate_runs(request: EvaluationRequest) -> int:
    """Drive every planned run not yet in the results file and finalise it; 0, or 130 on Ctrl-C (what was
    scored is kept). Raises LangPropDriveError for an agent file that cannot load or a run that stops the
    evaluation."""
    runs, version = request.runs, request.leaderboard_version
    try:
        load_agent_class(request.agent.path)  # fail fast on a file that cannot be an agent, before any route runs
    except AgentLoadError as error:
        raise LangPropDriveError(str(error)) from error
    checkpoint = request.checkpoint
    results = _open_results(checkpoint, runs, request.resume)
    todo = [run for run in runs if run.index >= results.resume_index]
    progress = _Progress(len(runs), len(runs) - len(todo), enabled=request.progress)
    stopped_by: RouteOutcome | None = None
    try:
        for run in todo:
            info = run.run_info(request.seed, version, request.world_config)
            outcome = run_route(
                request.agent, run.town, run.points, request.world_config, info.world_seed, version,
                progress.on_tick, run_info=info,
            )
            if outcome.sensor_types and not results.sensors:
                results.set_sensors(sensor_icons(outcome.sensor_types))
            record = _record(run, outcome, version)
            results.add_record(record, entry_status=outcome.ending.entry_status)
            progress.route_done(record)
            if outcome.ending.stops_evaluation:
                stopped_by = outcome
                break
    except KeyboardInterrupt:
        progress.close()
        done, total = results.progress
        print(f"\ninterrupted: {done} of {total} routes are saved in {checkpoint}; continue with --resume")
        return 130
    progress.close()
    if stopped_by is not None:
        print_summary(results.records, None)
        raise LangPropDriveError(
            f"evaluation stopped ({stopped_by.ending.failure_message}): {stopped_by.failure_detail}"
        )
    global_record = results.finalise(sensors_initialized=True)
    print_summary(results.records, global_record)
    print(f"results: {checkpoint}")
    return 0
