"""The Ray executor: route runs as Ray tasks on a cluster (`ray start --head` on one host, `ray start
--address` on the others), or on a Ray instance started here.

Where a run executes is a :class:`RunSubmitter`: by default :class:`TaskSubmitter`, a Ray task per run
needing one CPU, which Ray runs again when its worker process or its node dies (`max_retries`). CARLA
mode's servers run as Ray actors on the same cluster (`leaderboard_adapter.carla_mode.ray_actors`, which
connects with :func:`connect`).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from leaderboard_adapter.errors import AdapterError

from .protocol import DEFAULT_RETRIES, RouteRunError
from .route_job import RouteJob, RouteJobResult, crashed_result, run_route_job

if TYPE_CHECKING:
    import ray

logger = logging.getLogger(__name__)
ADDRESS_CHECK_S = 5.0
"""How long a TCP connection to the cluster's address may take before it counts as unreachable [s]."""


def _ray() -> Any:
    try:
        import ray
    except ImportError as error:
        raise AdapterError("--ray needs Ray: pip install -e '.[ray]' (or scripts/setup.sh)") from error
    return ray


def _check_reachable(address: str) -> None:
    """AdapterError naming `address` when nothing accepts a TCP connection there ('auto' is not checked)."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise AdapterError(f"Ray address {address!r}: expected HOST:PORT (e.g. 10.0.0.1:6379), ray://HOST:PORT or auto")
    try:
        socket.create_connection((host, int(port)), timeout=ADDRESS_CHECK_S).close()
    except OSError as error:
        raise AdapterError(
            f"Ray address {address}: unreachable ({error}); start the cluster with `ray start --head` there, "
            "or give the address `ray start --head` printed"
        ) from error


def connect(address: str | None) -> str:
    """Connect this process to the Ray cluster at `address` (None: RAY_ADDRESS, else a Ray instance started
    here on this machine's cores), unless it is connected already; a description of the cluster.
    AdapterError naming the address when it cannot connect."""
    ray = _ray()
    if not ray.is_initialized():
        target = address or os.environ.get("RAY_ADDRESS") or None
        if target is not None:
            _check_reachable(target)
        try:
            ray.init(address=target, include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as error:
            raise AdapterError(f"Ray address {target or '(a new local instance)'}: {error}") from error
    nodes = [node for node in ray.nodes() if node.get("Alive")]
    cpus = int(ray.cluster_resources().get("CPU", 0))
    return f"ray at {ray.get_runtime_context().gcs_address}: {len(nodes)} node(s), {cpus} CPU(s)"


def _run_on_ray(job: RouteJob, log_level: int) -> RouteJobResult:
    """A route run in a Ray worker; its host names the Ray node too (several nodes may share a machine)."""
    import ray

    result = run_route_job(job, log_level)
    return replace(result, host=f"{result.host} node {ray.get_runtime_context().get_node_id()[:8]}")


class RunSubmitter(Protocol):
    """Where a route run executes on the cluster."""

    def submit(self, job: RouteJob) -> ray.ObjectRef:
        """Start `job`; the reference of its :class:`~.route_job.RouteJobResult`."""
        ...


class TaskSubmitter:
    """A Ray task per run with one CPU, run again up to `retries` times when its worker or node dies (an
    exception the run raises is not retried: it would raise again)."""

    def __init__(self, retries: int = DEFAULT_RETRIES, log_level: int = logging.WARNING) -> None:
        self._task = _ray().remote(_run_on_ray).options(num_cpus=1, max_retries=retries, retry_exceptions=False)
        self.log_level = log_level

    def submit(self, job: RouteJob) -> ray.ObjectRef:
        return self._task.remote(job, self.log_level)


class RayExecutor:
    """Route runs on the Ray cluster at `address` (see :func:`connect`); `workers` caps the runs in flight
    (0: every run is submitted at once and the cluster's CPUs decide). See
    :class:`~.protocol.RouteRunExecutor` for retries and cancelling."""

    def __init__(
        self,
        address: str | None = None,
        workers: int = 0,
        retries: int = DEFAULT_RETRIES,
        log_level: int = logging.WARNING,
        submitter: RunSubmitter | None = None,
    ) -> None:
        if workers < 0 or retries < 0:
            raise ValueError(f"workers and retries must be >= 0, got {workers} and {retries}")
        self._ray = _ray()
        self._connected_here = not self._ray.is_initialized()
        self._cluster = connect(address)
        self.retries = retries
        self._cap = workers
        self.workers = workers or max(int(self._ray.cluster_resources().get("CPU", 1)), 1)
        self._submitter = submitter or TaskSubmitter(retries, log_level)

    @property
    def description(self) -> str:
        return self._cluster + (f", at most {self._cap} run(s) at once" if self._cap else "")

    def results(self, jobs: Sequence[RouteJob]) -> Iterator[tuple[int, RouteJobResult]]:
        ray, exceptions = self._ray, self._ray.exceptions
        waiting = list(range(len(jobs)))[::-1]
        pending: dict[Any, int] = {}
        try:
            while waiting or pending:
                while waiting and (not self._cap or len(pending) < self._cap):
                    i = waiting.pop()
                    pending[self._submitter.submit(jobs[i])] = i
                done, _ = ray.wait(list(pending), num_returns=1)
                i = pending.pop(done[0])
                try:
                    result = ray.get(done[0])
                except exceptions.RayTaskError as error:
                    raise RouteRunError(f"{jobs[i].name} raised in its Ray worker:\n{error}") from None
                except exceptions.RayError as error:  # its worker or node died on every try
                    detail = f"its Ray worker died {self.retries + 1} times ({type(error).__name__})"
                    logger.error("%s: %s: %s", jobs[i].name, detail, error)
                    result = crashed_result(jobs[i], detail)
                yield i, result
        finally:
            for ref in pending:  # runs cut off (Ctrl-C, a caller that stopped): cancelled on the cluster
                ray.cancel(ref, force=True)

    def close(self) -> None:
        if self._connected_here and self._ray.is_initialized():
            self._ray.shutdown()
