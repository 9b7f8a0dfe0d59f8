"""The end-of-run summary: per-route and global driving score, route completion, penalty, infractions per km."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from leaderboard_adapter.scoring import GlobalRecord, RouteRecord


def route_table(records: Sequence[RouteRecord]) -> Table:
    """One row per scored route; a "policy failed" column (failed/calls) when an agent reported them."""
    policy = any("policy_calls" in record.meta.extra for record in records)
    table = Table(title="Routes", header_style="bold")
    table.add_column("route", no_wrap=True, min_width=22)
    table.add_column("status", no_wrap=True)
    for column in ("DS", "RC", "IP", "length [m]", "infractions", *(["policy failed"] if policy else [])):
        table.add_column(column, justify="right")
    for record in records:
        extra = record.meta.extra
        failures = f"{extra.get('policy_failures', '?')}/{extra['policy_calls']}" if "policy_calls" in extra else ""
        table.add_row(
            record.route_id,
            record.status,
            f"{record.driving_score:.2f}",
            f"{record.route_completion:.2f}",
            f"{record.infraction_penalty:.3f}",
            f"{record.meta.route_length:.0f}",
            str(record.num_infractions),
            *([failures] if policy else []),
        )
    return table


def global_table(global_record: GlobalRecord | Sequence[tuple[str, str]]) -> Table:
    """The leaderboard's labels and values (DS, RC, IP, then infractions per km): a global record's, or the
    (label, value) pairs of a results file (1.0's 12)."""
    table = Table(title="Global", header_style="bold")
    table.add_column("metric")
    table.add_column("value", justify="right")
    pairs = global_record.summary() if isinstance(global_record, GlobalRecord) else global_record
    for label, value in pairs:
        table.add_row(label, value)
    return table


def print_summary(
    records: Sequence[RouteRecord],
    global_record: GlobalRecord | Sequence[tuple[str, str]] | None,
    console: Console | None = None,
) -> None:
    console = console or Console()
    console.print(route_table(records))
    if global_record is not None:
        console.print(global_table(global_record))
