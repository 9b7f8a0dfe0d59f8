"""RouteStats: what a dense route does: its length and each junction it passes (manoeuvre and control)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import carla

from leaderboard_adapter.roads.opendrive import STOP_SIGN_TYPE, TRAFFIC_LIGHT_TYPE
from leaderboard_adapter.roads.towns import Town
from leaderboard_adapter.routes.interpolation import route_length_m
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint

_JUNCTION_OPTIONS = (RoadOption.LEFT, RoadOption.RIGHT, RoadOption.STRAIGHT)


class JunctionControl(enum.Enum):
    """What controls a junction's approaches."""

    TRAFFIC_LIGHT = "traffic_light"
    STOP_SIGN = "stop_sign"
    NONE = "none"


@dataclass(frozen=True)
class JunctionPass:
    """One pass through a junction: the RoadOption on it, the junction id and its control."""

    option: RoadOption
    junction_id: int
    control: JunctionControl


@dataclass(frozen=True)
class RouteStats:
    """Length [m] and junction passes of a dense route."""

    length_m: float
    junctions: tuple[JunctionPass, ...]

    def count(self, option: RoadOption, control: JunctionControl | None = None) -> int:
        """Passes with `option` (and `control`, if given)."""
        return sum(
            1 for j in self.junctions if j.option == option and (control is None or j.control == control)
        )


def junction_control(town: Town, junction_id: int) -> JunctionControl:
    """The control of a junction from its OpenDRIVE signals."""
    kinds = town.junction_controls.get(junction_id, frozenset())
    if TRAFFIC_LIGHT_TYPE in kinds:
        return JunctionControl.TRAFFIC_LIGHT
    if STOP_SIGN_TYPE in kinds:
        return JunctionControl.STOP_SIGN
    return JunctionControl.NONE


def route_stats(town: Town, points: Sequence[RoutePoint]) -> RouteStats:
    """Length and junction passes (runs of LEFT/RIGHT/STRAIGHT points) of a dense route in `town`."""
    passes = []
    k = 0
    while k < len(points):
        option = points[k].road_option
        if option not in _JUNCTION_OPTIONS:
            k += 1
            continue
        end = k
        while end + 1 < len(points) and points[end + 1].road_option == option:
            end += 1
        mid = points[(k + end) // 2]
        wp = town.map.get_waypoint(carla.Location(mid.x_m, mid.y_m, mid.z_m))
        junction_id = wp.get_junction().id if wp is not None and wp.is_junction else -1
        passes.append(JunctionPass(option, junction_id, junction_control(town, junction_id)))
        k = end + 1
    return RouteStats(route_length_m(points), tuple(passes))
