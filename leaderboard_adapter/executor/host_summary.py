"""The end-of-run summary per host: route runs driven there and their mean wall-clock time."""

from __future__ import annotations

from collections import defaultdict

from rich.table import Table

from .route_job import RouteJobResult


class HostSummary:
    """Route runs and their wall-clock seconds per host (a Ray node's host names the node too)."""

    def __init__(self) -> None:
        self._seconds: dict[str, list[float]] = defaultdict(list)

    def add(self, result: RouteJobResult) -> None:
        self._seconds[result.host].append(result.wall_s)

    @property
    def runs_per_host(self) -> dict[str, int]:
        return {host: len(seconds) for host, seconds in sorted(self._seconds.items())}

    def table(self) -> Table:
        table = Table(title="Route runs per host", header_style="bold")
        table.add_column("host", no_wrap=True)
        table.add_column("route runs", justify="right")
        table.add_column("mean s per run", justify="right")
        for host, seconds in sorted(self._seconds.items()):
            table.add_row(host, str(len(seconds)), f"{sum(seconds) / len(seconds):.1f}")
        return table
