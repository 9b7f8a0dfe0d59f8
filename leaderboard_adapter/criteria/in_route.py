"""InRouteCriterion: the leaderboard's InRouteTest (route deviation ends the route).

From the current route index the nearest of the next WINDOWS_SIZE = 5 points (planar
distance, ties to the later point) is found. The hero is off route when that distance
is >= offroad_max = 30 m. Between offroad_min = 15 m and 30 m it is "unsafe": the route
distance advanced while unsafe is summed and, above MAX_ROUTE_PERCENTAGE = 30 % of the
route length, the hero is off route too. Same in 1.0 and 2.x. Event: ROUTE_DEVIATION,
"Agent deviated from the route at (x=.., y=.., z=..)"; the route ends that tick.
"""

from __future__ import annotations

import math

from leaderboard_adapter.criteria.hero_tick import HeroTick, format_location
from leaderboard_adapter.criteria.route_track import RouteTrack
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType


class InRouteCriterion:
    """InRouteTest with offroad_max = 30 m (as route_scenario.py builds it)."""

    MAX_ROUTE_PERCENTAGE = 30.0
    WINDOWS_SIZE = 5

    def __init__(self, track: RouteTrack, offroad_max_m: float = 30.0, offroad_min_m: float | None = None):
        self.track = track
        self.offroad_max_m = offroad_max_m
        self.offroad_min_m = offroad_max_m / 2.0 if offroad_min_m is None else offroad_min_m
        self._index = 0
        self._out_route_distance_m = 0.0
        self._in_safe_route = True
        self.deviated = False

    def update(self, hero: HeroTick) -> list[InfractionEvent]:
        if self.deviated:
            return []
        track = self.track
        shortest, closest = math.inf, -1
        for index in range(self._index, min(self._index + self.WINDOWS_SIZE + 1, len(track))):
            d = math.hypot(hero.x_m - track.x[index], hero.y_m - track.y[index])
            if d <= shortest:
                shortest, closest = d, index
        if closest < 0:
            return []
        off_route = True
        if shortest < self.offroad_max_m:
            off_route = False
            self._in_safe_route = shortest < self.offroad_min_m
        if closest != self._index:
            if not self._in_safe_route:
                self._out_route_distance_m += track.accum_m[closest] - track.accum_m[self._index]
                if 100.0 * self._out_route_distance_m / track.length_m > self.MAX_ROUTE_PERCENTAGE:
                    off_route = True
            self._index = closest
        if not off_route:
            return []
        self.deviated = True
        message = f"Agent deviated from the route at {format_location(hero.x_m, hero.y_m, hero.z_m)}"
        return [hero.event(InfractionType.ROUTE_DEVIATION, message)]
