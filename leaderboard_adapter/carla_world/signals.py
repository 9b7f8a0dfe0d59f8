"""Traffic-light and stop-sign geometry read from CARLA actors and the map: stop lines, lanes, triggers.

Everything here is static for an episode (lights and signs do not move); only a light's
state changes, and `light_state` maps it. World frame, metres, degrees (see `geometry`).

- A traffic light's stop lines are its `get_stop_waypoints()` (one per governed lane, at the
  stop line, facing the direction of travel); its junction is the first junction reached
  driving on from them.
- A stop sign (`traffic.stop` actor) governs the lanes whose centre line passes through its
  trigger volume enlarged by 1.2, the test the leaderboard's `RunningStopTest` makes with
  the hero's lane-centre waypoints; its stop line on each such lane is the last lane point
  before the junction ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import carla
import numpy as np

from leaderboard_adapter.carla_world.geometry import (
    box_center_in_world,
    points_in_trigger,
    pose_from_transform,
    trigger_sample_points,
    trigger_volume_in_world,
)
from leaderboard_adapter.world_view import LightState, Pose2D, StopSignInfo, TrafficLightInfo, TriggerVolume

TRAFFIC_LIGHT_TYPE = "traffic.traffic_light"
STOP_SIGN_TYPE = "traffic.stop"

STOP_TRIGGER_SCALE = 1.2
"""RunningStopTest counts a lane point inside a stop's trigger volume with its extents scaled by 1.2."""
TRIGGER_SAMPLE_STEP_M = 0.5
"""Spacing of the points sampled in a stop sign's trigger volume to find the lanes it covers [m]."""
JUNCTION_SEARCH_M = 50.0
"""How far to drive on from a light's stop line looking for its junction [m]."""
STOP_LINE_SEARCH_M = 15.0
"""How far to drive on from a stop sign's trigger looking for the junction entry [m]."""
LANE_STEP_M = 0.5
"""Step when walking along a lane with `Waypoint.next` [m]."""

_LIGHT_STATES: dict[Any, LightState] = {
    carla.TrafficLightState.Red: LightState.RED,
    carla.TrafficLightState.Yellow: LightState.YELLOW,
    carla.TrafficLightState.Green: LightState.GREEN,
    carla.TrafficLightState.Off: LightState.OFF,
    carla.TrafficLightState.Unknown: LightState.OFF,
}


def light_state(state: carla.TrafficLightState) -> LightState:
    """`carla.TrafficLightState` as `LightState`; `Unknown` (no state received yet) reads as OFF."""
    return _LIGHT_STATES[state]


def next_junction_id(waypoint: carla.Waypoint, max_distance_m: float = JUNCTION_SEARCH_M) -> int:
    """The id of the junction `waypoint` is in, or of the first one reached driving on; -1 if none is near."""
    for _ in range(int(max_distance_m / LANE_STEP_M) + 1):
        if waypoint.is_junction:
            return int(waypoint.junction_id)
        ahead = waypoint.next(LANE_STEP_M)
        if not ahead:
            return -1
        waypoint = ahead[0]
    return -1


def last_point_before_junction(
    waypoint: carla.Waypoint, max_distance_m: float = STOP_LINE_SEARCH_M
) -> carla.Waypoint:
    """The last lane point before the junction ahead of `waypoint`; `waypoint` itself if no junction is near."""
    current = waypoint
    for _ in range(int(max_distance_m / LANE_STEP_M)):
        ahead = current.next(LANE_STEP_M)
        if not ahead:
            return waypoint
        if ahead[0].is_junction:
            return current
        current = ahead[0]
    return waypoint


@dataclass(frozen=True)
class LightGeometry:
    """The static part of a traffic light: everything in `TrafficLightInfo` but its state."""

    actor: Any
    id: int
    junction_id: int
    stop_line: tuple[Pose2D, ...]
    lanes: tuple[tuple[int, int], ...]
    trigger: TriggerVolume
    location: Pose2D

    def info(self, state: LightState) -> TrafficLightInfo:
        """This light's `TrafficLightInfo` in `state`."""
        return TrafficLightInfo(
            self.id, state, self.junction_id, self.stop_line, self.lanes, self.trigger, self.location
        )


def light_geometry(light: Any) -> LightGeometry:
    """The static geometry of a `carla.TrafficLight` actor (stop lines, lanes, junction, trigger)."""
    transform = light.get_transform()
    stops = list(light.get_stop_waypoints())
    junction_id = -1
    for wp in stops:
        junction_id = next_junction_id(wp)
        if junction_id != -1:
            break
    return LightGeometry(
        actor=light,
        id=int(light.id),
        junction_id=junction_id,
        stop_line=tuple(pose_from_transform(wp.transform) for wp in stops),
        lanes=tuple((int(wp.road_id), int(wp.lane_id)) for wp in stops),
        trigger=trigger_volume_in_world(transform, light.trigger_volume),
        location=pose_from_transform(transform),
    )


def lanes_through_trigger(
    carla_map: carla.Map, trigger: TriggerVolume, z_m: float, scale: float = STOP_TRIGGER_SCALE
) -> list[carla.Waypoint]:
    """One lane-centre waypoint for each driving lane whose centre passes through `trigger` (scaled).

    Points sampled over the scaled volume are projected onto their nearest driving lane's
    centre; a lane counts where that centre point lies inside the scaled volume. Ordered as found.
    """
    xs, ys = trigger_sample_points(trigger, TRIGGER_SAMPLE_STEP_M, scale)
    found: dict[tuple[int, int], carla.Waypoint] = {}
    for x, y in zip(xs, ys, strict=True):
        wp = carla_map.get_waypoint(
            carla.Location(float(x), float(y), z_m), project_to_road=True, lane_type=carla.LaneType.Driving
        )
        if wp is None:
            continue
        key = (int(wp.road_id), int(wp.lane_id))
        if key in found:
            continue
        loc = wp.transform.location
        if points_in_trigger(np.array([loc.x]), np.array([loc.y]), trigger, scale)[0]:
            found[key] = wp
    return list(found.values())


def stop_sign_info(sign: Any, carla_map: carla.Map) -> StopSignInfo:
    """The `StopSignInfo` of a `traffic.stop` actor: world trigger, governed lanes and their stop lines."""
    transform = sign.get_transform()
    trigger = trigger_volume_in_world(transform, sign.trigger_volume)
    z_m = float(box_center_in_world(transform, sign.trigger_volume).z)
    lane_wps = lanes_through_trigger(carla_map, trigger, z_m)
    return StopSignInfo(
        id=int(sign.id),
        stop_line=tuple(pose_from_transform(last_point_before_junction(wp).transform) for wp in lane_wps),
        lanes=tuple((int(wp.road_id), int(wp.lane_id)) for wp in lane_wps),
        trigger=trigger,
        location=pose_from_transform(transform),
    )
