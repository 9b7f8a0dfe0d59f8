"""`langprop-drive evaluate`: the embedded leaderboard evaluator's run loop over routes and repetitions."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from leaderboard_adapter.autoagents.agent_loader import AgentLoadError, load_agent_class
from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.embedded.world import EmbeddedWorld
from leaderboard_adapter.errors import LangPropDriveError
from leaderboard_adapter.evaluator.route_runner import (
    AgentSpec,
    RouteOutcome,
    error_text,
    run_route,
    simulation_crash_outcome,
    world_seed,
)
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
    EntryStatus,
    ResultsFile,
    ResultsFileError,
    ResultsFormat,
    RouteEnding,
    RouteRecord,
    build_route_record,
    route_id_for,
    scheme_for_version,
)
from leaderboard_adapter.scoring.results_v1 import route_id_v1, status_v1
from leaderboard_adapter.world_view import RoutePoint

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedRun:
    """One entry of the run: a route, its repetition, its index in the results file and its dense route.

    `planning_error`: why the route's town could not be loaded or its keypoints traced ("" when they
    were; then `town` is None and `points` empty): the run is recorded as "Failed - Simulation crashed".
    """

    index: int
    route: RouteConfig
    repetition: int
    town: Town | None
    points: list[RoutePoint]
    routes_file: Path
    planning_error: str = ""

    @property
    def route_id(self) -> str:
        return route_id_for(self.route.id, self.repetition)

    def record_id(self, leaderboard_version: str) -> str:
        """The results file's `route_id`: 1.0 names every repetition 'RouteScenario_<id>', 2.x adds '_rep<r>'."""
        if _is_v1(leaderboard_version):
            return route_id_v1(self.route.id)
        return self.route_id

    def run_info(self, seed: int, leaderboard_version: str, world_config: WorldConfig) -> RunInfo:
        """What the evaluator publishes to agents for this run, evaluated with `--seed seed` in `world_config`."""
        world = world_seed(seed, self.route.id, self.repetition)
        return RunInfo(
            self.route_id, self.index, self.repetition, self.route.town, seed, world, leaderboard_version,
            str(self.routes_file), world_config.vehicle_count, world_config.walker_count,
        )


def _is_v1(leaderboard_version: str) -> bool:
    return ResultsFormat.for_version(leaderboard_version) is ResultsFormat.V1_0


def plan_runs(
    routes_file: Path, subset: str, repetitions: int, town_dir: Path | None, xodr: Path | None
) -> list[PlannedRun]:
    """Parse, resolve towns and interpolate every route up front.

    A route whose town cannot be loaded or whose keypoints cannot be traced is planned with its
    `planning_error` (it is recorded as a simulation crash, as the leaderboard records a scenario that
    cannot be loaded, and the other routes run); when no route at all can be planned, the first
    error is raised as LangPropDriveError (a wrong `--town-dir` or `--xodr`, before anything runs).
    """
    if repetitions < 1:
        raise LangPropDriveError(f"--repetitions must be at least 1, got {repetitions}")
    try:
        routes = parse_routes_file(routes_file, subset)
    except (RouteFileError, OSError) as error:
        raise LangPropDriveError(str(error)) from error
    planned: list[PlannedRun] = []
    errors: list[tuple[str, Exception]] = []
    for i, route in enumerate(routes):
        town: Town | None = None
        points: list[RoutePoint] = []
        problem = ""
        try:
            town = load_town(route.town, town_dir=town_dir, xodr_path=xodr)
            points = interpolate_route(town, route)
        except (TownNotFoundError, InvalidOpenDriveError, RoutePlanningError) as error:
            problem = f"{routes_file}: route {route.id}: {error}"
            errors.append((problem, error))
        except Exception as error:  # as the leaderboard: a scenario that cannot be loaded is a crash
            logger.exception("%s: route %s could not be planned", routes_file, route.id)
            problem = f"{routes_file}: route {route.id}: {error_text(error)}"
            errors.append((problem, error))
        if problem:
            logger.error("%s: recorded as 'Failed - Simulation crashed'", problem)
            town, points = None, []
        for repetition in range(repetitions):
            planned.append(
                PlannedRun(i * repetitions + repetition, route, repetition, town, points, routes_file, problem)
            )
    if routes and len(errors) == len(routes):
        problem, error = errors[0]
        more = f" (and {len(errors) - 1} more routes that cannot be planned)" if len(errors) > 1 else ""
        raise LangPropDriveError(problem + more) from error
    return planned


def _open_results(path: Path, runs: list[PlannedRun], resume: bool, version: str = "2.1") -> ResultsFile:
    results_format = ResultsFormat.for_version(version)
    route_ids = [run.record_id(version) for run in runs]
    try:
        if resume and path.exists():
            results = ResultsFile.resume(path, route_ids, results_format)
            logger.info("resuming %s at route %d of %d", path, results.resume_index, len(runs))
            return results
        if resume:
            logger.info("--resume: %s does not exist yet, starting a new results file", path)
        elif path.exists():
            backup = path.with_name(f"{path.stem}.{time.strftime('%Y%m%d-%H%M%S')}{path.suffix}")
            path.rename(backup)
            logger.warning("%s existed: kept as %s (use --resume to continue a run)", path, backup)
        path.parent.mkdir(parents=True, exist_ok=True)
        return ResultsFile.create(path, len(runs), results_format=results_format)
    except ResultsFileError as error:
        raise LangPropDriveError(str(error)) from error


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
    if _is_v1(version):
        record = replace(record, status=status_v1(record.status))  # 1.0 has no "Perfect"
    extra: dict[str, float | str] = dict(outcome.agent_meta)
    if outcome.failure_detail:
        extra["failure_detail"] = outcome.failure_detail.splitlines()[0]
    if run.town is not None and run.town.signals_note:
        extra["map_signals"] = 0
        extra["map_note"] = run.town.signals_note
    return replace(record, meta=replace(record.meta, extra=extra)) if extra else record


def policy_calls_text(record: RouteRecord) -> str:
    """'policy failed 3 of 250 calls' when the agent reported `policy_calls` and `policy_failures`, else ''."""
    calls, failures = record.meta.extra.get("policy_calls"), record.meta.extra.get("policy_failures")
    if calls is None or failures is None:
        return ""
    return f"policy failed {failures} of {calls} calls"


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
        line = (
            f"{record.route_id}: {record.status}  DS {record.driving_score:.2f}  RC {record.route_completion:.2f}  "
            f"IP {record.infraction_penalty:.3f}"
        )
        policy = policy_calls_text(record)
        self.bar.write(line + (f"  {policy}" if policy else ""))
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


def agent_spec_for(args: argparse.Namespace, config_dir: Path | None = None) -> AgentSpec:
    """The agent of `evaluate`'s flags: `-a`, or the LangProp agent for `--policy`, or the route follower.

    With `--step-timeout-s`, the LangProp agent's config is a JSON file written to `config_dir` that
    `extends` the `--policy` config (any form the agent reads) with that `step_timeout_s`.
    """
    if args.policy is not None and (args.agent is not None or args.agent_config):
        raise LangPropDriveError("--policy stands for the LangProp agent and its config: drop -a/--agent-config")
    if args.step_timeout_s is not None and args.policy is None:
        raise LangPropDriveError("--step-timeout-s is the LangProp agent's limit per policy call: use it with --policy")
    if args.step_timeout_s is not None and not args.step_timeout_s > 0:
        raise LangPropDriveError(f"--step-timeout-s must be > 0 s, got {args.step_timeout_s}")
    if args.policy is not None:
        agent_path, config = AGENTS_DIR / "langprop_agent.py", args.policy
        if args.step_timeout_s is not None:
            if config_dir is None:
                raise ValueError("--step-timeout-s needs a folder for the agent config it writes")
            config = str(_policy_config_file(args.policy, args.step_timeout_s, config_dir))
    else:
        agent_path = Path(args.agent) if args.agent is not None else AGENTS_DIR / "route_follower_agent.py"
        config = args.agent_config
    return AgentSpec(
        agent_path, config, args.leaderboard_version, args.track, host=args.host, port=args.port, debug=args.debug > 0
    )


def _policy_config_file(policy: str, step_timeout_s: float, folder: Path) -> Path:
    """A LangProp agent config (JSON) extending `policy` with `step_timeout_s` [s]."""
    extends = "baseline" if policy in ("", "baseline") else str(Path(policy).expanduser().resolve())
    path = folder / "langprop_agent_config.json"
    path.write_text(json.dumps({"extends": extends, "step_timeout_s": step_timeout_s}, indent=2) + "\n")
    return path


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
    with _agent_config_dir(args) as config_dir:
        request = EvaluationRequest(
            runs=plan_from_args(args),
            agent=agent_spec_for(args, config_dir),
            world_config=world_config_for(args.vehicles, args.walkers),
            checkpoint=Path(args.checkpoint),
            seed=args.seed,
            leaderboard_version=args.leaderboard_version,
            resume=args.resume,
            progress=not args.no_progress,
        )
        return evaluate_runs(request)


@contextlib.contextmanager
def _agent_config_dir(args: argparse.Namespace) -> Iterator[Path | None]:
    """A temporary folder for the agent config `--step-timeout-s` makes (None when none is made)."""
    if args.policy is None or args.step_timeout_s is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="langprop-evaluate-") as folder:
        yield Path(folder)


def check_agent_config(agent_class: type, config_path: str) -> None:
    """Run the agent class's `check_config(config_path)` if it defines one (an embedded-evaluator extension:
    the LangProp and DAgger agents check their config and policy there); LangPropDriveError when it
    refuses, before any route runs."""
    check = getattr(agent_class, "check_config", None)
    if not callable(check):
        return
    try:
        check(config_path)
    except LangPropDriveError:
        raise
    except Exception as error:
        raise LangPropDriveError(
            f"{agent_class.__name__}.check_config({config_path!r}) refused it: {type(error).__name__}: {error}"
        ) from error


def drive_planned_run(run: PlannedRun, request: EvaluationRequest, on_tick) -> RouteOutcome:
    """One run's outcome; a route that could not be planned, or whose run raised past `run_route`, is a
    simulation crash (KeyboardInterrupt escapes)."""
    if run.planning_error or run.town is None:
        return simulation_crash_outcome(run.planning_error or "the route was not planned")
    wall_start = time.monotonic()
    info = run.run_info(request.seed, request.leaderboard_version, request.world_config)
    try:
        return run_route(
            request.agent, run.town, run.points, request.world_config, info.world_seed,
            request.leaderboard_version, on_tick, run_info=info,
            route_length_m=run.route.keypoint_length_m if _is_v1(request.leaderboard_version) else None,
        )
    except Exception as error:
        logger.exception("%s: the simulation crashed", run.route_id)
        return simulation_crash_outcome(error_text(error), time.monotonic() - wall_start)


def evaluate_runs(request: EvaluationRequest) -> int:
    """Drive every planned run not yet in the results file and finalise it; 0, or 130 on Ctrl-C (what was
    scored is kept). Raises LangPropDriveError for an agent file that cannot load, an agent config its
    class's `check_config` refuses, or a run that stops the evaluation (invalid sensors).

    A route that could not be planned, or whose simulation raised, is recorded as the leaderboard
    records it ("Failed - Simulation crashed", entry status "Crashed") and the run goes on with the
    next route: a deliberate difference, as the leaderboard stops at a crash and expects a resubmission,
    while here the world is deterministic and the same route would crash again. The entry stays
    "Crashed" (not eligible) once a route crashed, and the global record is computed over all routes."""
    runs, version = request.runs, request.leaderboard_version
    try:
        agent_class = load_agent_class(request.agent.path)  # fail fast, before any route runs
    except AgentLoadError as error:
        raise LangPropDriveError(str(error)) from error
    check_agent_config(agent_class, request.agent.config_path)
    checkpoint = request.checkpoint
    results = _open_results(checkpoint, runs, request.resume, version)
    todo = [run for run in runs if run.index >= results.resume_index]
    progress = _Progress(len(runs), len(runs) - len(todo), enabled=request.progress)
    stopped_by: RouteOutcome | None = None
    crashed: list[str] = []
    agent_built = bool(results.sensors)
    try:
        for run in todo:
            outcome = drive_planned_run(run, request, progress.on_tick)
            agent_built = agent_built or outcome.agent_built
            if outcome.sensor_types and not results.sensors:
                results.set_sensors(sensor_icons(outcome.sensor_types))
            record = route_record(run, outcome, version)
            if outcome.ending is RouteEnding.SIMULATION_CRASHED:
                crashed.append(f"{record.route_id} ({record.meta.extra.get('failure_detail', '')})")
            entry_status = EntryStatus.CRASHED if crashed else outcome.ending.entry_status
            results.add_record(record, entry_status=entry_status)
            progress.route_done(record)
            if outcome.ending.stops_evaluation and outcome.ending is not RouteEnding.SIMULATION_CRASHED:
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
    results.finalise(sensors_initialized=agent_built)
    print_summary(results.records, list(zip(results.labels, results.values, strict=True)))
    if crashed:
        print(f"simulation crashed on {len(crashed)} route(s), entry status {results.entry_status_text}: "
              + "; ".join(crashed))
    print(f"results: {checkpoint}")
    return 0
