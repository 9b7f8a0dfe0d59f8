"""Route runs (evaluate, collect, closed-loop fitness) on one executor: local worker processes or a Ray cluster."""

from .choice import ExecutorSettings, executor_for
from .local_pool import LocalExecutor
from .ordered import RunProgress, in_job_order, run_all
from .protocol import DEFAULT_RETRIES, RouteRunError, RouteRunExecutor
from .route_job import LogLine, RouteJob, RouteJobResult, RunFile, crashed_result, run_route_job

__all__ = [
    "DEFAULT_RETRIES",
    "ExecutorSettings",
    "LocalExecutor",
    "LogLine",
    "RouteJob",
    "RouteJobResult",
    "RouteRunError",
    "RouteRunExecutor",
    "RunFile",
    "RunProgress",
    "crashed_result",
    "executor_for",
    "in_job_order",
    "run_all",
    "run_route_job",
]
