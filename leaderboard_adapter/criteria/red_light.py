"""RedLightCriterion: the leaderboard's RunningRedLightTest on WorldView traffic lights.

Per tick, for each light whose trigger-volume centre is within DISTANCE_LIGHT = 15 m of
the hero (planar here; 3-D in CARLA), that is red, and that is not the last light
reported: take the map's driving waypoint under the hero's "far tail" point (extent + 1 m
behind its centre). For each stop line of the light whose (road_id, lane_id) equals the
tail waypoint's and whose direction has a positive dot product with the hero's heading,
the hero runs the light when its tail segment (from 0.8 x extent to extent + 1 m behind
the centre) crosses the stop line, a segment of half-length 0.6 x lane width (2.x) or
0.4 x lane width (1.0) across the lane at the stop-line pose. Only the last reported
light is remembered (`_last_red_light_id`). Message: "Agent ran a red light {id} at
(x=.., y=.., z=..)" at the light's location. (extent = half the hero's length.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import carla
import numpy as np

from leaderboard_adapter.criteria.geometry import segments_intersect
from leaderboard_adapter.criteria.hero_tick import HeroTick, format_location
from leaderboard_adapter.criteria.version import LeaderboardVersion
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType
from leaderboard_adapter.world_view import LightState, TrafficLightInfo


@dataclass(frozen=True)
class StopLine:
    """One governed lane's stop line: lane ids, centre pose, forward vector and lane width [m]."""

    road_id: int
    lane_id: int
    x_m: float
    y_m: float
    fwd_x: float
    fwd_y: float
    lane_width_m: float


def stop_lines_of(light_lanes, poses, town_map: carla.Map) -> tuple[StopLine, ...]:
    """Stop lines from a light's (or stop's) lanes and poses; lane widths read from the map once."""
    lines = []
    for (road_id, lane_id), pose in zip(light_lanes, poses, strict=True):
        wp = town_map.get_waypoint(carla.Location(pose.x_m, pose.y_m, 0.0))
        width = float(wp.lane_width) if wp is not None else 3.5
        yaw = math.radians(pose.yaw_deg)
        lines.append(
            StopLine(int(road_id), int(lane_id), pose.x_m, pose.y_m, math.cos(yaw), math.sin(yaw), width)
        )
    return tuple(lines)


class RedLightCriterion:
    """RunningRedLightTest (see the module docstring)."""

    DISTANCE_LIGHT_M = 15.0

    def __init__(self, town_map: carla.Map, version: LeaderboardVersion):
        self.map = town_map
        self.half_line_factor = 0.6 if version is LeaderboardVersion.V2_X else 0.4
        self._ids: tuple[int, ...] = ()
        self._cx = np.zeros(0)
        self._cy = np.zeros(0)
        self._lines: list[tuple[StopLine, ...]] = []
        self._last_red_light_id: int | None = None
        self.count = 0

    def _index(self, lights: list[TrafficLightInfo]) -> None:
        ids = tuple(light.id for light in lights)
        if ids == self._ids:
            return
        self._ids = ids
        self._cx = np.array([light.trigger.center.x_m for light in lights], dtype=float)
        self._cy = np.array([light.trigger.center.y_m for light in lights], dtype=float)
        self._lines = [stop_lines_of(light.lanes, light.stop_line, self.map) for light in lights]

    def update(self, hero: HeroTick, lights: list[TrafficLightInfo]) -> list[InfractionEvent]:
        if not lights:
            return []
        if len(lights) != len(self._ids) or lights[0].id != self._ids[0]:
            self._index(lights)
        near = np.flatnonzero(
            (self._cx - hero.x_m) ** 2 + (self._cy - hero.y_m) ** 2 <= self.DISTANCE_LIGHT_M**2
        )
        if near.size == 0:
            return []
        if any(lights[i].id != self._ids[i] for i in near):
            self._index(lights)
            return self.update(hero, lights)
        events = []
        ext = hero.length_m / 2.0
        tail_close = (hero.x_m - 0.8 * ext * hero.fwd_x, hero.y_m - 0.8 * ext * hero.fwd_y)
        tail_far = (hero.x_m - (ext + 1.0) * hero.fwd_x, hero.y_m - (ext + 1.0) * hero.fwd_y)
        tail_wp = None
        for i in near:
            light = lights[i]
            if self._last_red_light_id is not None and self._last_red_light_id == light.id:
                continue
            if light.state is not LightState.RED:
                continue
            if tail_wp is None:
                tail_wp = self.map.get_waypoint(carla.Location(tail_far[0], tail_far[1], hero.z_m))
                if tail_wp is None:
                    return events
            for line in self._lines[i]:
                if tail_wp.road_id != line.road_id or tail_wp.lane_id != line.lane_id:
                    continue
                if hero.fwd_x * line.fwd_x + hero.fwd_y * line.fwd_y <= 0:
                    continue
                half = self.half_line_factor * line.lane_width_m
                # Left/right of the lane at the stop line (perpendicular to its direction).
                left = (line.x_m + half * line.fwd_y, line.y_m - half * line.fwd_x)
                right = (line.x_m - half * line.fwd_y, line.y_m + half * line.fwd_x)
                if segments_intersect(tail_close, tail_far, left, right):
                    self.count += 1
                    loc = (light.location.x_m, light.location.y_m, 0.0)
                    message = f"Agent ran a red light {light.id} at {format_location(*loc)}"
                    events.append(
                        hero.event(
                            InfractionType.TRAFFIC_LIGHT_INFRACTION, message, at=loc, actor_id=light.id
                        )
                    )
                    self._last_red_light_id = light.id
                    break
        return events
