"""RouteTimeout: the leaderboard's route time limit.

- 2.x (scenario_runner `RouteTimeoutBehavior`): the limit starts at MIN_TIMEOUT = 300 s and
  grows as the hero advances along the route: when the dot-product rule over the next 3
  points moves the index forward by d metres, the limit grows by d / (10 % of the speed
  limit at the hero [m/s]).
- 1.0 (leaderboard `RouteScenario._estimate_route_timeout`): a fixed
  int(0.8 s/m x route length + 5 s), the length being leaderboard 1.0's: the straight-line
  path through the route file's keypoints when the caller gives it (`length_m`), else the
  dense route's.
Timed out when the game time since the first tick exceeds the limit (strictly). The
statistics manager then records the message "Route timeout." and the status
"Failed - Agent timed out".
"""

from __future__ import annotations

from collections.abc import Callable

from leaderboard_adapter.criteria.hero_tick import HeroTick
from leaderboard_adapter.criteria.route_track import RouteTrack
from leaderboard_adapter.criteria.version import LeaderboardVersion
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType

ROUTE_TIMEOUT_MESSAGE = "Route timeout."


class RouteTimeout:
    """Route timeout (see the module docstring)."""

    MIN_TIMEOUT_S = 300.0
    TIMEOUT_ROUTE_PERC = 10.0
    WINDOW = 3
    SECONDS_GIVEN_PER_METERS = 0.8  # 1.0
    INITIAL_SECONDS_DELAY = 5.0  # 1.0

    def __init__(self, track: RouteTrack, version: LeaderboardVersion, length_m: float | None = None):
        """`length_m`: the route length 1.0's limit is computed from [m] (default: the dense route's)."""
        self.track = track
        self.version = version
        self._index = 0
        self._start_time_s: float | None = None
        if version is LeaderboardVersion.V2_X:
            self.timeout_s = self.MIN_TIMEOUT_S
        else:
            self.timeout_s = float(
                int(
                    self.SECONDS_GIVEN_PER_METERS * (track.length_m if length_m is None else length_m)
                    + self.INITIAL_SECONDS_DELAY
                )
            )
        self.timed_out = False

    def update(self, hero: HeroTick, speed_limit_mps: Callable[[], float]) -> list[InfractionEvent]:
        """Advance the limit (2.x) and test it; `speed_limit_mps` is read only when the index moves."""
        if self.timed_out:
            return []
        if self._start_time_s is None:
            self._start_time_s = hero.time_s
        if self.version is LeaderboardVersion.V2_X:
            track = self.track
            new_index = self._index
            for index in range(self._index, min(self._index + self.WINDOW + 1, len(track))):
                if track.is_passed(index, hero.x_m, hero.y_m):
                    new_index = index
            if new_index > self._index:
                dist = track.accum_m[new_index] - track.accum_m[self._index]
                timeout_speed = speed_limit_mps() * self.TIMEOUT_ROUTE_PERC / 100.0
                if timeout_speed > 0:
                    self.timeout_s += dist / timeout_speed
                self._index = new_index
        if hero.time_s - self._start_time_s > self.timeout_s:
            self.timed_out = True
            return [hero.event(InfractionType.ROUTE_TIMEOUT, ROUTE_TIMEOUT_MESSAGE)]
        return []
