"""The global record: averages over routes, infractions per km, and the results' `values`/`labels`.

Follows leaderboard 2.x's `compute_global_statistics`:

* `scores_mean`: each route's score divided by the number of routes in the run (the
  progress total, not the number of records), summed, rounded to 6 digits;
  `scores_std_dev`: sample standard deviation around the rounded mean, 3 digits (0 for one route);
* km driven = Σ route_length/1000 · RC/100, floored at 0.001 km;
* each infraction kind: count / km driven, rounded to 3 digits; except outside route lanes,
  which is the total km driven outside the route lanes (read, as the leaderboard does, from
  the metres in the first message of each route), not divided by km driven;
* `status`: "Perfect", downgraded to "Completed", then "Failed" by the routes; every failed
  route is listed in `meta.exceptions` as [route_id, index, status];
* entry status: "Finished", or "Crashed"/"Rejected" when a route's status says the
  simulation crashed / the sensors were invalid (the last such route wins).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from leaderboard_adapter.scoring.infractions import InfractionType
from leaderboard_adapter.scoring.route_record import (
    INFRACTION_KEYS,
    ROUND_DIGITS,
    ROUND_DIGITS_SCORE,
    RouteRecord,
)
from leaderboard_adapter.scoring.statuses import (
    FAILURE_SENSORS,
    FAILURE_SIMULATION,
    ROUTE_FAILED,
    ROUTE_PERFECT,
    EntryStatus,
)

MIN_KM_DRIVEN = 0.001
"""Floor of the km driven used as the per-km denominator [km] (avoids a division by zero)."""

SCORE_KEYS: tuple[str, ...] = ("score_composed", "score_route", "score_penalty")
"""Keys of `scores_mean` / `scores_std_dev`, in the leaderboard's order (DS first)."""

LABELS: tuple[str, ...] = (
    "Avg. driving score",
    "Avg. route completion",
    "Avg. infraction penalty",
    "Collisions with pedestrians",
    "Collisions with vehicles",
    "Collisions with layout",
    "Red lights infractions",
    "Stop sign infractions",
    "Off-road infractions",
    "Route deviations",
    "Route timeouts",
    "Agent blocked",
    "Yield emergency vehicles infractions",
    "Scenario timeouts",
    "Min speed infractions",
)
"""The results file's `labels`, in order; `values` follows the same order."""

_VALUE_INFRACTIONS: tuple[InfractionType, ...] = (
    InfractionType.COLLISION_PEDESTRIAN,
    InfractionType.COLLISION_VEHICLE,
    InfractionType.COLLISION_STATIC,
    InfractionType.TRAFFIC_LIGHT_INFRACTION,
    InfractionType.STOP_INFRACTION,
    InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION,
    InfractionType.ROUTE_DEVIATION,
    InfractionType.ROUTE_TIMEOUT,
    InfractionType.VEHICLE_BLOCKED,
    InfractionType.YIELD_TO_EMERGENCY_VEHICLE,
    InfractionType.SCENARIO_TIMEOUT,
    InfractionType.MIN_SPEED_INFRACTION,
)

_OUTSIDE_LANES_KEY = InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION.results_key


def outside_lanes_km(record: RouteRecord) -> float:
    """Km driven outside the route lanes in one route, from its first outside-lanes message.

    The message reads "Agent went outside its route lanes for about <m> meters (<p>% of the
    completed route)"; the leaderboard takes its 9th word. ValueError when it is not a number.
    """
    messages = record.infractions[_OUTSIDE_LANES_KEY]
    if not messages:
        return 0.0
    words = messages[0].split(" ")
    try:
        return float(words[8]) / 1000
    except (IndexError, ValueError):
        raise ValueError(
            f"route {record.route_id}: outside-lanes message {messages[0]!r} does not have the leaderboard's form "
            "'Agent went outside its route lanes for about <m> meters (<p>% of the completed route)'"
        ) from None


@dataclass(frozen=True)
class GlobalRecord:
    """The `_checkpoint.global_record` of a finished run.

    `infractions`: per km driven for counted kinds, km for outside route lanes (see module).
    `exceptions`: (route_id, index, status) of every failed route.
    Durations [s] and total length [m] are plain sums over the routes.
    """

    status: str
    infractions: Mapping[str, float]
    scores_mean: Mapping[str, float]
    scores_std_dev: Mapping[str, float]
    total_length: float
    duration_game: float
    duration_system: float
    exceptions: tuple[tuple[str, int, str], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "infractions", MappingProxyType(dict(self.infractions)))
        object.__setattr__(self, "scores_mean", MappingProxyType(dict(self.scores_mean)))
        object.__setattr__(self, "scores_std_dev", MappingProxyType(dict(self.scores_std_dev)))
        if tuple(self.infractions) != INFRACTION_KEYS:
            raise ValueError(f"global infractions must have the keys {INFRACTION_KEYS} in order")
        for name in ("scores_mean", "scores_std_dev"):
            if tuple(getattr(self, name)) != SCORE_KEYS:
                raise ValueError(f"{name} must have the keys {SCORE_KEYS} in order")

    @property
    def driving_score(self) -> float:
        """Mean DS [%]."""
        return self.scores_mean["score_composed"]

    @property
    def route_completion(self) -> float:
        """Mean RC [%]."""
        return self.scores_mean["score_route"]

    @property
    def infraction_penalty(self) -> float:
        """Mean IP."""
        return self.scores_mean["score_penalty"]

    def values(self) -> list[str]:
        """The results file's `values`: `str()` of each figure, in the order of `LABELS`."""
        figures = [self.scores_mean[key] for key in SCORE_KEYS]
        figures += [self.infractions[kind.results_key] for kind in _VALUE_INFRACTIONS]
        return [str(figure) for figure in figures]

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) pairs for a summary table, in the leaderboard's order."""
        return list(zip(LABELS, self.values(), strict=True))

    def to_json(self) -> dict[str, Any]:
        """The global record as the leaderboard serialises it (same keys, same order)."""
        return {
            "index": -1,
            "route_id": -1,
            "status": self.status,
            "infractions": dict(self.infractions),
            "scores_mean": dict(self.scores_mean),
            "scores_std_dev": dict(self.scores_std_dev),
            "meta": {
                "total_length": self.total_length,
                "duration_game": self.duration_game,
                "duration_system": self.duration_system,
                "exceptions": [list(exception) for exception in self.exceptions],
            },
        }


def compute_global_record(records: Sequence[RouteRecord], total_routes: int) -> GlobalRecord:
    """The global record over `records`, averaging over `total_routes` (the progress total)."""
    if isinstance(total_routes, bool) or not isinstance(total_routes, int) or total_routes < 1:
        raise ValueError(f"total_routes must be an int >= 1, got {total_routes!r}")
    if len(records) > total_routes:
        raise ValueError(f"{len(records)} records for a run of {total_routes} routes")

    status = ROUTE_PERFECT
    exceptions: list[tuple[str, int, str]] = []
    means: dict[str, float] = dict.fromkeys(SCORE_KEYS, 0)
    total_length: float = 0
    duration_game: float = 0
    duration_system: float = 0
    for record in records:
        scores = record.scores.to_json()
        for key in SCORE_KEYS:
            means[key] += scores[key] / total_routes
        total_length += record.meta.route_length
        duration_game += record.meta.duration_game
        duration_system += record.meta.duration_system
        route_result = ROUTE_FAILED if ROUTE_FAILED in record.status else record.status
        if route_result == ROUTE_FAILED:
            exceptions.append((record.route_id, record.index, record.status))
            status = ROUTE_FAILED
        elif status == ROUTE_PERFECT and route_result != ROUTE_PERFECT:
            status = route_result
    means = {key: round(value, ROUND_DIGITS_SCORE) for key, value in means.items()}

    std_devs: dict[str, float] = dict.fromkeys(SCORE_KEYS, 0)
    if total_routes > 1:
        for record in records:
            scores = record.scores.to_json()
            for key in SCORE_KEYS:
                std_devs[key] += math.pow(scores[key] - means[key], 2)
        std_devs = {
            key: round(math.sqrt(value / float(total_routes - 1)), ROUND_DIGITS)
            for key, value in std_devs.items()
        }

    infractions: dict[str, float] = dict.fromkeys(INFRACTION_KEYS, 0)
    km_driven: float = 0
    for record in records:
        km_driven += record.meta.route_length / 1000 * record.scores.score_route / 100
        for key in INFRACTION_KEYS:
            if key == _OUTSIDE_LANES_KEY:
                infractions[key] += outside_lanes_km(record)
            else:
                infractions[key] += len(record.infractions[key])
    km_driven = max(km_driven, MIN_KM_DRIVEN)
    for key in INFRACTION_KEYS:
        if key != _OUTSIDE_LANES_KEY:
            infractions[key] /= km_driven
        infractions[key] = round(infractions[key], ROUND_DIGITS)

    return GlobalRecord(
        status=status,
        infractions=infractions,
        scores_mean=means,
        scores_std_dev=std_devs,
        total_length=total_length,
        duration_game=duration_game,
        duration_system=duration_system,
        exceptions=tuple(exceptions),
    )


def entry_status_for(records: Sequence[RouteRecord]) -> EntryStatus:
    """The entry status the leaderboard gives a run once its global record is computed."""
    entry_status = EntryStatus.FINISHED
    for record in records:
        if FAILURE_SIMULATION in record.status:
            entry_status = EntryStatus.CRASHED
        elif FAILURE_SENSORS in record.status:
            entry_status = EntryStatus.REJECTED
    return entry_status
