"""RouteTrack: the dense route as flat arrays plus the leaderboard's windowed "passed this point" rule.

Every route criterion of the leaderboard walks the dense (about 1 m) route with its own
index: starting at its current index it looks at a small window of the next points and
takes a point as passed when the hero lies ahead of it, i.e. the dot product of
(hero - point) with the point's forward vector is positive. The geometry is shared
here, the index and window stay with each criterion (they differ per criterion).
Frame: CARLA world; metres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import carla
import numpy as np

from leaderboard_adapter.routes.route_point import RoutePoint


class RouteTrack:
    """Dense route arrays, precomputed once.

    `accum_m[i]` is the 3-D polyline length from point 0 to point i (as the leaderboard's
    `_accum_meters`); `fwd_x/fwd_y` the planar forward vector of each point from its yaw.
    With `town_map` given, `map_fwd_x/map_fwd_y` hold the forward vector of the map's
    driving waypoint nearest to each point (leaderboard 1.0 uses those instead of the
    route's own orientation).
    """

    def __init__(self, route: Sequence[RoutePoint], town_map: carla.Map | None = None):
        if len(route) < 2:
            raise ValueError(f"a route needs at least 2 points, got {len(route)}")
        self.x = [float(p.x_m) for p in route]
        self.y = [float(p.y_m) for p in route]
        self.z = [float(p.z_m) for p in route]
        yaw = np.radians([float(p.yaw_deg) for p in route])
        self.fwd_x = np.cos(yaw).tolist()
        self.fwd_y = np.sin(yaw).tolist()
        xyz = np.column_stack([self.x, self.y, self.z])
        steps = np.linalg.norm(np.diff(xyz, axis=0), axis=1)
        self.accum_m = np.concatenate([[0.0], np.cumsum(steps)]).tolist()
        self.length_m = float(self.accum_m[-1])
        if self.length_m <= 0:
            raise ValueError("the route has zero length")
        self.xy = xyz[:, :2].copy()
        self.map_fwd_x = self.fwd_x
        self.map_fwd_y = self.fwd_y
        if town_map is not None:
            mx, my = [], []
            for px, py, pz in zip(self.x, self.y, self.z, strict=True):
                wp = town_map.get_waypoint(carla.Location(px, py, pz))
                wyaw = math.radians(wp.transform.rotation.yaw)
                mx.append(math.cos(wyaw))
                my.append(math.sin(wyaw))
            self.map_fwd_x, self.map_fwd_y = mx, my

    def __len__(self) -> int:
        return len(self.x)

    def is_passed(self, index: int, x_m: float, y_m: float, use_map_direction: bool = False) -> bool:
        """Whether the hero at (x, y) lies ahead of route point `index` (planar dot product > 0)."""
        if use_map_direction:
            fx, fy = self.map_fwd_x[index], self.map_fwd_y[index]
        else:
            fx, fy = self.fwd_x[index], self.fwd_y[index]
        return (x_m - self.x[index]) * fx + (y_m - self.y[index]) * fy > 0.0

    def distance_3d(self, i: int, j: int) -> float:
        """Straight 3-D distance between route points i and j [m]."""
        return math.dist((self.x[i], self.y[i], self.z[i]), (self.x[j], self.y[j], self.z[j]))
