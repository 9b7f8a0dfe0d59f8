"""RoadHeight: the height of the road under a free-moving actor (the ego), following slopes and bridges.

The map is asked for the nearest driving lane of a 3-D location at the actor's current height
(`carla.Map.get_waypoint(project_to_road=True)` measures distance in 3-D), so where two roads
cross at different levels the actor keeps the level it is on rather than jumping to the road
below or above; climbing a ramp, each query is a few centimetres from the lane it is on.
Between lookups (until the actor moved `refresh_m` in plan) the height is carried along the
cached waypoint's grade: z = wp_z + tan(pitch) · (offset along the lane). Frame: CARLA world
(z up; a waypoint's pitch is positive where the lane climbs along its direction); metres.
"""

from __future__ import annotations

import math

import carla


class RoadHeight:
    """Cached road height under one actor (see the module docstring)."""

    def __init__(self, town_map: carla.Map, refresh_m: float = 0.5):
        if refresh_m < 0:
            raise ValueError(f"refresh_m must be >= 0, got {refresh_m}")
        self.map = town_map
        self.refresh_m = refresh_m
        self._qx = math.inf
        self._qy = math.inf
        self._wx = 0.0
        self._wy = 0.0
        self._wz = 0.0
        self._fx = 1.0
        self._fy = 0.0
        self._grade = 0.0
        self._valid = False
        self.lookups = 0

    def height_m(self, x_m: float, y_m: float, z_near_m: float) -> float:
        """Road height [m] at (x, y) on the level nearest `z_near_m` (the actor's last height);
        `z_near_m` itself where the map has no driving lane."""
        if not self._valid or math.hypot(x_m - self._qx, y_m - self._qy) > self.refresh_m:
            wp = self.map.get_waypoint(
                carla.Location(x_m, y_m, z_near_m), project_to_road=True, lane_type=carla.LaneType.Driving
            )
            if wp is None:
                return z_near_m
            self.lookups += 1
            t = wp.transform
            yaw = math.radians(t.rotation.yaw)
            self._qx, self._qy = x_m, y_m
            self._wx, self._wy, self._wz = t.location.x, t.location.y, t.location.z
            self._fx, self._fy = math.cos(yaw), math.sin(yaw)
            self._grade = math.tan(math.radians(t.rotation.pitch))
            self._valid = True
        along = (x_m - self._wx) * self._fx + (y_m - self._wy) * self._fy
        return self._wz + self._grade * along
