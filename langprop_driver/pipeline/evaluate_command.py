"""`langprop-drive evaluate`: the embedded leaderboard evaluator's head: routes and repetitions as route runs on
an executor (local processes or Ray), their records written in route order to one results file."""

from __future__ import annotations

import contextlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from langprop_driver.agent_paths import LANGPROP_AGENT
from langprop_driver.errors import LangPropDriveError
from langprop_driver.pipeline.command_settings import EvaluateSettings, RunFlags
from leaderboard_adapter.autoagents.agent_loader import AgentLoadError, load_agent_class
from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.errors import AdapterError
from leaderboard_adapter.evaluator.planned_run import PlannedRun, plan_runs
from leaderboard_adapter.evaluator.route_runner import AgentSpec
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.evaluator.sensor_icons import sensor_icons
from leaderboard_adapter.evaluator.summary import print_summary
from leaderboard_adapter.executor import (
    ExecutorSettings,
    RouteJob,
    RouteJobResult,
    RouteRunExecutor,
    RunProgress,
    executor_for,
    in_job_order,
)
from leaderboard_adapter.scoring import (
    EntryStatus,
    ResultsFile,
    ResultsFileError,
    ResultsFormat,
    RouteEnding,
    RouteRecord,
)
from leaderboard_adapter.settings import validation_message

logger = logging.getLogger(__name__)


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



def policy_calls_text(record: RouteRecord) -> str:
    """'policy failed 3 of 250 calls' when the agent reported `policy_calls` and `policy_failures`, else ''."""
    calls, failures = record.meta.extra.get("policy_calls"), record.meta.extra.get("policy_failures")
    if calls is None or failures is None:
        return ""
    return f"policy failed {failures} of {calls} calls"


@dataclass(frozen=True)
class EvaluationRequest:
    """One evaluation: planned runs, the agent, the world, where results go, how the run is shown, and the
    executor of its route runs (the head's: it keeps it open). `output_dir`: where the files the agent writes
    for each run go (the DAgger agent's shards; None: where the agent's config says, on the host that drives).
    `agent_config_text`: the agent config's contents, sent with every run (see `RouteJob.agent_config_text`)."""

    runs: list[PlannedRun]
    agent: AgentSpec
    world_config: WorldConfig
    checkpoint: Path
    seed: int
    leaderboard_version: str
    executor: RouteRunExecutor
    resume: bool = False
    progress: bool = True
    output_dir: Path | None = None
    agent_config_text: str | None = None

    def job(self, run: PlannedRun) -> RouteJob:
        """`run` as a route job (every path absolute, so it means the same in any worker)."""
        return RouteJob(
            str(run.routes_file.resolve()), run.route.id, self.seed, self.agent, self.world_config,
            self.leaderboard_version, run.repetition, run.index, _absolute(run.town_dir), _absolute(run.xodr),
            _absolute(self.output_dir), self.agent_config_text,
        )  # fmt: skip


def _absolute(path: Path | None) -> str | None:
    return str(path.resolve()) if path is not None else None


def _absolute_config(config: str) -> str:
    """An agent config argument made absolute when it names an existing file or folder ('' and 'baseline' stay)."""
    return str(Path(config).resolve()) if config and Path(config).exists() else config


def agent_spec_for(settings: EvaluateSettings, config_dir: Path | None = None) -> AgentSpec:
    """The agent of `evaluate`'s flags: `-a`, or the LangProp agent (`--policy`, else `--agent-config`, which
    defaults to the shipped baseline policy).

    With `--step-timeout-s`, the LangProp agent's config is a JSON file written to `config_dir` that
    `extends` the `--policy` config (any form the agent reads) with that `step_timeout_s`.
    """
    if settings.policy is not None and (settings.agent is not None or settings.agent_config):
        raise LangPropDriveError("--policy stands for the LangProp agent and its config: drop -a/--agent-config")
    if settings.step_timeout_s is not None and settings.policy is None:
        raise LangPropDriveError("--step-timeout-s is the LangProp agent's limit per policy call: use it with --policy")
    if settings.step_timeout_s is not None and not settings.step_timeout_s > 0:
        raise LangPropDriveError(f"--step-timeout-s must be > 0 s, got {settings.step_timeout_s}")
    if settings.policy is not None:
        agent_path, config = LANGPROP_AGENT, settings.policy
        if settings.step_timeout_s is not None:
            if config_dir is None:
                raise ValueError("--step-timeout-s needs a folder for the agent config it writes")
            config = str(_policy_config_file(settings.policy, settings.step_timeout_s, config_dir))
    else:
        agent_path = Path(settings.agent).resolve() if settings.agent is not None else LANGPROP_AGENT
        config = settings.agent_config
    return AgentSpec(
        agent_path, _absolute_config(config), settings.leaderboard_version, settings.track, host=settings.host, port=settings.port, debug=settings.debug > 0
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
    except ValidationError as error:
        raise LangPropDriveError(validation_message(error, WorldConfig)) from None


def plan_from(settings: RunFlags) -> list[PlannedRun]:
    """The runs of the `--routes`, `--routes-subset`, `--repetitions`, `--town-dir` and `--xodr` flags."""
    routes_file = resolve_routes(settings.routes)
    runs = plan_runs(routes_file, settings.routes_subset, settings.repetitions, settings.town_dir, settings.xodr)
    if not runs:
        raise LangPropDriveError(f"{routes_file}: no routes selected (subset {settings.routes_subset!r})")
    return runs


def run_evaluate(settings: EvaluateSettings) -> int:
    """Run the evaluation of the `evaluate` flags; the process exit code."""
    executor_settings = ExecutorSettings(settings.workers, settings.ray)
    with _agent_config_dir(settings) as config_dir, contextlib.closing(executor_for(executor_settings)) as executor:
        agent = agent_spec_for(settings, config_dir)
        request = EvaluationRequest(
            runs=plan_from(settings),
            agent=agent,
            world_config=world_config_for(settings.vehicles, settings.walkers),
            checkpoint=Path(settings.checkpoint),
            seed=settings.seed,
            leaderboard_version=settings.leaderboard_version,
            executor=executor,
            resume=settings.resume,
            progress=not settings.no_progress,
            # the config --step-timeout-s wrote here goes with every run: other hosts have no copy
            agent_config_text=Path(agent.config_path).read_text() if config_dir is not None else None,
        )
        return evaluate_runs(request)


@contextlib.contextmanager
def _agent_config_dir(settings: EvaluateSettings) -> Iterator[Path | None]:
    """A temporary folder for the agent config `--step-timeout-s` makes (None when none is made)."""
    if settings.policy is None or settings.step_timeout_s is None:
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
    except (AdapterError, LangPropDriveError):
        raise
    except Exception as error:
        raise LangPropDriveError(
            f"{agent_class.__name__}.check_config({config_path!r}) refused it: {type(error).__name__}: {error}"
        ) from error


class _Evaluation:
    """One request's results file, opened (the agent loaded and its config checked first), then written in route
    order as the results of its runs come."""

    def __init__(self, request: EvaluationRequest) -> None:
        try:
            agent_class = load_agent_class(request.agent.path)  # fail fast, before any route runs
        except AgentLoadError as error:
            raise LangPropDriveError(str(error)) from error
        check_agent_config(agent_class, request.agent.config_path)
        self.request = request
        self.results = _open_results(request.checkpoint, request.runs, request.resume, request.leaderboard_version)
        self.jobs = [request.job(run) for run in request.runs if run.index >= self.results.resume_index]
        self.agent_built = bool(self.results.sensors)
        self.crashed: list[str] = []
        self.stopped_by: RouteJobResult | None = None

    def score(self, result: RouteJobResult, progress: RunProgress, label: str = "") -> None:
        """Write `result`'s files and its record (the next in route order), show it (after `label`); note a crash
        or a stop."""
        results = self.results
        record = RouteRecord.from_json(result.record)
        result.write_files()
        self.agent_built = self.agent_built or result.agent_built
        if result.sensor_types and not results.sensors:
            results.set_sensors(sensor_icons(result.sensor_types))
        if result.ending is RouteEnding.SIMULATION_CRASHED:
            self.crashed.append(f"{record.route_id} ({record.meta.extra.get('failure_detail', '')})")
        entry_status = EntryStatus.CRASHED if self.crashed else result.ending.entry_status
        results.add_record(record, entry_status=entry_status)
        line = (
            f"{label}{record.route_id}: {record.status}  DS {record.driving_score:.2f}  RC {record.route_completion:.2f}  "
            f"IP {record.infraction_penalty:.3f}"
        )
        policy = policy_calls_text(record)
        progress.write(line + (f"  {policy}" if policy else ""))
        if result.ending.stops_evaluation and result.ending is not RouteEnding.SIMULATION_CRASHED:
            self.stopped_by = result

    def interrupted_text(self) -> str:
        done, total = self.results.progress
        return f"{done} of {total} routes are saved in {self.request.checkpoint}"

    def finish(self) -> None:
        """Finalise the results file and print its summary; LangPropDriveError when a run stopped the evaluation."""
        results = self.results
        if self.stopped_by is not None:
            print_summary(results.records, None)
            stopped = self.stopped_by
            raise LangPropDriveError(
                f"evaluation stopped ({stopped.ending.failure_message}): {stopped.record['meta'].get('failure_detail', '')}"
            )
        results.finalise(sensors_initialized=self.agent_built)
        print_summary(results.records, list(zip(results.labels, results.values, strict=True)))
        if self.crashed:
            print(f"simulation crashed on {len(self.crashed)} route(s), entry status {results.entry_status_text}: "
                  + "; ".join(self.crashed))
        print(f"results: {self.request.checkpoint}")


def evaluate_runs(*requests: EvaluationRequest) -> int:
    """Drive every planned run not yet in the results files of `requests` (one evaluation each, e.g. one per seed,
    all on the first request's executor, their runs at once) and finalise the files; 0, or 130 on Ctrl-C (the
    runs still going are cancelled; the records written so far are kept). Records, and the files of their
    runs, are written by this process in route order as runs finish, so a results file is the same whatever
    the executor and its worker count. Raises LangPropDriveError, before any route runs, for an agent file
    that cannot load or an agent config its class's `check_config` refuses, and after, for a run that stops
    the evaluation (invalid sensors).

    A route that could not be planned, or whose simulation raised (or whose worker died on every try), is
    recorded as the leaderboard records it ("Failed - Simulation crashed", entry status "Crashed") and the
    run goes on with the next route: a deliberate difference, as the leaderboard stops at a crash and expects
    a resubmission, while here the world is deterministic and the same route would crash again. The entry
    stays "Crashed" (not eligible) once a route crashed, and the global record is computed over all routes."""
    evaluations = [_Evaluation(request) for request in requests]
    executor = requests[0].executor
    owners = [evaluation for evaluation in evaluations for _ in evaluation.jobs]
    total = sum(len(evaluation.request.runs) for evaluation in evaluations)
    progress = RunProgress(total, total - len(owners), enabled=requests[0].progress)
    logger.info("%d route run(s) to drive on %s", len(owners), executor.description)
    jobs = [job for evaluation in evaluations for job in evaluation.jobs]
    try:
        with contextlib.closing(in_job_order(executor, jobs, progress)) as ordered:
            for evaluation, result in zip(owners, ordered, strict=False):
                evaluation.score(result, progress, f"seed {result.job.seed}: " if len(requests) > 1 else "")
                if evaluation.stopped_by is not None:
                    break
    except KeyboardInterrupt:
        progress.close()
        print(f"\ninterrupted: {'; '.join(e.interrupted_text() for e in evaluations)}; continue with --resume")
        return 130
    progress.close()
    for evaluation in evaluations:  # one that stopped raises: those after it stay to be resumed
        evaluation.finish()
    return 0
