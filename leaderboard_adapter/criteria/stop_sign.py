"""StopSignCriterion: the leaderboard's RunningStopTest on WorldView stop signs.

The hero's "check points" are its driving waypoint and the waypoints ahead of it along
its lane (`next(step)[0]`). A stop affects the hero when a check point lies strictly
inside the stop's trigger box taken as world-axis-aligned (scenario_runner ignores the
trigger's rotation; reproduced) after a quick distance test.

- 2.x: PROXIMITY_THRESHOLD = 4 m between the trigger centre and the hero's waypoint;
  8 points 0.5 m apart ahead; box extents x 1.2. No stop is picked up while the hero
  moves backwards (velocity . heading < -0.17) or faces against its lane (heading . lane
  < -0.17). A picked-up stop is "completed" once the hero's speed is < 0.1 m/s (checked
  from the tick after pick-up); when the stop no longer affects the hero and it was not
  completed, an event is raised unless this stop already failed last time.
- 1.0: PROXIMITY_THRESHOLD = 50 m between the stop sign's own location and the hero;
  20 points 1 m apart ahead starting at the hero's location; box extents x 1. Pick-up
  only when heading . lane > 0. The event needs the hero's own location to have been
  inside the trigger extents centred on the stop actor's location (`get_location()` in the
  1.0 code). Here that box is centred on the trigger volume, over the governed lane(s) just
  before the stop line: the landmark's post stands beside the road (2.6 m off the lane on
  CARLA's maps), and a box of the trigger's extents around it is never reached by a car in
  its lane, while real 1.0 runs do record stop infractions (about 0.14 per km for CARLA's
  autopilot on Longest6), so in CARLA that box is reachable from the lane; centring it on the
  trigger volume is the placement the lane-level test (`is_actor_affected_by_stop`) already
  uses for the same extents.

Message: "Agent ran a stop with id={id} at (x=.., y=.., z=..)" at the sign's location.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from leaderboard_adapter.criteria.geometry import point_in_axis_aligned_box
from leaderboard_adapter.criteria.hero_tick import HeroTick, format_location
from leaderboard_adapter.criteria.lane_probe import LaneProbe
from leaderboard_adapter.criteria.version import LeaderboardVersion
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType
from leaderboard_adapter.world_view import StopSignInfo


@dataclass(frozen=True)
class StopRules:
    """Per-version RunningStopTest constants."""

    proximity_m: float
    step_m: float
    steps: int
    box_multiplier: float

    @staticmethod
    def for_version(version: LeaderboardVersion) -> StopRules:
        if version is LeaderboardVersion.V2_X:
            return StopRules(proximity_m=4.0, step_m=0.5, steps=8, box_multiplier=1.2)
        return StopRules(proximity_m=50.0, step_m=1.0, steps=20, box_multiplier=1.0)


class StopSignCriterion:
    """RunningStopTest (see the module docstring)."""

    SPEED_THRESHOLD_MPS = 0.1

    def __init__(self, version: LeaderboardVersion):
        self.version = version
        self.rules = StopRules.for_version(version)
        self._target: StopSignInfo | None = None
        self._stop_completed = False
        self._affected_by_stop = False  # 1.0 only
        self._last_failed_stop: int | None = None  # 2.x only
        self.count = 0

    # -- check points -------------------------------------------------------------------
    def _check_points(self, hero: HeroTick, lane: LaneProbe) -> list[tuple[float, float]]:
        wp = lane.waypoint
        if wp is None:
            return []
        first = (lane.wp_x, lane.wp_y) if self.version is LeaderboardVersion.V2_X else (hero.x_m, hero.y_m)
        points = [first]
        for _ in range(self.rules.steps):
            nxt = wp.next(self.rules.step_m)
            if not nxt:
                break
            wp = nxt[0]
            loc = wp.transform.location
            points.append((loc.x, loc.y))
        return points

    def _could_affect(self, hero: HeroTick, lane: LaneProbe, stop: StopSignInfo) -> bool:
        """The leaderboard's quick distance test, plus a reach bound that cannot change the answer.

        The reach bound skips building check points when none of them can reach the trigger box:
        they all lie within |hero - waypoint| + steps x step of the hero.
        """
        c = stop.trigger.center
        if self.version is LeaderboardVersion.V2_X:
            if math.hypot(lane.wp_x - c.x_m, lane.wp_y - c.y_m) > self.rules.proximity_m:
                return False
        elif math.hypot(hero.x_m - stop.location.x_m, hero.y_m - stop.location.y_m) > self.rules.proximity_m:
            return False
        reach = (
            math.hypot(hero.x_m - lane.wp_x, hero.y_m - lane.wp_y)
            + self.rules.steps * self.rules.step_m
            + self.rules.box_multiplier * math.hypot(stop.trigger.length_m, stop.trigger.width_m) / 2
            + 0.5
        )
        return math.hypot(hero.x_m - c.x_m, hero.y_m - c.y_m) <= reach

    def _affects(self, hero: HeroTick, lane: LaneProbe, stop: StopSignInfo, points) -> bool:
        if not self._could_affect(hero, lane, stop):
            return False
        c, t = stop.trigger.center, stop.trigger
        return any(
            point_in_axis_aligned_box(
                px, py, c.x_m, c.y_m, t.length_m / 2, t.width_m / 2, self.rules.box_multiplier
            )
            for px, py in points
        )

    # -- state machine ------------------------------------------------------------------
    def update(self, hero: HeroTick, lane: LaneProbe, stops: list[StopSignInfo]) -> list[InfractionEvent]:
        if not stops or lane.waypoint is None:
            return []
        if self._target is None:
            self._target = self._scan(hero, lane, stops)
            return []
        if not self._stop_completed and hero.speed_mps < self.SPEED_THRESHOLD_MPS:
            self._stop_completed = True
        target = self._target
        if self.version is LeaderboardVersion.V1_0 and not self._affected_by_stop:
            t = target.trigger  # centred on the trigger volume, not the post: see the module docstring
            if point_in_axis_aligned_box(
                hero.x_m, hero.y_m, t.center.x_m, t.center.y_m, t.length_m / 2, t.width_m / 2
            ):
                self._affected_by_stop = True
        points = self._check_points(hero, lane) if self._could_affect(hero, lane, target) else []
        if points and self._affects(hero, lane, target, points):
            return []
        events = []
        if self.version is LeaderboardVersion.V2_X:
            failed = not self._stop_completed and self._last_failed_stop != target.id
        else:
            failed = not self._stop_completed and self._affected_by_stop
        if failed:
            self.count += 1
            loc = (target.location.x_m, target.location.y_m, 0.0)
            message = f"Agent ran a stop with id={target.id} at {format_location(*loc)}"
            events.append(hero.event(InfractionType.STOP_INFRACTION, message, at=loc, actor_id=target.id))
            self._last_failed_stop = target.id
        self._target = None
        self._stop_completed = False
        self._affected_by_stop = False
        return events

    def _scan(self, hero: HeroTick, lane: LaneProbe, stops: list[StopSignInfo]) -> StopSignInfo | None:
        lane_dot = hero.fwd_x * lane.wp_fwd_x + hero.fwd_y * lane.wp_fwd_y
        if self.version is LeaderboardVersion.V2_X:
            if hero.vx_mps * hero.fwd_x + hero.vy_mps * hero.fwd_y < -0.17:
                return None
            if lane_dot < -0.17:
                return None
        elif lane_dot <= 0:
            return None
        candidates = [s for s in stops if self._could_affect(hero, lane, s)]
        if not candidates:
            return None
        points = self._check_points(hero, lane)
        for stop in candidates:
            if self._affects(hero, lane, stop, points):
                return stop
        return None
