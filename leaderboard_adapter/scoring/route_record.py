"""Route records: one route's status, infractions, scores and meta, as the leaderboard 2.x writes them.

`build_route_record` turns what the embedded world observed (infraction events, route
completion, how the route ended, durations) into the record `statistics_manager.py`'s
`compute_route_statistics` would have produced: same status words, same message lists, same
rounding (scores to 6 digits, meta to 3), same JSON key order (`RouteRecord.to_json`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType
from leaderboard_adapter.scoring.penalties import LEADERBOARD_2_1, PenaltyTable
from leaderboard_adapter.scoring.statuses import (
    FAILURE_BLOCKED,
    FAILURE_DEVIATED,
    FAILURE_TIMED_OUT,
    ROUTE_COMPLETED,
    ROUTE_PERFECT,
    RouteEnding,
    failed_status,
)

ROUND_DIGITS = 3
"""Digits kept for meta values, standard deviations and per-km figures (leaderboard's ROUND_DIGITS)."""
ROUND_DIGITS_SCORE = 6
"""Digits kept for scores (leaderboard's ROUND_DIGITS_SCORE)."""

INFRACTION_KEYS: tuple[str, ...] = tuple(kind.results_key for kind in InfractionType)
"""The `infractions` keys of a record, in the leaderboard's order (route_timeout last)."""

_META_KEYS = ("route_length", "duration_game", "duration_system")
"""The leaderboard's `meta` keys, in its order."""

ROUTE_TIMEOUT_MESSAGE = "Route timeout."
"""The message the leaderboard itself stores under 'route_timeout'."""

_CRITERION_RANK: Mapping[InfractionType, int] = MappingProxyType(
    {
        # Order of `RouteScenario._create_test_criteria` (2.x), scenario criteria last.
        InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION: 0,
        InfractionType.COLLISION_STATIC: 1,
        InfractionType.COLLISION_PEDESTRIAN: 1,
        InfractionType.COLLISION_VEHICLE: 1,
        InfractionType.TRAFFIC_LIGHT_INFRACTION: 2,
        InfractionType.STOP_INFRACTION: 3,
        InfractionType.MIN_SPEED_INFRACTION: 4,
        InfractionType.ROUTE_DEVIATION: 5,
        InfractionType.VEHICLE_BLOCKED: 6,
        InfractionType.YIELD_TO_EMERGENCY_VEHICLE: 7,
        InfractionType.SCENARIO_TIMEOUT: 7,
        InfractionType.ROUTE_TIMEOUT: 8,
    }
)


def leaderboard_event_order(events: Iterable[InfractionEvent]) -> list[InfractionEvent]:
    """Events in the order the leaderboard visits them: by criterion, then as given (stable).

    The order decides which of a deviation and a blocked event names the failure (the later
    criterion, blocked, wins) and the operand order of the penalty product.
    """
    return sorted(events, key=lambda event: _CRITERION_RANK[event.type])


def route_id_for(route_id: str | int, repetition: int) -> str:
    """The record's `route_id`: 'RouteScenario_<id>_rep<repetition>' (route id from the XML)."""
    if repetition < 0:
        raise ValueError(f"repetition must be >= 0, got {repetition}")
    return f"RouteScenario_{route_id}_rep{repetition}"


def _check_number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{where}: expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{where}: expected a finite number, got {value!r}")
    return value


def _check_keys(data: object, expected: Sequence[str], where: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    missing = [key for key in expected if key not in data]
    unknown = [key for key in data if key not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing keys {missing}")
        if unknown:
            parts.append(f"unknown keys {unknown}")
        raise ValueError(f"{where}: {', '.join(parts)}")
    return data


@dataclass(frozen=True)
class RouteScores:
    """A route's scores, rounded to 6 digits: RC [%], IP in [0, 1], DS = RC·IP [%]."""

    score_route: float
    score_penalty: float
    score_composed: float

    def __post_init__(self) -> None:
        for name in ("score_route", "score_penalty", "score_composed"):
            _check_number(getattr(self, name), f"scores.{name}")

    def to_json(self) -> dict[str, float]:
        """The `scores` object, keys in the leaderboard's order."""
        return {
            "score_route": self.score_route,
            "score_penalty": self.score_penalty,
            "score_composed": self.score_composed,
        }

    @classmethod
    def from_json(cls, data: object, where: str = "scores") -> RouteScores:
        """Parse a `scores` object; ValueError naming `where` and the problem."""
        checked = _check_keys(data, ("score_route", "score_penalty", "score_composed"), where)
        return cls(**{key: _check_number(value, f"{where}.{key}") for key, value in checked.items()})


@dataclass(frozen=True)
class RouteMeta:
    """A route's meta, rounded to 3 digits: route length [m], game and system durations [s].

    `extra`: keys an evaluator adds after the leaderboard's three (e.g. the agent's `policy_calls`),
    each a number or a string; they are written after the leaderboard's keys and read back, and
    nothing the leaderboard computes uses them.
    """

    route_length: float
    duration_game: float
    duration_system: float
    extra: Mapping[str, float | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in _META_KEYS:
            _check_number(getattr(self, name), f"meta.{name}")
        if self.route_length < 0:
            raise ValueError(f"meta.route_length must be >= 0 m, got {self.route_length}")
        for key, value in self.extra.items():
            if not isinstance(key, str) or key in _META_KEYS:
                raise ValueError(f"meta: extra key {key!r} must be a string other than {list(_META_KEYS)}")
            if not isinstance(value, str):
                _check_number(value, f"meta.{key}")
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    @classmethod
    def measured(cls, route_length_m: float, duration_game_s: float, duration_system_s: float) -> RouteMeta:
        """Meta from raw measurements, rounded as the leaderboard rounds them."""
        return cls(
            route_length=round(route_length_m, ROUND_DIGITS),
            duration_game=round(duration_game_s, ROUND_DIGITS),
            duration_system=round(duration_system_s, ROUND_DIGITS),
        )

    def to_json(self) -> dict[str, float | str]:
        """The `meta` object, keys in the leaderboard's order, then the extra keys."""
        return {
            "route_length": self.route_length,
            "duration_game": self.duration_game,
            "duration_system": self.duration_system,
            **self.extra,
        }

    @classmethod
    def from_json(cls, data: object, where: str = "meta") -> RouteMeta:
        """Parse a `meta` object (keys beyond the leaderboard's go to `extra`); ValueError naming `where`."""
        if not isinstance(data, dict):
            raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
        extra = {key: value for key, value in data.items() if key not in _META_KEYS}
        checked = _check_keys({key: data[key] for key in data if key in _META_KEYS}, _META_KEYS, where)
        known = {key: _check_number(value, f"{where}.{key}") for key, value in checked.items()}
        try:
            return cls(**known, extra=extra)
        except ValueError as error:
            raise ValueError(f"{where}: {error}") from None


_RECORD_KEYS = ("index", "route_id", "status", "num_infractions", "infractions", "scores", "meta")


@dataclass(frozen=True)
class RouteRecord:
    """One scored route, as an element of the results file's `_checkpoint.records`.

    `infractions` maps every key of `INFRACTION_KEYS` (in that order) to the messages of
    that kind; `num_infractions` is the total number of messages.
    """

    index: int
    route_id: str
    status: str
    num_infractions: int
    infractions: Mapping[str, tuple[str, ...]]
    scores: RouteScores
    meta: RouteMeta

    def __post_init__(self) -> None:
        if isinstance(self.index, bool) or not isinstance(self.index, int) or self.index < 0:
            raise ValueError(f"index must be an int >= 0, got {self.index!r}")
        if not isinstance(self.route_id, str) or not self.route_id:
            raise ValueError(f"route_id must be a non-empty string, got {self.route_id!r}")
        if not isinstance(self.status, str) or not self.status:
            raise ValueError(f"status must be a non-empty string, got {self.status!r}")
        if set(self.infractions) != set(INFRACTION_KEYS):
            missing = [k for k in INFRACTION_KEYS if k not in self.infractions]
            unknown = [k for k in self.infractions if k not in INFRACTION_KEYS]
            raise ValueError(f"infractions: missing keys {missing}, unknown keys {unknown}")
        ordered = {key: tuple(self.infractions[key]) for key in INFRACTION_KEYS}
        object.__setattr__(self, "infractions", MappingProxyType(ordered))
        total = sum(len(messages) for messages in ordered.values())
        if self.num_infractions != total:
            raise ValueError(
                f"num_infractions is {self.num_infractions} but the infraction lists hold {total} messages"
            )

    @property
    def driving_score(self) -> float:
        """DS [%] (`score_composed`)."""
        return self.scores.score_composed

    @property
    def route_completion(self) -> float:
        """RC [%] (`score_route`)."""
        return self.scores.score_route

    @property
    def infraction_penalty(self) -> float:
        """IP in [0, 1] (`score_penalty`)."""
        return self.scores.score_penalty

    def to_json(self) -> dict[str, Any]:
        """The record as the leaderboard serialises it (same keys, same order)."""
        return {
            "index": self.index,
            "route_id": self.route_id,
            "status": self.status,
            "num_infractions": self.num_infractions,
            "infractions": {key: list(messages) for key, messages in self.infractions.items()},
            "scores": self.scores.to_json(),
            "meta": self.meta.to_json(),
        }

    @classmethod
    def from_json(cls, data: object, where: str = "record") -> RouteRecord:
        """Parse a record written by the leaderboard 2.x or by `to_json`; ValueError naming `where`."""
        checked = _check_keys(data, _RECORD_KEYS, where)
        infractions = _check_keys(checked["infractions"], INFRACTION_KEYS, f"{where}.infractions")
        num = checked["num_infractions"]
        if isinstance(num, bool) or not isinstance(num, int):
            raise ValueError(f"{where}.num_infractions: expected an int, got {num!r}")
        return record_from_parts(checked, infraction_messages(infractions, where), num, where)


def infraction_messages(infractions: Mapping[str, Any], where: str) -> dict[str, tuple[str, ...]]:
    """A record's `infractions` as message tuples; ValueError naming `where` for a value that is not a
    list of strings."""
    messages: dict[str, tuple[str, ...]] = {}
    for key, value in infractions.items():
        if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
            raise ValueError(f"{where}.infractions.{key}: expected a list of strings, got {value!r}")
        messages[key] = tuple(value)
    return messages


def record_from_parts(
    data: Mapping[str, Any], messages: dict[str, tuple[str, ...]], num_infractions: int, where: str
) -> RouteRecord:
    """The RouteRecord of a parsed record's `index`, `route_id`, `status`, `scores` and `meta` (from `data`)
    and its infraction messages; a ValueError names `where`."""
    try:
        return RouteRecord(
            index=data["index"],
            route_id=data["route_id"],
            status=data["status"],
            num_infractions=num_infractions,
            infractions=messages,
            scores=RouteScores.from_json(data["scores"], f"{where}.scores"),
            meta=RouteMeta.from_json(data["meta"], f"{where}.meta"),
        )
    except ValueError as error:
        if str(error).startswith(where):
            raise
        raise ValueError(f"{where}: {error}") from None


def build_route_record(
    *,
    index: int,
    route_id: str,
    events: Iterable[InfractionEvent],
    route_completion: float,
    ending: RouteEnding,
    route_length_m: float,
    duration_game_s: float,
    duration_system_s: float,
    penalties: PenaltyTable = LEADERBOARD_2_1,
) -> RouteRecord:
    """Score one route as the leaderboard's `compute_route_statistics` does.

    `events`: the route's infraction events (any order; visited in `leaderboard_event_order`).
    `route_completion`: RC [%] from the route-completion criterion; the route counts as
    completed when it is >= 100 (2.x's criterion sets exactly 100 on success; pass the int
    100 to get the leaderboard's `100` rather than `100.0` in the file).
    `ending`: how the evaluator saw the route end (see `RouteEnding`). A route timeout may
    also be given as a ROUTE_TIMEOUT event; either way one 'Route timeout.' is recorded.

    Status: completed → "Perfect" (no infraction message at all) or "Completed"; otherwise
    "Failed", with " - <reason>" where the reason is, by increasing precedence, the
    evaluator's failure (agent crashed, ...), "Agent timed out", then the last of route
    deviation / agent blocked. DS = max(RC·IP, 0); RC is not changed by the ending.
    """
    if not math.isfinite(route_completion) or not 0 <= route_completion <= 100:
        raise ValueError(f"route_completion must be within [0, 100] %, got {route_completion}")
    ordered = leaderboard_event_order(events)
    kinds = {event.type for event in ordered}
    if ending is RouteEnding.DEVIATED and InfractionType.ROUTE_DEVIATION not in kinds:
        raise ValueError(
            "ending is DEVIATED but no ROUTE_DEVIATION event was given (its message goes in the record)"
        )
    if ending is RouteEnding.BLOCKED and InfractionType.VEHICLE_BLOCKED not in kinds:
        raise ValueError(
            "ending is BLOCKED but no VEHICLE_BLOCKED event was given (its message goes in the record)"
        )

    infractions: dict[str, list[str]] = {key: [] for key in INFRACTION_KEYS}
    failure = ending.failure_message
    if ending is RouteEnding.ROUTE_TIMEOUT or InfractionType.ROUTE_TIMEOUT in kinds:
        infractions[InfractionType.ROUTE_TIMEOUT.results_key].append(ROUTE_TIMEOUT_MESSAGE)
        failure = FAILURE_TIMED_OUT
    for event in ordered:
        if event.type is InfractionType.ROUTE_TIMEOUT:
            continue
        if not penalties.scores(event.type):
            raise ValueError(
                f"{penalties.name} has no {event.type.name} criterion (event at frame {event.frame}: {event.message!r})"
            )
        infractions[event.type.results_key].append(event.message)
        if event.type is InfractionType.ROUTE_DEVIATION:
            failure = FAILURE_DEVIATED
        elif event.type is InfractionType.VEHICLE_BLOCKED:
            failure = FAILURE_BLOCKED

    score_penalty = penalties.infraction_penalty(ordered)
    num_infractions = sum(len(messages) for messages in infractions.values())
    if route_completion >= 100:
        status = ROUTE_COMPLETED if num_infractions > 0 else ROUTE_PERFECT
    else:
        status = failed_status(failure)
    return RouteRecord(
        index=index,
        route_id=route_id,
        status=status,
        num_infractions=num_infractions,
        infractions={key: tuple(messages) for key, messages in infractions.items()},
        scores=RouteScores(
            score_route=round(route_completion, ROUND_DIGITS_SCORE),
            score_penalty=round(score_penalty, ROUND_DIGITS_SCORE),
            score_composed=round(max(route_completion * score_penalty, 0.0), ROUND_DIGITS_SCORE),
        ),
        meta=RouteMeta.measured(route_length_m, duration_game_s, duration_system_s),
    )
