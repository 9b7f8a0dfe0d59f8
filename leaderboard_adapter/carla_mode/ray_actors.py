"""CARLA servers as Ray actors: `--ray` in CARLA mode runs each server in an actor on a GPU host.

A :class:`CarlaActor` owns one :class:`~.server.CarlaServer` (the class the local path uses) on the host
Ray placed it on, with the GPU Ray gave it (`num_gpus` = CARLA_RAY_GPUS, passed to CARLA as
`-graphicsadapter`), and completes :class:`~.leaderboard_jobs.LeaderboardJob`s one at a time with
:func:`~.leaderboard_jobs.run_job` (restarts on new ports, resume). :func:`run_jobs_on_ray` hands jobs to a
pool of such actors, one job per actor at a time; the head writes every results file and the logs the
actors send back.

No server outlives its actor: `close()` stops an idle actor's server before `ray.kill`, and a busy
or killed actor's server (and evaluator) is killed by the actor's :class:`~.process_group.GroupWatchdog`,
which sees the actor die whatever signal ended it.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from leaderboard_adapter.errors import AdapterError

from .leaderboard_jobs import JobFailed, LeaderboardJob, run_job
from .process_group import GroupWatchdog
from .server import CarlaServer, CarlaServerError
from .settings import CarlaModeSettings

logger = logging.getLogger(__name__)
STOP_TIMEOUT_S = 60.0
"""How long [s] `close()` waits for an idle actor to stop its server before killing the actor."""
ACTOR_RETRIES = 1
"""How many times a job whose actor died (its host lost, its process killed) is sent to another actor."""


@dataclass(frozen=True)
class ActorJob:
    """A LeaderboardJob sent to an actor by value: the head's partial results file (to resume) and agent
    config file travel with it; `results` and `agent_config` paths are the head's."""

    job: LeaderboardJob
    results: bytes | None
    agent_config: bytes | None


@dataclass(frozen=True)
class ActorJobResult:
    """What an actor hands back: the results file as the evaluator left it, why it is not complete ('' when
    it is), the host and GPU, and the actor's log files (name, bytes)."""

    name: str
    results: bytes | None
    failure: str
    host: str
    logs: tuple[tuple[str, bytes], ...]


class CarlaActor:
    """One CARLA server on a Ray worker (see the module docstring); `start()` first, `stop()` last."""

    def __init__(self, settings: CarlaModeSettings, index: int) -> None:
        self.settings = settings
        self.index = index
        self.host = socket.gethostname()
        self._work = Path(tempfile.mkdtemp(prefix=f"carla_actor{index}_"))
        self._server: CarlaServer | None = None
        self._watchdog: GroupWatchdog | None = None

    def start(self) -> str:
        """Check this host's CARLA install and leaderboard, choose the GPU; where this actor runs, for the log.
        AdapterError naming the host and the variable when something is missing here."""
        import ray

        root = Path(os.environ.get("CARLA_ROOT") or str(self.settings.server.carla_root))
        gpus = ray.get_gpu_ids()
        gpu = int(str(gpus[0])) if gpus else None
        config = replace(self.settings.server, carla_root=root, name=f"server{self.index}", gpu=gpu,
                         log_dir=self._work / "logs")  # fmt: skip
        try:
            config.check()
        except CarlaServerError as error:
            raise AdapterError(f"host {self.host}: {error}; set CARLA_ROOT before `ray start` on that host, "
                                     "or install CARLA at the head's CARLA_ROOT") from None  # fmt: skip
        if not self.settings.evaluator.is_file():
            raise AdapterError(f"host {self.host}: LEADERBOARD_ROOT={self.settings.leaderboard_root} has no "
                                     "leaderboard/leaderboard_evaluator.py (clone it there at the same path)")  # fmt: skip
        self._watchdog = GroupWatchdog(config.kill_grace_s)
        self._server = CarlaServer(config, self._watchdog)
        return f"{self.host} gpu {gpu if gpu is not None else 'default'} (watchdog pid {self._watchdog.pid})"

    def run(self, sent: ActorJob) -> ActorJobResult:
        """Complete `sent.job` on this actor's server (in a folder of this host); the results come back."""
        assert self._server is not None, "start() first"
        folder = self._work / sent.job.name
        folder.mkdir(parents=True, exist_ok=True)
        job = replace(sent.job, results=folder / sent.job.results.name)
        if sent.results is not None:
            job.results.write_bytes(sent.results)
        if sent.agent_config is not None:
            config = folder / Path(sent.job.agent_config).name
            config.write_bytes(sent.agent_config)
            job = replace(job, agent_config=str(config))
        failure = ""
        try:
            run_job(job, self._server, self.settings, self._work / "logs")
        except JobFailed as error:
            failure = str(error)
        results = job.results.read_bytes() if job.results.is_file() else None
        logs = tuple((path.name, path.read_bytes()) for path in sorted((self._work / "logs").glob("*.log")))
        return ActorJobResult(sent.job.name, results, failure, self.host, logs)

    def stop(self) -> None:
        """Stop the server and the watchdog; safe to repeat."""
        if self._server is not None:
            self._server.stop()
        if self._watchdog is not None:
            self._watchdog.close()
            self._watchdog = None


def carla_actor(settings: CarlaModeSettings, index: int, env: Mapping[str, str] | None = None) -> Any:
    """A started CarlaActor handle reserving `settings.ray_gpus` GPUs and one CPU (`env`: variables of its
    process, e.g. for tests); AdapterError when its host lacks CARLA or the leaderboard."""
    import ray

    options: dict[str, Any] = {"num_cpus": 1, "num_gpus": settings.ray_gpus, "max_restarts": 0}
    if env:
        options["runtime_env"] = {"env_vars": dict(env)}
    actor = ray.remote(CarlaActor).options(**options).remote(settings, index)
    try:
        where = ray.get(actor.start.remote())
    except ray.exceptions.RayTaskError as error:
        ray.kill(actor)
        cause = error.cause if isinstance(error.cause, AdapterError) else error
        raise AdapterError(str(cause)) from None
    logger.info("CARLA actor %d on %s", index, where)
    return actor


def check_cluster(settings: CarlaModeSettings) -> None:
    """AdapterError before any server starts when the connected cluster cannot host the servers."""
    import ray

    if settings.server.external:
        raise AdapterError("--ray in CARLA mode starts servers in Ray actors from CARLA_ROOT on each host; "
                                 "unset CARLA_HOST (an external server is not started by actors)")  # fmt: skip
    gpus = ray.cluster_resources().get("GPU", 0.0)
    if settings.ray_gpus > 0 and gpus < settings.ray_gpus:
        raise AdapterError(
            f"CARLA mode on Ray needs GPUs: the cluster has {gpus:g} and each server actor takes "
            f"CARLA_RAY_GPUS={settings.ray_gpus:g}; start each GPU host with `ray start ... --num-gpus N` "
            "(CARLA_RAY_GPUS=0 allows a cluster without GPUs, for tests)"
        )


class CarlaActorPool:
    """`servers` started CarlaActors; :meth:`results` runs jobs on them, one job per actor at a time."""

    def __init__(self, settings: CarlaModeSettings, servers: int, env: Mapping[str, str] | None = None) -> None:
        if servers < 1:
            raise ValueError(f"servers must be >= 1, got {servers}")
        check_cluster(settings)
        self.actors: list[Any] = []
        self._busy: set[int] = set()
        try:
            for index in range(servers):
                self.actors.append(carla_actor(settings, index, env))
        except BaseException:
            self.close()
            raise

    def results(self, jobs: Sequence[ActorJob]) -> Iterator[tuple[int, ActorJobResult]]:
        """(position in `jobs`, result) as jobs finish. A job whose actor died goes to another actor, up to
        ACTOR_RETRIES times (from the same results file the head sent: the dead actor's progress never
        reached it), then fails (its result says so)."""
        import ray

        died = [0] * len(jobs)
        waiting = list(range(len(jobs)))[::-1]
        idle = list(range(len(self.actors)))[::-1]
        pending: dict[Any, tuple[int, int]] = {}
        while waiting and (idle or pending):
            while waiting and idle:
                i, actor = waiting.pop(), idle.pop()
                self._busy.add(actor)
                pending[self.actors[actor].run.remote(jobs[i])] = (i, actor)
            done, _ = ray.wait(list(pending), num_returns=1)
            i, actor = pending.pop(done[0])
            try:
                result = ray.get(done[0])
            except ray.exceptions.RayActorError as error:
                died[i] += 1
                if died[i] <= ACTOR_RETRIES and (idle or pending):
                    logger.warning("%s: its CARLA actor %d died; sending it to another actor", jobs[i].job.name, actor)
                    waiting.append(i)
                    continue
                result = ActorJobResult(jobs[i].job.name, None, f"its CARLA actor {actor} died ({error})", "", ())
            else:
                self._busy.discard(actor)
                idle.append(actor)
            yield i, result
        for i in waiting[::-1]:
            yield i, ActorJobResult(jobs[i].job.name, None, "every CARLA actor died before it ran", "", ())

    def close(self) -> None:
        """Stop every idle actor's server, then kill every actor (a busy one's watchdog kills its server)."""
        import ray

        stops = [self.actors[i].stop.remote() for i in range(len(self.actors)) if i not in self._busy]
        if stops:
            ray.wait(stops, num_returns=len(stops), timeout=STOP_TIMEOUT_S)
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []


def _send(job: LeaderboardJob) -> ActorJob:
    config = Path(job.agent_config) if job.agent_config else None
    return ActorJob(job, job.results.read_bytes() if job.results.is_file() else None,
                    config.read_bytes() if config is not None and config.is_file() else None)  # fmt: skip


def _write(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


def run_jobs_on_ray(jobs: Sequence[LeaderboardJob], settings: CarlaModeSettings, log_dir: Path, servers: int = 1,
                    address: str | None = None, env: Mapping[str, str] | None = None) -> None:
    """As :func:`~.leaderboard_jobs.run_jobs`, with the servers in `servers` Ray actors on the cluster at
    `address` (see :func:`leaderboard_adapter.executor.ray_cluster.connect`). This process writes every
    results file and the actors' logs (under `log_dir/<host>/`). JobFailed naming every failed job."""
    import ray

    from leaderboard_adapter.executor.ray_cluster import connect

    connected_here = not ray.is_initialized()
    logger.info("CARLA servers on %s", connect(address))
    failures: list[str] = []
    try:
        pool = CarlaActorPool(settings, min(servers, len(jobs)), env)
        try:
            for i, result in pool.results([_send(job) for job in jobs]):
                if result.results is not None:
                    _write(jobs[i].results, result.results)
                for name, data in result.logs:
                    _write(log_dir / (result.host or "unknown") / name, data)
                if result.failure:
                    failures.append(f"{result.name} (host {result.host or 'unknown'}): {result.failure}")
        finally:
            pool.close()
    finally:
        if connected_here:
            ray.shutdown()
    if failures:
        raise JobFailed("; ".join(failures))
