"""A route run as plain data: the job (route, repetition, seed, agent, world) and what it produced.

A :class:`RouteJob` names everything a run needs by value (files by path, the same on every host),
so it crosses process and host boundaries; :func:`run_route_job`, wherever it executes, plans the
route (cached per process), drives it in the embedded world as `langprop-drive evaluate` does and
returns a :class:`RouteJobResult`: the leaderboard's route record, the infraction events, the files
the agent wrote for the run (a DAgger shard) and the run's log lines. Only the head process writes
those files and the results file, so they are the same whatever ran the job.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.evaluator.planned_run import PlannedRun, drive_planned_run, plan_route, route_record
from leaderboard_adapter.evaluator.route_runner import AgentSpec, RouteOutcome, simulation_crash_outcome
from leaderboard_adapter.scoring import RouteEnding

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouteJob:
    """One route run: route `route_id` of `routes_file`, repetition `repetition`, the evaluation's `seed`
    (the world seed derives from it, the route id and the repetition), the agent, the world's settings and
    the leaderboard version; `index` is the record's position in its results file. `town_dir`/`xodr`:
    where towns are looked up. `output_dir`: the head's folder for the files the agent writes for the run
    (None: the agent writes where its config says, on the host that drives). `agent_config_text`: the agent
    config's contents, written by the worker into a file of its own (named as `agent.config_path`) that the
    agent gets instead, so the config need not exist on the worker's host (paths in it must be absolute)."""

    routes_file: str
    route_id: str
    seed: int
    agent: AgentSpec
    world_config: WorldConfig = WorldConfig()
    leaderboard_version: str = "2.1"
    repetition: int = 0
    index: int = 0
    town_dir: str | None = None
    xodr: str | None = None
    output_dir: str | None = None
    agent_config_text: str | None = None

    @property
    def name(self) -> str:
        """'RouteScenario_<id>_s<seed>' ('..._rep<r>' after the first repetition): its name in folders and logs."""
        return f"RouteScenario_{self.route_id}_s{self.seed}" + (f"_rep{self.repetition}" if self.repetition else "")

    def planned(self) -> PlannedRun:
        """The route planned in this process (cached), at this job's index and repetition."""
        run = plan_route(Path(self.routes_file), self.route_id, _path(self.town_dir), _path(self.xodr))
        return replace(run, index=self.index, repetition=self.repetition)


def _path(text: str | None) -> Path | None:
    return Path(text) if text is not None else None


@dataclass(frozen=True)
class RunFile:
    """A file the agent wrote for a run: its path under the job's `output_dir`, and its bytes."""

    relative_path: str
    data: bytes


@dataclass(frozen=True)
class LogLine:
    """A log record of a run, as the process that drove it emitted it."""

    logger: str
    level: int
    message: str


@dataclass(frozen=True)
class RouteJobResult:
    """What one run produced: the leaderboard's route record (its JSON), every infraction event (plain dicts:
    kind, message, frame, game_time_s, x_m, y_m, actor_id, details), the town's name, how the route ended,
    the agent's sensor types and whether it was set up, the files it wrote, its log lines, the host that
    drove it and how long that took [s, wall clock]."""

    job: RouteJob
    record: dict[str, Any]
    events: tuple[dict[str, Any], ...]
    town: str
    ending: RouteEnding
    sensor_types: tuple[str, ...] = ()
    agent_built: bool = False
    files: tuple[RunFile, ...] = ()
    logs: tuple[LogLine, ...] = ()
    host: str = ""
    wall_s: float = 0.0

    @property
    def driving_score(self) -> float:
        return float(self.record["scores"]["score_composed"])

    def write_files(self) -> None:
        """Write the run's files under the job's `output_dir` (each complete, then renamed into place)."""
        if self.job.output_dir is None:
            return
        for file in self.files:
            path = Path(self.job.output_dir) / file.relative_path
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".incoming")
            partial.write_bytes(file.data)
            os.replace(partial, path)

    def replay_logs(self) -> None:
        """Emit the run's log lines here, through the loggers that emitted them, naming the run and its host."""
        for line in self.logs:
            logging.getLogger(line.logger).log(line.level, "%s (on %s): %s", self.job.name, self.host, line.message)


def _event_dict(event: Any) -> dict[str, Any]:
    return {"kind": event.type.results_key, "message": event.message, "frame": event.frame,
            "game_time_s": event.game_time_s, "x_m": event.x_m, "y_m": event.y_m, "actor_id": event.actor_id,
            "details": dict(event.details)}  # fmt: skip


def job_result(
    job: RouteJob, run: PlannedRun, outcome: RouteOutcome, files: tuple[RunFile, ...] = (),
    logs: tuple[LogLine, ...] = (), wall_s: float = 0.0,
) -> RouteJobResult:
    """The result of `job` driven (or not) to `outcome`, in this process."""
    record = route_record(run, outcome, job.leaderboard_version).to_json()
    town = run.town.name if run.town is not None else run.route.town
    events = tuple(_event_dict(e) for e in outcome.events)
    return RouteJobResult(job, record, events, town, outcome.ending, outcome.sensor_types, outcome.agent_built,
                          files, logs, socket.gethostname(), wall_s)  # fmt: skip


def crashed_result(job: RouteJob, detail: str) -> RouteJobResult:
    """The result of a run that never finished (its worker died every time): 'Failed - Simulation crashed'."""
    return job_result(job, job.planned(), simulation_crash_outcome(detail))


class _Capture(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.lines: list[LogLine] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(LogLine(record.name, record.levelno, message))


@contextlib.contextmanager
def _captured_logs(level: int) -> Iterator[list[LogLine]]:
    """The log records of this block at `level` or above (the root logger's level lowered to it meanwhile)."""
    root = logging.getLogger()
    handler, old_level = _Capture(level), root.level
    root.addHandler(handler)
    root.setLevel(min(level, old_level or level))
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def _files_under(folder: Path) -> tuple[RunFile, ...]:
    return tuple(RunFile(str(p.relative_to(folder)), p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file())


def run_route_job(job: RouteJob, log_level: int = logging.WARNING) -> RouteJobResult:
    """Drive `job` in this process; its log records at `log_level` or above travel with the result. A run
    whose route cannot be planned or whose simulation raises is recorded as the leaderboard records a
    crashed simulation. With an `output_dir`, the agent writes into a private folder of this process whose
    files come back in the result; with an `agent_config_text`, the agent reads its config from a private
    file."""
    wall_start = time.monotonic()
    with _captured_logs(log_level):  # left out: the head planned the same route and logged what planning said
        run = job.planned()
    with _captured_logs(log_level) as logs, tempfile.TemporaryDirectory(prefix="route-run-") as scratch:
        output, agent = Path(scratch) / "output", job.agent
        output.mkdir()
        if job.agent_config_text is not None:
            config = Path(scratch) / Path(job.agent.config_path).name
            config.write_text(job.agent_config_text)
            agent = replace(agent, config_path=str(config))
        published = str(output) if job.output_dir is not None else ""
        outcome = drive_planned_run(run, agent, job.world_config, job.seed, job.leaderboard_version, None, published)
        files = _files_under(output)
    return job_result(job, run, outcome, files, tuple(logs), time.monotonic() - wall_start)
