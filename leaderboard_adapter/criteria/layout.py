"""LayoutProbe: the embedded world's stand-in for static geometry (walls, buildings, poles).

The embedded world has no static props, so a "layout collision" is defined as: any
corner of the hero's box lies off every lane of the map, i.e. beyond the outer edge of
the outermost sidewalk (or shoulder, border, ... of any lane type; or of the road where
there is none). That is where a wall, building or pole would stand in a CARLA town.

A corner is tested by projecting it onto the nearest lane of any type
(`get_waypoint(corner, lane_type=Any)`): it is on the paved area when it lies within half
the lane width (+ EDGE_TOLERANCE_M) of that lane's centre or of one of its two neighbours
(the neighbours settle points on the border of lanes of unequal widths, where the nearest
centre can belong to the narrower lane). When that fails, the nearest driving lane is tried
the same way (a sidewalk on the inside of a tight bend can fold over the driving lane and be
the nearest lane), then the lanes one metre after and before both (just past a junction
connector's end, the connector can be nearer than the lane it joins), and a point inside a junction's bounding box counts as paved (the gaps
between junction connector lanes are paved in CARLA). `project_to_road=False` is not used:
it answers None up to about 0.1 m inside lane borders.

To keep the per-tick cost small the map is asked only when needed: not while the box lies
laterally within the hero's (non-junction) driving lane, and not again until the hero
moved more than `refresh_m` or turned by 1 degree or more.
"""

from __future__ import annotations

import math

import carla

from leaderboard_adapter.criteria.hero_tick import HeroTick
from leaderboard_adapter.criteria.lane_probe import LaneProbe

EDGE_TOLERANCE_M = 0.05
"""Slack beyond a lane's edge still counted as on it [m]: on tight bends `get_waypoint` answers a point up to
about 0.2 m along the lane from the true foot, which moves the lateral offset by a few centimetres."""
END_TOLERANCE_M = 1.0
"""Longitudinal offset from the projected waypoint beyond which a point is past the lane's end [m]."""


def hero_corners(hero: HeroTick) -> list[tuple[float, float]]:
    """The hero box's 4 corners in `geometry.box_corners`' order, as plain floats (cheaper than numpy for one box)."""
    hl, hw = hero.length_m / 2.0, hero.width_m / 2.0
    fx, fy = hero.fwd_x, hero.fwd_y
    return [
        (hero.x_m + sl * hl * fx - sw * hw * fy, hero.y_m + sl * hl * fy + sw * hw * fx)
        for sl, sw in ((1.0, 1.0), (1.0, -1.0), (-1.0, -1.0), (-1.0, 1.0))
    ]


class LayoutProbe:
    """Whether the hero's box touches the (virtual) static layout this tick."""

    def __init__(self, town_map: carla.Map, refresh_m: float = 0.25):
        self.map = town_map
        self.refresh_m = refresh_m
        self._qx = math.inf
        self._qy = math.inf
        self._qyaw = math.inf
        self._contact = False
        self.corner_lookups = 0

    def contact(self, hero: HeroTick, lane: LaneProbe) -> bool:
        moved = math.hypot(hero.x_m - self._qx, hero.y_m - self._qy)
        if moved <= self.refresh_m and abs(hero.yaw_deg - self._qyaw) < 1.0:
            return self._contact
        self._qx, self._qy, self._qyaw = hero.x_m, hero.y_m, hero.yaw_deg
        corners = hero_corners(hero)
        if lane.waypoint is not None and not lane.is_junction:
            half = lane.lane_width_m / 2.0
            if all(abs(lane.lateral_offset_m(cx, cy)) <= half for cx, cy in corners):
                self._contact = False
                return False
        self._contact = any(not self.is_paved(cx, cy, hero.z_m) for cx, cy in corners)
        return self._contact

    def is_paved(self, x_m: float, y_m: float, z_m: float = 0.0) -> bool:
        """Whether the point lies on some lane of the map (any lane type)."""
        self.corner_lookups += 1
        location = carla.Location(x_m, y_m, z_m)
        nearest = self.map.get_waypoint(location, lane_type=carla.LaneType.Any)
        if nearest is not None and self._inside_or_beside(nearest, x_m, y_m):
            return True
        # The nearest lane of any type can be the wrong one where a sidewalk folds over the inside
        # of a tight bend: ask for the nearest driving lane too, and count a junction's area as paved.
        driving = self.map.get_waypoint(location, lane_type=carla.LaneType.Driving)
        if driving is None:
            return False
        if self._inside_or_beside(driving, x_m, y_m):
            return True
        # past the end of a junction connector the nearest lane can be the connector, not the lane it joins
        for wp in (nearest, driving):
            if wp is not None and any(self._inside_or_beside(n, x_m, y_m) for n in self._continuations(wp)):
                return True
        return driving.is_junction and driving.get_junction().bounding_box.contains(location, carla.Transform())

    def _inside_or_beside(self, wp: carla.Waypoint, x_m: float, y_m: float) -> bool:
        if self._inside(wp, x_m, y_m):
            return True
        return any(
            side is not None and self._inside(side, x_m, y_m)
            for side in (wp.get_left_lane(), wp.get_right_lane())
        )

    @staticmethod
    def _continuations(wp: carla.Waypoint) -> list[carla.Waypoint]:
        """The lanes that follow and precede `wp` (one metre on, one metre back)."""
        return list(wp.next(END_TOLERANCE_M)) + list(wp.previous(END_TOLERANCE_M))

    @staticmethod
    def _inside(wp: carla.Waypoint, x_m: float, y_m: float) -> bool:
        t = wp.transform
        yaw = math.radians(t.rotation.yaw)
        dx, dy = x_m - t.location.x, y_m - t.location.y
        lateral = -dx * math.sin(yaw) + dy * math.cos(yaw)
        longitudinal = dx * math.cos(yaw) + dy * math.sin(yaw)  # far from 0 only past a lane's end
        return abs(lateral) <= wp.lane_width / 2.0 + EDGE_TOLERANCE_M and abs(longitudinal) <= END_TOLERANCE_M
