"""InfractionRef: one infraction named in a leaderboard results JSON (route, kind, occurrence, message, place)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from leaderboard_adapter.replay.errors import ReplayError
from leaderboard_adapter.scoring import INFRACTION_KEYS, ResultsFileError
from leaderboard_adapter.scoring.results_file import load_results_json

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PLACE = re.compile(rf"at \(x=({_NUMBER}), y=({_NUMBER}), z=({_NUMBER})\)")
"""The leaderboard's "at (x=.., y=.., z=..)" in an infraction message (world frame, metres)."""
_ACTOR = re.compile(r"(?:\bid=|\bred light )(-?\d+)\b")
"""The other actor's id in a leaderboard message: "... type=vehicle.x and id=12 at ..." (collisions),
"Agent ran a red light 32 at ..." (the light), "Agent ran a stop with id=7 at ..." (the sign)."""


@dataclass(frozen=True)
class InfractionRef:
    """The `occurrence`-th (from 0) message of `kind` in the record `route_id` of a results file.

    `record_index`: the record's position in the file (the run's index, as `plan_runs` numbers
    runs). `xy_m`: the place in the message, CARLA world frame [m]; None when the message has
    none (e.g. 'Route timeout.'). `actor_id`: the other actor's id in the message (the collided
    actor, the light, the stop sign; see `message_actor`), None when it names none. Messages of one
    kind are in the order they happened.
    """

    results_path: Path
    route_id: str
    record_index: int
    kind: str
    occurrence: int
    message: str
    xy_m: tuple[float, float] | None
    actor_id: int | None


def check_kind(kind: str) -> None:
    """Raise ReplayError unless `kind` is a results `infractions` key."""
    if kind not in INFRACTION_KEYS:
        raise ReplayError(f"unknown infraction kind {kind!r}; the kinds are: {', '.join(INFRACTION_KEYS)}")


def message_place(message: str) -> tuple[float, float] | None:
    """(x, y) [m] of the "at (x=.., y=.., z=..)" in a leaderboard message, or None."""
    match = _PLACE.search(message)
    return (float(match.group(1)), float(match.group(2))) if match else None


def message_actor(message: str) -> int | None:
    """The other actor's id a leaderboard message names (collided actor, light, stop sign), or None."""
    match = _ACTOR.search(message)
    return int(match.group(1)) if match else None


def find_infraction(results_path: Path | str, route_id: str, kind: str, occurrence: int = 0) -> InfractionRef:
    """The `occurrence`-th infraction of `kind` (a results key such as "red_light") in record `route_id`.

    Raises ReplayError naming what is missing and listing what exists: the file (or why it
    cannot be read), the route ids in it, the kinds the route has, or how many of `kind` there are.
    """
    path = Path(results_path)
    check_kind(kind)
    if isinstance(occurrence, bool) or not isinstance(occurrence, int) or occurrence < 0:
        raise ReplayError(f"occurrence must be an int >= 0 (0 is the first), got {occurrence!r}")
    try:
        records = load_results_json(path)["_checkpoint"]["records"]
    except ResultsFileError as error:
        raise ReplayError(str(error)) from None
    by_id = {record.route_id: record for record in records}
    if route_id not in by_id:
        held = ", ".join(by_id) if by_id else "no records"
        raise ReplayError(f"results file {str(path)!r} has no record {route_id!r}; it holds: {held}")
    record = by_id[route_id]
    messages = record.infractions[kind]
    if not messages:
        present = [f"{key} ({len(found)})" for key, found in record.infractions.items() if found]
        has = ", ".join(present) if present else "none"
        raise ReplayError(f"{route_id} in {str(path)!r} has no {kind!r} infraction; its infractions: {has}")
    if occurrence >= len(messages):
        raise ReplayError(
            f"{route_id} in {str(path)!r} has {len(messages)} {kind!r} infraction(s) (occurrences 0 to "
            f"{len(messages) - 1}); occurrence {occurrence} does not exist"
        )
    message = messages[occurrence]
    return InfractionRef(
        path,
        route_id,
        record.index,
        kind,
        occurrence,
        message,
        message_place(message),
        message_actor(message),
    )
