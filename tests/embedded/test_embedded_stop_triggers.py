"""Stop-sign trigger volumes cover their own approach lanes only, never the lane beside them."""

from __future__ import annotations

import math

import carla

from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.roads.towns import load_town
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.world_view import Pose2D, TriggerVolume


def _inside(trigger: TriggerVolume, x_m: float, y_m: float) -> bool:
    yaw = math.radians(trigger.center.yaw_deg)
    dx, dy = x_m - trigger.center.x_m, y_m - trigger.center.y_m
    along = dx * math.cos(yaw) + dy * math.sin(yaw)
    across = -dx * math.sin(yaw) + dy * math.cos(yaw)
    return abs(along) <= trigger.length_m / 2 and abs(across) <= trigger.width_m / 2


def _beside(pose: Pose2D, offset_m: float) -> tuple[float, float]:
    """The point `offset_m` to the left of a pose (CARLA frame: left is -y of the heading)."""
    yaw = math.radians(pose.yaw_deg)
    return pose.x_m + offset_m * math.sin(yaw), pose.y_m - offset_m * math.cos(yaw)


def test_stop_triggers_cover_the_approach_lane_and_not_the_opposite_one() -> None:
    town = load_town("EmbeddedStops")
    start = town.map.generate_waypoints(50.0)[0].transform
    route = [RoutePoint(start.location.x, start.location.y, 0.0, start.rotation.yaw, 4)]
    world = EmbeddedWorld(town.map, town.lane_graph, route, WorldConfig().with_counts(0, 0), 0, town.speed_limits_mps)
    stops = world.stop_signs()
    assert stops
    for stop in stops:
        for line in stop.stop_line:
            lane = town.map.get_waypoint(carla.Location(line.x_m, line.y_m, 0.0))
            width = lane.lane_width
            # a point of the approach lane 1 m before its stop line is inside the trigger
            yaw = math.radians(line.yaw_deg)
            assert _inside(stop.trigger, line.x_m - math.cos(yaw), line.y_m - math.sin(yaw)), stop.id
            # a point well inside the lane to its left (oncoming traffic), 1 m before the line, is not
            bx, by = _beside(line, 0.75 * width)
            assert not _inside(stop.trigger, bx - math.cos(yaw), by - math.sin(yaw)), stop.id
        assert stop.trigger.width_m <= 4.0 * len(stop.lanes)
