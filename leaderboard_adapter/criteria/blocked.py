"""BlockedCriterion: the leaderboard's ActorBlockedTest / 1.0 ActorSpeedAboveThresholdTest.

The hero is blocked when its speed stayed below min_speed = 0.1 m/s for more than
max_time = 180 s of game time since the last tick it was at or above that speed (the
clock starts at the first tick). Same in 1.0 and 2.x. Event: VEHICLE_BLOCKED,
"Agent got blocked at (x=.., y=.., z=..)"; the route ends that tick.
"""

from __future__ import annotations

from leaderboard_adapter.criteria.hero_tick import HeroTick, format_location
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType


class BlockedCriterion:
    """Blocked test with min_speed = 0.1 m/s and max_time = 180 s (as route_scenario.py builds it)."""

    def __init__(self, min_speed_mps: float = 0.1, max_time_s: float = 180.0):
        self.min_speed_mps = min_speed_mps
        self.max_time_s = max_time_s
        self._time_last_valid_s: float | None = None
        self.blocked = False

    def update(self, hero: HeroTick) -> list[InfractionEvent]:
        if self.blocked:
            return []
        if hero.speed_mps < self.min_speed_mps and self._time_last_valid_s is not None:
            if hero.time_s - self._time_last_valid_s > self.max_time_s:
                self.blocked = True
                message = f"Agent got blocked at {format_location(hero.x_m, hero.y_m, hero.z_m)}"
                return [hero.event(InfractionType.VEHICLE_BLOCKED, message)]
        else:
            self._time_last_valid_s = hero.time_s
        return []
