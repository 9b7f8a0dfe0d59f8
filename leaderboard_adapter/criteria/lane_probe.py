"""LaneProbe: the hero's nearest driving (and parking) lane, looked up on the map only when it moved.

`carla.Map.get_waypoint` costs several microseconds; the criteria need the hero's lane
every tick, so the lookup is redone only after the hero moved more than `refresh_m`
(planar). In between, distances to the lane centre are taken laterally from the cached
waypoint's pose, which is exact on straight lanes. Frame: CARLA world; metres, degrees.
"""

from __future__ import annotations

import math

import carla


def map_has_lane_type(town_map: carla.Map, lane_type: str) -> bool:
    """Whether the map's OpenDRIVE declares any lane of `lane_type` (e.g. "parking")."""
    return f'type="{lane_type}"' in town_map.to_opendrive()


class LaneProbe:
    """Cached projection of the hero onto the nearest driving lane (`get_waypoint` defaults)."""

    def __init__(self, town_map: carla.Map, refresh_m: float = 0.25, has_parking: bool | None = None):
        if refresh_m < 0:
            raise ValueError(f"refresh_m must be >= 0, got {refresh_m}")
        self.map = town_map
        self.refresh_m = refresh_m
        self.has_parking = map_has_lane_type(town_map, "parking") if has_parking is None else has_parking
        self._qx = math.inf
        self._qy = math.inf
        self.fresh = False
        self.waypoint: carla.Waypoint | None = None
        self.parking_waypoint: carla.Waypoint | None = None
        self.road_id = 0
        self.lane_id = 0
        self.is_junction = False
        self.lane_width_m = 0.0
        self.wp_x = 0.0
        self.wp_y = 0.0
        self.wp_z = 0.0
        self.wp_yaw_deg = 0.0
        self.wp_fwd_x = 1.0
        self.wp_fwd_y = 0.0
        self.lookups = 0

    def update(self, x_m: float, y_m: float, z_m: float) -> None:
        """Refresh the lookup if the hero moved more than `refresh_m` since the last one."""
        self.fresh = False
        if self.waypoint is not None and math.hypot(x_m - self._qx, y_m - self._qy) <= self.refresh_m:
            return
        loc = carla.Location(x_m, y_m, z_m)
        wp = self.map.get_waypoint(loc)
        if wp is None:
            return
        self.lookups += 1
        self.fresh = True
        self._qx, self._qy = x_m, y_m
        self.waypoint = wp
        t = wp.transform
        self.road_id, self.lane_id = wp.road_id, wp.lane_id
        self.is_junction = bool(wp.is_junction)
        self.lane_width_m = float(wp.lane_width)
        self.wp_x, self.wp_y, self.wp_z = t.location.x, t.location.y, t.location.z
        self.wp_yaw_deg = t.rotation.yaw
        yaw = math.radians(self.wp_yaw_deg)
        self.wp_fwd_x, self.wp_fwd_y = math.cos(yaw), math.sin(yaw)
        if self.has_parking:
            self.parking_waypoint = self.map.get_waypoint(loc, lane_type=carla.LaneType.Parking)

    def lateral_offset_m(self, x_m: float, y_m: float) -> float:
        """Signed planar offset of (x, y) from the cached lane centre, positive to the right (+y of the lane)."""
        return -(x_m - self.wp_x) * self.wp_fwd_y + (y_m - self.wp_y) * self.wp_fwd_x

    def distance_to_lane_centre_m(self, x_m: float, y_m: float) -> float:
        """Distance from (x, y) to the driving lane centre: exact just after a lookup, lateral otherwise."""
        if self.fresh:
            return math.hypot(x_m - self.wp_x, y_m - self.wp_y)
        return abs(self.lateral_offset_m(x_m, y_m))

    def parking_distance_m(self, x_m: float, y_m: float) -> tuple[float, float]:
        """(distance to the nearest parking lane centre, its width); (inf, 0) where the map has none."""
        wp = self.parking_waypoint
        if wp is None:
            return math.inf, 0.0
        loc = wp.transform.location
        return math.hypot(x_m - loc.x, y_m - loc.y), float(wp.lane_width)
