"""The leaderboard's dense global plan, `(carla.Transform, RoadOption)` pairs, as `RoutePoint`s.

The plan is what `interpolate_trajectory` traces at about 1 m (the leaderboard 2.x
`set_global_plan(global_plan_gps, global_plan_world_coord)` receives it whole before
downsampling). Its RoadOption is CARLA's `agents.navigation.local_planner.RoadOption`,
an IntEnum numbered as ours; plain ints are accepted too. World frame, metres, degrees.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import carla

from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint


def _road_option(option: Any) -> RoadOption:
    value = getattr(option, "value", option)
    try:
        return RoadOption(int(value))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not a RoadOption: {option!r}") from exc


def route_from_global_plan(plan: Iterable[tuple[carla.Transform, Any]]) -> list[RoutePoint]:
    """`RoutePoint`s from `(carla.Transform, RoadOption)` pairs, in order; ValueError on an unknown option."""
    points = []
    for transform, option in plan:
        loc = transform.location
        points.append(
            RoutePoint(
                float(loc.x), float(loc.y), float(loc.z), float(transform.rotation.yaw), _road_option(option)
            )
        )
    return points
