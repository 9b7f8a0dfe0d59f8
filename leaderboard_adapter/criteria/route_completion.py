"""RouteCompletionCriterion: the leaderboard's RouteCompletionTest (percentage of the route done, arrival).

From the current index the next WINDOWS_SIZE = 2 points are tested with the dot-product
rule (1.0: with the map waypoint's direction at each route point); the last passed one
becomes the index and the completion its accumulated percentage of the route length,
rounded to 2 decimals. Arrival: completion > 99 % and the hero within DISTANCE_THRESHOLD =
10 m (3-D) of the last route point; completion becomes 100 and, as the py_trees node
returns SUCCESS only on its next tick, the route ends one tick later.
Messages (the ROUTE_COMPLETION event, not an infraction): 2.x "Agent has completed {p} of
the route", 1.0 "Agent has completed > {p:.2f}% of the route".
"""

from __future__ import annotations

import math

from leaderboard_adapter.criteria.hero_tick import HeroTick
from leaderboard_adapter.criteria.route_track import RouteTrack
from leaderboard_adapter.criteria.version import LeaderboardVersion


class RouteCompletionCriterion:
    """RouteCompletionTest (see the module docstring)."""

    WINDOWS_SIZE = 2
    DISTANCE_THRESHOLD_M = 10.0
    PERCENTAGE_THRESHOLD = 99.0

    def __init__(self, track: RouteTrack, version: LeaderboardVersion):
        self.track = track
        self.version = version
        self._use_map_direction = version is LeaderboardVersion.V1_0
        self._percent = [100.0 * a / track.length_m for a in track.accum_m]
        self._index = 0
        self.percentage = 0.0
        self.reached = False  # arrival detected (test_status SUCCESS)
        self.ended = False  # the node returned SUCCESS: the route is over

    def update(self, hero: HeroTick) -> None:
        if self.reached:
            self.ended = True
            return
        track = self.track
        for index in range(self._index, min(self._index + self.WINDOWS_SIZE + 1, len(track))):
            if track.is_passed(index, hero.x_m, hero.y_m, self._use_map_direction):
                self._index = index
                self.percentage = self._percent[index]
        self.percentage = round(self.percentage, 2)
        end = (track.x[-1], track.y[-1], track.z[-1])
        if (
            self.percentage > self.PERCENTAGE_THRESHOLD
            and math.dist((hero.x_m, hero.y_m, hero.z_m), end) < self.DISTANCE_THRESHOLD_M
        ):
            self.reached = True
            self.percentage = 100.0

    @property
    def message(self) -> str:
        """The leaderboard's ROUTE_COMPLETION message for the current percentage."""
        if self.version is LeaderboardVersion.V1_0:
            return f"Agent has completed > {self.percentage:.2f}% of the route"
        return f"Agent has completed {self.percentage} of the route"
