"""Leaderboard 1.0's results file: its records, global record, values, labels and entry status.

Written with `--leaderboard-version 1.0` so that parsers of 1.0 results files read ours. What
differs from 2.x (leaderboard-1.0 `statistics_manager.py`, `checkpoint_tools.py`):

* the JSON is dumped with `indent=4, sort_keys=True`;
* route ids are 'RouteScenario_<id>' (no '_rep<r>': repetitions share the id, `index` tells them apart);
* a record has `route_id, index, status, infractions, scores, meta` (no `num_infractions`), nine
  infraction lists (no min speed, yield or scenario timeout), meta `duration_system,
  duration_game, route_length`; a route's status is 'Completed' or 'Failed[ - <reason>]' (no 'Perfect');
* the global record holds `scores` (the means; not `scores_mean`) and `scores_std_dev` ('NaN'
  for one route); its infractions per km are summed route by route (count / (length km x RC/100),
  routes with RC = 0 skipped), outside route lanes counted like the others; its meta lists
  `exceptions` only when a route failed;
* 12 `values`, each formatted '{:.3f}', under 12 `labels`;
* entry status 'Finished', 'Finished with missing data' (not eligible) or 'Finished with agent
  errors' (a route status naming the agent; still eligible); while running, the status saved
  after each route ('Started', 'Crashed', 'Rejected') with `eligible` false.

Deliberate difference: 1.0 exits at a simulation crash; the embedded evaluator goes on with the
next route (see `evaluate_runs`), and the finished entry then stays 'Crashed' (not eligible).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from leaderboard_adapter.scoring.global_record import LABELS
from leaderboard_adapter.scoring.route_record import (
    INFRACTION_KEYS,
    RouteRecord,
    infraction_messages,
    record_from_parts,
)
from leaderboard_adapter.scoring.statuses import (
    FAILURE_SIMULATION,
    ROUTE_COMPLETED,
    ROUTE_PERFECT,
    EntryStatus,
)

INFRACTION_KEYS_V1: tuple[str, ...] = (
    "collisions_pedestrian",
    "collisions_vehicle",
    "collisions_layout",
    "red_light",
    "stop_infraction",
    "outside_route_lanes",
    "route_dev",
    "route_timeout",
    "vehicle_blocked",
)
"""A 1.0 record's infraction keys, in the order of its `values` (after DS, RC, IP)."""

LABELS_V1: tuple[str, ...] = LABELS[:12]
"""Leaderboard 1.0's 12 `labels`: 2.x's first 12 (2.x added yield, scenario timeouts and min speed)."""

ENTRY_FINISHED_MISSING_DATA = "Finished with missing data"
ENTRY_FINISHED_AGENT_ERRORS = "Finished with agent errors"

_META_KEYS_V1 = ("duration_system", "duration_game", "route_length")
_SCORE_KEYS = ("score_route", "score_penalty", "score_composed")
_V2_ONLY_KEYS = tuple(key for key in INFRACTION_KEYS if key not in INFRACTION_KEYS_V1)


def route_id_v1(route_id: str | int) -> str:
    """The 1.0 record's `route_id`: 'RouteScenario_<id>' for every repetition."""
    return f"RouteScenario_{route_id}"


def status_v1(status: str) -> str:
    """A route status as 1.0 words it: 'Perfect' does not exist there and is 'Completed'."""
    return ROUTE_COMPLETED if status == ROUTE_PERFECT else status


def record_to_json_v1(record: RouteRecord) -> dict[str, Any]:
    """The record as leaderboard 1.0 writes it; ValueError when it holds an infraction 1.0 has no list for."""
    extra = [key for key in _V2_ONLY_KEYS if record.infractions[key]]
    if extra:
        raise ValueError(f"route {record.route_id}: leaderboard 1.0 has no infraction list {extra}")
    meta = record.meta.to_json()
    return {
        "route_id": record.route_id,
        "index": record.index,
        "status": status_v1(record.status),
        "infractions": {key: list(record.infractions[key]) for key in INFRACTION_KEYS_V1},
        "scores": record.scores.to_json(),
        "meta": {
            **{key: meta[key] for key in _META_KEYS_V1},
            **{key: value for key, value in meta.items() if key not in _META_KEYS_V1},
        },
    }


def record_from_json_v1(data: object, where: str = "record") -> RouteRecord:
    """Parse a record written by leaderboard 1.0 or `record_to_json_v1`; ValueError naming `where`."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    missing = [
        key for key in ("route_id", "index", "status", "infractions", "scores", "meta") if key not in data
    ]
    if missing:
        raise ValueError(f"{where}: missing keys {missing}")
    infractions = data["infractions"]
    if not isinstance(infractions, dict) or set(infractions) != set(INFRACTION_KEYS_V1):
        raise ValueError(f"{where}.infractions: expected exactly the keys {list(INFRACTION_KEYS_V1)}")
    messages = {**dict.fromkeys(INFRACTION_KEYS, ()), **infraction_messages(infractions, where)}
    return record_from_parts(data, messages, sum(len(m) for m in messages.values()), where)


def global_record_v1(records: Sequence[RouteRecord], total_routes: int) -> dict[str, Any]:
    """The 1.0 `_checkpoint.global_record` (`compute_global_statistics` of leaderboard 1.0)."""
    if isinstance(total_routes, bool) or not isinstance(total_routes, int) or total_routes < 1:
        raise ValueError(f"total_routes must be an int >= 1, got {total_routes!r}")
    status = ROUTE_COMPLETED
    scores: dict[str, float] = dict.fromkeys(_SCORE_KEYS, 0.0)
    infractions: dict[str, float] = dict.fromkeys(INFRACTION_KEYS_V1, 0.0)
    meta: dict[str, Any] = {"total_length": 0.0, "duration_system": 0.0, "duration_game": 0.0}
    for record in records:
        route_scores = record.scores.to_json()
        for key in _SCORE_KEYS:
            scores[key] += route_scores[key]
        meta["total_length"] += record.meta.route_length
        meta["duration_game"] += record.meta.duration_game
        meta["duration_system"] += record.meta.duration_system
        # 1.0 skips routes where the ego never moved; a zero length would divide by zero there.
        km = record.scores.score_route / 100 * record.meta.route_length / 1000.0
        if record.scores.score_route != 0 and km > 0:
            for key in INFRACTION_KEYS_V1:
                infractions[key] += len(record.infractions[key]) / km
        route_status = status_v1(record.status)
        if route_status != ROUTE_COMPLETED:
            status = "Failed"
            meta.setdefault("exceptions", []).append([record.route_id, record.index, route_status])
    for key in _SCORE_KEYS:
        scores[key] /= float(total_routes)
    std_dev: dict[str, float | str]
    if total_routes == 1:
        std_dev = dict.fromkeys(_SCORE_KEYS, "NaN")
    else:
        sums = dict.fromkeys(_SCORE_KEYS, 0.0)
        for record in records:
            route_scores = record.scores.to_json()
            for key in _SCORE_KEYS:
                sums[key] += math.pow(route_scores[key] - scores[key], 2)
        std_dev = {key: math.sqrt(value / float(total_routes - 1)) for key, value in sums.items()}
    return {
        "route_id": -1,
        "index": -1,
        "status": status,
        "infractions": infractions,
        "scores": scores,
        "meta": meta,
        "scores_std_dev": std_dev,
    }


def values_v1(global_record: dict[str, Any]) -> list[str]:
    """The 12 `values` of a 1.0 global record, each '{:.3f}'."""
    figures = [global_record["scores"][key] for key in ("score_composed", "score_route", "score_penalty")]
    figures += [global_record["infractions"][key] for key in INFRACTION_KEYS_V1]
    return [f"{figure:.3f}" for figure in figures]


def final_entry_status_v1(
    records: Sequence[RouteRecord], progress: tuple[int, int], total_routes: int
) -> tuple[str, bool]:
    """(entry_status, eligible) that 1.0's `save_global_record` writes; 'Crashed' where a route crashed."""
    if any(FAILURE_SIMULATION in record.status for record in records):
        return EntryStatus.CRASHED.value, False
    if len(records) != total_routes or progress[0] != progress[1]:
        return ENTRY_FINISHED_MISSING_DATA, False
    if any("Agent" in record.status for record in records):
        return ENTRY_FINISHED_AGENT_ERRORS, True
    return EntryStatus.FINISHED.value, True


def parse_entry_status_v1(value: str) -> EntryStatus:
    """A 1.0 file's entry status as the resume logic sees it ('' is a run that just started)."""
    if value == "":
        return EntryStatus.STARTED
    if value.startswith(EntryStatus.FINISHED.value):
        return EntryStatus.FINISHED
    return EntryStatus.parse(value)
