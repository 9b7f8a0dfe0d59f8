"""What every route-run executor offers: run jobs somewhere, hand back each result as it comes, cancel on exit."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from leaderboard_adapter.errors import AdapterError

from .route_job import RouteJob, RouteJobResult

DEFAULT_RETRIES = 1
"""Times a run whose worker process (or node) died is run again before it is recorded as a crashed simulation."""


class RouteRunError(AdapterError):
    """A route run raised where it executed (a bug, not a crash of the driven world: those are records)."""


class RouteRunExecutor(Protocol):
    """Runs route jobs: the local process pool (:class:`~.local_pool.LocalExecutor`) or a Ray cluster
    (:class:`~.ray_cluster.RayExecutor`).

    A job whose worker dies (a native crash, SIGKILL, a lost node) is run again, `retries` times at most;
    after that its result is the crashed-simulation record (:func:`~.route_job.crashed_result`). Closing the
    iterator of :meth:`results` early (Ctrl-C, a caller that stops) cancels the jobs still running.
    """

    workers: int
    """Route runs in flight at once."""

    @property
    def description(self) -> str:
        """Where the runs execute, for the log: 'local: 2 worker processes', 'ray at 10.0.0.1:6379: ...'."""
        ...

    def results(self, jobs: Sequence[RouteJob]) -> Iterator[tuple[int, RouteJobResult]]:
        """(position in `jobs`, result) of every job, in the order they finish."""
        ...

    def close(self) -> None:
        """Stop the workers (a Ray connection this executor opened is closed)."""
        ...
