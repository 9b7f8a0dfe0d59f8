"""Route runs as plain-data jobs on a pool of worker processes: one route, one seed, one agent, its record.

A :class:`RouteJob` names everything a run needs by value (files by path), so it crosses process
boundaries; a worker plans the route (cached per process), drives it in the embedded world as
`langprop-drive evaluate` does and returns the leaderboard's route record and every infraction
event. Runs are independent and deterministic for their seed, so a :class:`RouteJobPool` returns
the same results, in job order, whatever its worker count.
"""

from __future__ import annotations

import concurrent.futures
import functools
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from leaderboard_adapter.errors import LangPropDriveError
from leaderboard_adapter.evaluator.evaluate_command import (
    EvaluationRequest,
    PlannedRun,
    drive_planned_run,
    plan_runs,
    route_record,
    world_config_for,
)
from leaderboard_adapter.evaluator.route_runner import AgentSpec, RouteOutcome, simulation_crash_outcome

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouteJob:
    """One route run: route `route_id` of `routes_file`, world seed from `seed`, the agent file with its
    config file, leaderboard version, NPC counts (None: the world's default) and `town_dir`."""

    routes_file: str
    route_id: str
    seed: int
    agent_file: str
    agent_config: str
    leaderboard_version: str = "2.1"
    vehicles: int | None = None
    walkers: int | None = None
    town_dir: str | None = None

    @property
    def name(self) -> str:
        """'RouteScenario_<id>_s<seed>': the run's name in folders and feedback."""
        return f"RouteScenario_{self.route_id}_s{self.seed}"


@dataclass(frozen=True)
class RouteJobResult:
    """What one run produced: the leaderboard's route record (its JSON) and every infraction event (plain
    dicts: kind, message, frame, game_time_s, x_m, y_m, actor_id, details), and the town's name."""

    job: RouteJob
    record: dict[str, Any]
    events: tuple[dict[str, Any], ...]
    town: str

    @property
    def driving_score(self) -> float:
        return float(self.record["scores"]["score_composed"])


@functools.lru_cache(maxsize=64)
def planned_run(routes_file: str, route_id: str, town_dir: str | None) -> PlannedRun:
    """Route `route_id` of `routes_file` planned (town loaded, keypoints traced), cached per process;
    LangPropDriveError naming the route when its town or keypoints fail."""
    (run,) = plan_runs(Path(routes_file), route_id, 1, Path(town_dir) if town_dir else None, None)
    if run.planning_error:
        raise LangPropDriveError(run.planning_error)
    return run


def _event_dict(event: Any) -> dict[str, Any]:
    return {"kind": event.type.results_key, "message": event.message, "frame": event.frame,
            "game_time_s": event.game_time_s, "x_m": event.x_m, "y_m": event.y_m, "actor_id": event.actor_id,
            "details": dict(event.details)}  # fmt: skip


def run_route_job(job: RouteJob) -> RouteJobResult:
    """Drive `job` in this process. A run whose simulation raises is recorded as the leaderboard records a
    crashed simulation; a route that cannot be planned raises LangPropDriveError (plan in the parent
    first with :func:`planned_run`)."""
    version = job.leaderboard_version
    run = planned_run(job.routes_file, job.route_id, job.town_dir)
    agent = AgentSpec(Path(job.agent_file), job.agent_config, version, "MAP")
    request = EvaluationRequest([run], agent, world_config_for(job.vehicles, job.walkers), Path(os.devnull),
                                job.seed, version, progress=False)  # fmt: skip
    outcome = drive_planned_run(run, request, None)
    return _result(job, run, outcome)


def _result(job: RouteJob, run: PlannedRun, outcome: RouteOutcome) -> RouteJobResult:
    record = route_record(run, outcome, job.leaderboard_version)
    town = run.town.name if run.town is not None else run.route.town
    return RouteJobResult(job, record.to_json(), tuple(_event_dict(e) for e in outcome.events), town)


def _quiet_worker() -> None:
    """Worker processes log only errors: a failing candidate's per-step warnings are in its records."""
    logging.basicConfig(level=logging.ERROR)


class RouteJobPool:
    """Worker processes (spawned, so nothing of the parent's threads or sockets is shared) running route
    jobs, reused across calls; `workers` 0 means one per core. A worker that dies (a crash of native
    code) breaks the pool: it is restarted and the unfinished jobs run again one at a time, so that a
    death is the running job's; a job whose worker dies twice is recorded as a crashed simulation."""

    def __init__(self, workers: int = 0) -> None:
        if workers < 0:
            raise ValueError(f"workers must be >= 0 (0: one per core), got {workers}")
        self.workers = workers or os.cpu_count() or 1
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None

    def _pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._executor is None:
            self._executor = concurrent.futures.ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_quiet_worker
            )
        return self._executor

    def run(self, jobs: Sequence[RouteJob], progress: bool = False, desc: str = "route runs") -> list[RouteJobResult]:
        """Every job's result, in the order of `jobs`."""
        results: dict[int, RouteJobResult] = {}
        bar = tqdm(total=len(jobs), desc=desc, unit="run", disable=not progress, leave=False)
        try:
            pending = {self._pool().submit(run_route_job, job): i for i, job in enumerate(jobs)}
            try:
                for future in concurrent.futures.as_completed(pending):
                    results[pending[future]] = future.result()
                    bar.update(1)
            except BrokenProcessPool:
                self.close()
                for future, i in pending.items():  # keep what finished before the break
                    if i not in results and future.done() and not future.cancelled() and future.exception() is None:
                        results[i] = future.result()
                        bar.update(1)
                for i in [i for i in range(len(jobs)) if i not in results]:  # the others alone: a break is theirs
                    results[i] = self._alone(jobs[i])
                    bar.update(1)
        finally:
            bar.close()
        return [results[i] for i in range(len(jobs))]

    def _alone(self, job: RouteJob) -> RouteJobResult:
        """`job` as the only job of the pool, twice at most; a crashed simulation if its worker died both times."""
        for _ in range(2):
            try:
                return self._pool().submit(run_route_job, job).result()
            except BrokenProcessPool:
                self.close()
                logger.error("%s: its route-run worker process died", job.name)
        return _crashed(job, "a route-run worker process died twice on this run")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def _crashed(job: RouteJob, detail: str) -> RouteJobResult:
    """The record of a run whose worker process died (the route is planned here, in the parent)."""
    return _result(job, planned_run(job.routes_file, job.route_id, job.town_dir), simulation_crash_outcome(detail))
