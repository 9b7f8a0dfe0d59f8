"""Which executor runs a command's route runs: `--workers N` local processes, or Ray with `--ray [ADDRESS]`
or RAY_ADDRESS."""

from __future__ import annotations

import logging
import os

from pydantic import field_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.errors import AdapterError
from leaderboard_adapter.settings import SETTINGS

from .local_pool import LocalExecutor
from .protocol import DEFAULT_RETRIES, RouteRunExecutor


@dataclass(frozen=True, config=SETTINGS)
class ExecutorSettings:
    """`workers`: route runs at once (0: one per core locally, the cluster's CPUs on Ray). `ray`: None for
    local processes (unless RAY_ADDRESS is set), "" for Ray at RAY_ADDRESS or a Ray instance started here,
    else the cluster's address. `log_level`: the runs' log records at this level or above reach the head."""

    workers: int = 0
    ray: str | None = None
    retries: int = DEFAULT_RETRIES
    log_level: int = logging.WARNING

    @field_validator("workers")
    @classmethod
    def _workers(cls, workers: int) -> int:
        if workers < 0:  # an AdapterError is no ValueError: pydantic lets it through as it is
            raise AdapterError(f"--workers must be >= 0 (0: all cores), got {workers}")
        return workers

    @property
    def uses_ray(self) -> bool:
        return self.ray is not None or bool(os.environ.get("RAY_ADDRESS"))


def executor_for(settings: ExecutorSettings) -> RouteRunExecutor:
    """The executor of `settings` (connected to the cluster, for Ray: an unreachable address fails here)."""
    if settings.uses_ray:
        from .ray_cluster import RayExecutor  # Ray is an extra: imported only when asked for

        return RayExecutor(settings.ray or None, settings.workers, settings.retries, settings.log_level)
    return LocalExecutor(settings.workers, settings.retries, settings.log_level)
