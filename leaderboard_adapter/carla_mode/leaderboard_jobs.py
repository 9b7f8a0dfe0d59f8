"""CARLA-mode route runs: the leaderboard evaluator against a supervised CarlaServer, resumed until its results
file is complete, with bounded server restarts; several jobs on several servers at once.

A `LeaderboardJob` is plain data (one agent over routes into one results file). `run_job` drives one
job on a server: it starts the server if it is not healthy, runs the evaluator in a process group of
its own, stops an evaluator that outlives its dead server by `dead_grace_s`, and, while the results
file is not complete, kills the server, starts a fresh one on new ports and runs the evaluator again
with `--resume`, at most `max_restarts` times. `run_jobs` hands jobs to `servers` workers (job i to
worker i mod servers), each with its own server and GPU, and stops them all on an exception.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from leaderboard_adapter.errors import AdapterError

from .process_group import ProcessGroup
from .results_status import ResultsState, ResultsStatus
from .server import CarlaServer, CarlaServerError
from .settings import CarlaModeSettings

logger = logging.getLogger(__name__)


class JobFailed(AdapterError):
    """A results file could not be completed (restarts used up, or results a restart cannot fix)."""


class Stopped(Exception):
    """A worker was asked to stop (the command is ending: Ctrl-C, SIGTERM, another worker's exception)."""


@dataclass(frozen=True)
class LeaderboardJob:
    """One leaderboard evaluation to complete: `agent` with `agent_config` over `routes` into `results`."""

    name: str
    """Names the job in messages and log files, e.g. 'iter1_seed0'."""
    results: Path
    agent: Path
    agent_config: str
    routes: Path
    routes_subset: str = ""
    repetitions: int = 1
    seed: int = 0
    """The traffic manager's seed."""


def evaluator_argv(job: LeaderboardJob, settings: CarlaModeSettings, server: CarlaServer) -> list[str]:
    """The leaderboard evaluator's command line for `job` against the running `server`."""
    ports = server.ports
    argv = [
        settings.python, str(settings.evaluator), "--host", server.host, "--port", str(ports.rpc),
        "--routes", str(job.routes), "--repetitions", str(job.repetitions), "--agent", str(job.agent),
        "--agent-config", job.agent_config, "--track", settings.track, "--checkpoint", str(job.results),
    ]  # fmt: skip
    if job.routes_subset:
        argv += ["--routes-subset", job.routes_subset]
    if settings.leaderboard_version == "1.0":
        argv += ["--trafficManagerPort", str(ports.traffic_manager), "--trafficManagerSeed", str(job.seed),
                 "--scenarios", str(settings.scenarios)]  # fmt: skip
    else:
        argv += ["--traffic-manager-port", str(ports.traffic_manager), "--traffic-manager-seed", str(job.seed),
                 "--debug-checkpoint", str(job.results.with_name(job.results.stem + "_live.txt"))]  # fmt: skip
    if settings.client_timeout_s is not None:
        argv += ["--timeout", f"{settings.client_timeout_s:g}"]
    if job.results.is_file():  # --resume is parsed with type=bool: any non-empty value means True
        argv += ["--resume", "True"]
    return argv


def _run_evaluator(job: LeaderboardJob, settings: CarlaModeSettings, server: CarlaServer, log_path: Path,
                   stop: threading.Event) -> str:
    """Run the evaluator once; '' when it exited 0, else why not (its exit code, or that its server died)."""
    resuming = " (resuming)" if job.results.is_file() else ""
    logger.info("%s: leaderboard evaluator%s -> %s, log %s", job.name, resuming, job.results, log_path)
    evaluator = ProcessGroup(evaluator_argv(job, settings, server), log_path, settings.evaluator_env(),
                             kill_grace_s=server.config.kill_grace_s, watchdog=server.watchdog)  # fmt: skip
    dead_since: float | None = None
    try:
        while evaluator.poll() is None:
            if stop.is_set():
                raise Stopped()
            if not server.alive():
                dead_since = dead_since if dead_since is not None else time.monotonic()
                if time.monotonic() - dead_since >= settings.dead_grace_s:
                    return (f"the evaluator was stopped: its CARLA server had died {settings.dead_grace_s:g} s "
                            "earlier")  # fmt: skip
            stop.wait(settings.poll_s)
        code = evaluator.poll()
        if code is not None and code < 0:
            return f"the evaluator was killed by signal {-code}"
        return "" if code == 0 else f"the evaluator exited with {code}"
    finally:
        evaluator.kill()  # what it left behind (agent workers), or itself when stopped


def run_job(job: LeaderboardJob, server: CarlaServer, settings: CarlaModeSettings, log_dir: Path,
            stop: threading.Event | None = None) -> ResultsStatus:
    """Complete `job`'s results file on `server` (see the module docstring); its final status.

    The server is left running for the next job (its owner stops it). JobFailed when the restarts are
    used up or the results are rejected, invalid or unreadable; Stopped when `stop` is set.
    """
    stop = stop or threading.Event()
    job.results.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, settings.max_restarts + 2):
        status = ResultsStatus.of(job.results)
        if status.state is ResultsState.FATAL:
            raise JobFailed(f"{job.name}: {job.results} is {status.text}; a restart cannot fix that (logs: {log_dir})")
        if status.complete:
            logger.info("%s: %s is %s", job.name, job.results, status.text)
            return status
        try:
            if not server.healthy():
                server.restart()
        except CarlaServerError as error:
            reason = str(error)
        else:
            failure = _run_evaluator(job, settings, server, log_dir / f"evaluator_{job.name}_attempt{attempt}.log",
                                     stop)  # fmt: skip
            status = ResultsStatus.of(job.results)
            if status.complete:
                if failure:
                    logger.warning("%s: %s, but %s is complete", job.name, failure, job.results)
                logger.info("%s: %s is %s", job.name, job.results, status.text)
                return status
            if status.state is ResultsState.FATAL:
                raise JobFailed(f"{job.name}: {job.results} is {status.text} (logs: {log_dir})")
            server_state = "alive" if server.alive() else "dead"
            reason = f"{failure or 'the evaluator exited with 0'}, server {server_state}, results {status.text}"
        server.stop()
        if attempt > settings.max_restarts:
            raise JobFailed(
                f"{job.name}: giving up after {settings.max_restarts} restarts (CARLA_MAX_RESTARTS, --max-restarts); "
                f"last failure: {reason}. Results so far: {job.results}; logs: {log_dir}"
            )
        logger.warning("%s: attempt %d failed (%s); restarting CARLA and resuming (restart %d of %d)",
                       job.name, attempt, reason, attempt, settings.max_restarts)  # fmt: skip
    raise AssertionError("unreachable: the loop returns or raises")


def run_jobs(jobs: Sequence[LeaderboardJob], settings: CarlaModeSettings, log_dir: Path, servers: int = 1) -> None:
    """Run `jobs` on `servers` CARLA servers at once (job i on worker i mod servers, each worker's jobs in
    turn on its own server, GPUs of CARLA_GPUS in turn); every server is stopped before this returns or
    raises. JobFailed naming every failed job once all workers have ended."""
    if servers < 1:
        raise ValueError(f"servers must be >= 1, got {servers}")
    if servers > 1 and len(jobs) > 1 and settings.server.external:
        raise AdapterError(f"--servers {servers} needs servers started here (CARLA_ROOT), not CARLA_HOST")
    workers = min(servers, len(jobs))
    stop = threading.Event()
    failures: list[str] = []

    def work(worker: int) -> None:
        gpu = settings.gpus[worker % len(settings.gpus)] if settings.gpus else None
        config = replace(settings.server, name=f"server{worker}", log_dir=log_dir, gpu=gpu)
        with CarlaServer(config) as server:
            for job in jobs[worker::workers]:
                try:
                    run_job(job, server, settings, log_dir, stop)
                except JobFailed as error:
                    failures.append(str(error))
                    return

    def thread_work(worker: int) -> None:
        try:
            work(worker)
        except Stopped:
            pass
        except Exception as error:  # reported with the others once every worker has ended
            logger.exception("CARLA worker %d failed", worker)
            failures.append(f"worker {worker}: {type(error).__name__}: {error}")

    if workers == 1:
        work(0)
    else:
        threads = [threading.Thread(target=thread_work, args=(worker,), name=f"carla-worker-{worker}", daemon=True)
                   for worker in range(workers)]  # fmt: skip
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    if failures:
        raise JobFailed("; ".join(failures))
