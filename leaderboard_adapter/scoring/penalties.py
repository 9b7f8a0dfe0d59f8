"""Infraction penalty schemes: how a route's events become its infraction penalty (IP).

Two ways of combining penalties exist across leaderboard versions:

* multiplicative (leaderboard 1.0, 2.0 and the `master` branch, which scores as 2.0):
  ``IP = Π factor``, one factor per event (pedestrian 0.50, vehicle 0.60, layout 0.65,
  red light 0.70, stop 0.80; 2.0 adds scenario timeout 0.70 and yield to emergency
  vehicle 0.70, min speed ``1 - (1 - 0.7)·(1 - p/100)``), outside route lanes
  ``1 - p/100``;
* additive (leaderboard 2.1): ``IP = Π(1 - outside%/100) · 1/(1 + Σ value)`` with
  pedestrian 1.0, vehicle 0.7, layout 0.6, red light 0.4, stop 0.25, scenario timeout 0.4,
  yield 0.4 and min speed ``0.4·(1 - p/100)``.

The arithmetic follows `statistics_manager.py` operation for operation (same operand order,
same ``1 - (1 - 0.7)·…`` form), so results agree with the leaderboard to the last bit for
events given in the same order.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import field
from types import MappingProxyType
from typing import Annotated

from pydantic import AfterValidator, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType
from leaderboard_adapter.settings import SETTINGS


class PenaltyScheme(enum.Enum):
    """How per-event penalties combine into the infraction penalty."""

    MULTIPLICATIVE = "multiplicative"
    """Each event multiplies IP by its factor (leaderboard 1.0, 2.0, master)."""

    ADDITIVE = "additive"
    """Event values are summed into S and IP gets 1/(1 + S) (leaderboard 2.1)."""


class LeaderboardVersion(enum.Enum):
    """Leaderboard versions whose scoring differs (`master` scores as 2.0)."""

    V1_0 = "1.0"
    V2_0 = "2.0"
    V2_1 = "2.1"


#: Kinds whose penalty is a percentage carried in `InfractionEvent.details['percentage']`.
PERCENTAGE_KINDS: frozenset[InfractionType] = frozenset(
    {InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION, InfractionType.MIN_SPEED_INFRACTION}
)

#: Kinds that end the route without a penalty (they only set the route's status).
ROUTE_ENDING_KINDS: frozenset[InfractionType] = frozenset(
    {InfractionType.ROUTE_DEVIATION, InfractionType.VEHICLE_BLOCKED, InfractionType.ROUTE_TIMEOUT}
)


def _frozen(mapping: Mapping[InfractionType, float]) -> Mapping[InfractionType, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, config=SETTINGS)
class PenaltyTable:
    """The penalty numbers of one leaderboard version and the rule that combines them.

    `values`: per-event constant, keyed by kind. For MULTIPLICATIVE it is the factor the
    penalty is multiplied by (0.6 for a vehicle collision); for ADDITIVE it is the amount
    added to the sum S (0.7 for a vehicle collision).
    `min_speed`: for MULTIPLICATIVE the leaderboard's "per unit value" r, giving the factor
    ``1 - (1 - r)·(1 - p/100)``; for ADDITIVE the weight w, adding ``w·(1 - p/100)`` to S;
    None where the version has no min-speed criterion.
    Outside route lanes always multiplies IP by ``1 - p/100``.
    """

    name: str
    scheme: PenaltyScheme
    values: Annotated[Mapping[InfractionType, float], AfterValidator(_frozen)] = field(default_factory=dict)
    min_speed: float | None = None

    @model_validator(mode="after")
    def _constant_kinds(self) -> PenaltyTable:
        for kind, value in self.values.items():
            if kind in PERCENTAGE_KINDS or kind in ROUTE_ENDING_KINDS:
                raise ValueError(
                    f"PenaltyTable {self.name!r}: {kind.name} is not a constant-penalty kind; "
                    "percentage kinds use `min_speed`/the outside-lanes rule, route-ending kinds carry no penalty"
                )
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(
                    f"PenaltyTable {self.name!r}: value for {kind.name} must be finite and >= 0, got {value}"
                )
        if self.min_speed is not None and not (0.0 <= self.min_speed <= 1.0):
            raise ValueError(f"PenaltyTable {self.name!r}: min_speed must be in [0, 1], got {self.min_speed}")
        return self

    def scores(self, kind: InfractionType) -> bool:
        """Whether this version's statistics manager knows events of `kind` at all."""
        if kind in ROUTE_ENDING_KINDS or kind is InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION:
            return True
        if kind is InfractionType.MIN_SPEED_INFRACTION:
            return self.min_speed is not None
        return kind in self.values

    def infraction_penalty(self, events: Iterable[InfractionEvent]) -> float:
        """The route's infraction penalty IP in [0, 1] (unrounded) from its events, in order.

        Route-ending kinds (deviation, blocked, timeout) contribute nothing. Raises
        ValueError for a kind this version never scores, or a percentage kind without
        `details['percentage']`.
        """
        penalty = 1.0
        infraction_sum: float = 0  # int 0 as the leaderboard starts it
        for event in events:
            kind = event.type
            if kind in ROUTE_ENDING_KINDS:
                continue
            if not self.scores(kind):
                raise ValueError(
                    f"{self.name} has no penalty for {kind.name} (event at frame {event.frame}: {event.message!r})"
                )
            if kind is InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION:
                percentage = event_percentage(event)
                # 2.x writes `1 - (1 - 0) * p / 100`; (1 - 0) is the exact integer 1.
                penalty *= 1 - percentage / 100
            elif kind is InfractionType.MIN_SPEED_INFRACTION:
                assert self.min_speed is not None  # guaranteed by scores()
                percentage = event_percentage(event)
                if self.scheme is PenaltyScheme.MULTIPLICATIVE:
                    penalty *= 1 - (1 - self.min_speed) * (1 - percentage / 100)
                else:
                    infraction_sum += self.min_speed * (1 - percentage / 100)
            elif self.scheme is PenaltyScheme.MULTIPLICATIVE:
                penalty *= self.values[kind]
            else:
                infraction_sum += self.values[kind]
        if self.scheme is PenaltyScheme.ADDITIVE:
            penalty *= 1 / (1 + infraction_sum)
        return penalty


def event_percentage(event: InfractionEvent) -> float:
    """`details['percentage']` of a percentage-kind event [%]; ValueError when missing or not finite."""
    try:
        percentage = float(event.details["percentage"])
    except KeyError:
        raise ValueError(
            f"{event.type.name} event at frame {event.frame} lacks details['percentage'] "
            f"(message {event.message!r})"
        ) from None
    if not math.isfinite(percentage):
        raise ValueError(
            f"{event.type.name} event at frame {event.frame}: percentage {percentage} is not finite"
        )
    return percentage


LEADERBOARD_1_0 = PenaltyTable(
    name="leaderboard 1.0",
    scheme=PenaltyScheme.MULTIPLICATIVE,
    values={
        InfractionType.COLLISION_PEDESTRIAN: 0.50,
        InfractionType.COLLISION_VEHICLE: 0.60,
        InfractionType.COLLISION_STATIC: 0.65,
        InfractionType.TRAFFIC_LIGHT_INFRACTION: 0.70,
        InfractionType.STOP_INFRACTION: 0.80,
    },
    min_speed=None,
)
"""Leaderboard 1.0: five factors, outside lanes ``1 - p/100``, no min speed/yield/scenario timeout."""

LEADERBOARD_2_0 = PenaltyTable(
    name="leaderboard 2.0",
    scheme=PenaltyScheme.MULTIPLICATIVE,
    values={
        InfractionType.COLLISION_PEDESTRIAN: 0.5,
        InfractionType.COLLISION_VEHICLE: 0.6,
        InfractionType.COLLISION_STATIC: 0.65,
        InfractionType.TRAFFIC_LIGHT_INFRACTION: 0.7,
        InfractionType.STOP_INFRACTION: 0.8,
        InfractionType.SCENARIO_TIMEOUT: 0.7,
        InfractionType.YIELD_TO_EMERGENCY_VEHICLE: 0.7,
    },
    min_speed=0.7,
)
"""Leaderboard 2.0 (and `master`): factors, min speed ``1 - (1 - 0.7)·(1 - p/100)``."""

LEADERBOARD_2_1 = PenaltyTable(
    name="leaderboard 2.1",
    scheme=PenaltyScheme.ADDITIVE,
    values={
        InfractionType.COLLISION_PEDESTRIAN: 1.0,
        InfractionType.COLLISION_VEHICLE: 0.7,
        InfractionType.COLLISION_STATIC: 0.6,
        InfractionType.TRAFFIC_LIGHT_INFRACTION: 0.4,
        InfractionType.STOP_INFRACTION: 0.25,
        InfractionType.SCENARIO_TIMEOUT: 0.4,
        InfractionType.YIELD_TO_EMERGENCY_VEHICLE: 0.4,
    },
    min_speed=0.4,
)
"""Leaderboard 2.1: summed values, min speed adds ``0.4·(1 - p/100)``."""

_BY_VERSION: Mapping[LeaderboardVersion, PenaltyTable] = MappingProxyType(
    {
        LeaderboardVersion.V1_0: LEADERBOARD_1_0,
        LeaderboardVersion.V2_0: LEADERBOARD_2_0,
        LeaderboardVersion.V2_1: LEADERBOARD_2_1,
    }
)


def scheme_for_version(version: str | LeaderboardVersion) -> PenaltyTable:
    """The penalty table of a leaderboard version: "1.0", "2.0", "2.1" (or "master", scored as 2.0)."""
    if isinstance(version, LeaderboardVersion):
        return _BY_VERSION[version]
    key = version.strip().lower().removeprefix("leaderboard-").removeprefix("v")
    if key == "master":
        return LEADERBOARD_2_0
    try:
        return _BY_VERSION[LeaderboardVersion(key)]
    except ValueError:
        known = ", ".join(repr(v.value) for v in LeaderboardVersion)
        raise ValueError(
            f"unknown leaderboard version {version!r}; expected one of {known} or 'master'"
        ) from None


def table_for_scheme(scheme: PenaltyScheme) -> PenaltyTable:
    """The newest table using `scheme`: MULTIPLICATIVE → 2.0, ADDITIVE → 2.1."""
    return LEADERBOARD_2_0 if scheme is PenaltyScheme.MULTIPLICATIVE else LEADERBOARD_2_1
