"""Results of an executor in job order, one progress bar over all route runs, the per-host summary."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from rich.console import Console
from tqdm import tqdm

from .host_summary import HostSummary
from .protocol import RouteRunExecutor
from .route_job import RouteJob, RouteJobResult


class RunProgress:
    """A bar over every route run of a command (`done` of `total` finished before), advanced as runs finish
    wherever they run, and the per-host summary of the runs."""

    def __init__(self, total: int, done: int = 0, enabled: bool = True, desc: str = "route runs") -> None:
        self.bar = tqdm(total=total, initial=done, desc=desc, unit="run", disable=not enabled, dynamic_ncols=True)
        self.hosts = HostSummary()

    def finished(self, result: RouteJobResult) -> None:
        self.hosts.add(result)
        self.bar.update(1)

    def write(self, line: str) -> None:
        self.bar.write(line)

    def close(self, summary: bool = True) -> None:
        """Close the bar; print the per-host summary (with or without the bar) when any run finished."""
        self.bar.close()
        if summary and self.hosts.runs_per_host:
            Console().print(self.hosts.table())


def in_job_order(
    executor: RouteRunExecutor, jobs: Sequence[RouteJob], progress: RunProgress | None = None
) -> Iterator[RouteJobResult]:
    """Every job's result in the order of `jobs`, each as soon as it and all before it have finished (their log
    lines replayed here as they arrive). Closing this iterator early cancels the runs still going."""
    waiting: dict[int, RouteJobResult] = {}
    next_index = 0
    with contextlib.closing(executor.results(jobs)) as results:
        for i, result in results:
            result.replay_logs()
            if progress is not None:
                progress.finished(result)
            waiting[i] = result
            while next_index in waiting:
                yield waiting.pop(next_index)
                next_index += 1


def run_all(executor: RouteRunExecutor, jobs: Sequence[RouteJob], progress: bool = False,
            desc: str = "route runs") -> list[RouteJobResult]:  # fmt: skip
    """Every job's result, in the order of `jobs`, its files written under its `output_dir`."""
    bar = RunProgress(len(jobs), enabled=progress, desc=desc)
    try:
        results = list(in_job_order(executor, jobs, bar))
    finally:
        bar.close(summary=False)
    for result in results:
        result.write_files()
    return results
