"""MinSpeedCriterion: the 2.x leaderboard's MinimumSpeedRouteTest (agent speed vs the traffic's).

The route is cut into `checkpoints` = 4 equal lengths. Each tick the route index advances
by the dot-product rule over the next WINDOWS_SIZE = 2 points; when the distance advanced
since the last checkpoint exceeds the checkpoint length, the checkpoint is closed (with
the samples of the earlier ticks): value = round(mean hero speed / mean traffic speed x
100, 2), or 100 when no tick had traffic. Then, on ticks with background traffic (every
vehicle of the world that is not the hero: all of `WorldView.actors()` of kind VEHICLE,
walkers excluded), the hero's speed and the mean of the vehicles' speeds are summed.
A checkpoint below 100 % gives an event with details `percentage`, message
"Average speed is {p}% of the surrounding traffic's one"; its details also say which quarter it
closes (`quarter`, 1 to 4), since when (`since_s`, game time the quarter began) and the two means
(`ego_mean_speed_mps`, `traffic_mean_speed_mps`), for feedback on what the agent did there. At the end, the open
checkpoint is closed when more than 95 % of the route was covered. Not part of 1.0.
"""

from __future__ import annotations

import math

import numpy as np

from leaderboard_adapter.criteria.hero_tick import HeroTick
from leaderboard_adapter.criteria.route_track import RouteTrack
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType
from leaderboard_adapter.world_view import ActorArrays, ActorKind


class MinSpeedCriterion:
    """MinimumSpeedRouteTest with `checkpoints` = 4 (as route_scenario.py builds it)."""

    WINDOWS_SIZE = 2
    RATIO = 1.0
    SUCCESS_VALUE = 100.0

    def __init__(self, track: RouteTrack, checkpoints: int = 4):
        if checkpoints < 1:
            raise ValueError(f"checkpoints must be >= 1, got {checkpoints}")
        self.track = track
        self.checkpoint_m = track.length_m / checkpoints
        self._index = 0
        self._current_dist_m = 0.0
        self._mean_speed_sum = 0.0
        self._actor_speed_sum = 0.0
        self._points = 0
        self.checkpoint_values: list[float] = []
        self._last_hero: HeroTick | None = None
        self._since_s = 0.0

    def update(self, hero: HeroTick, actors: ActorArrays) -> list[InfractionEvent]:
        self._last_hero = hero
        track = self.track
        for index in range(self._index, min(self._index + self.WINDOWS_SIZE + 1, len(track))):
            if track.is_passed(index, hero.x_m, hero.y_m):
                self._index = index
        events = []
        if track.accum_m[self._index] - self._current_dist_m > self.checkpoint_m:
            events.extend(self._close_checkpoint(hero))
            self._current_dist_m = track.accum_m[self._index]
            self._mean_speed_sum = self._actor_speed_sum = 0.0
            self._points = 0
            self._since_s = hero.time_s
        if len(actors):
            vehicles = actors.kinds == ActorKind.VEHICLE
            n_vehicles = int(np.count_nonzero(vehicles))
            if n_vehicles:
                speeds = np.hypot(actors.vx_mps, actors.vy_mps)
                self._mean_speed_sum += float(speeds[vehicles].sum()) / n_vehicles
                self._actor_speed_sum += hero.speed_mps
                self._points += 1
        return events

    def _close_checkpoint(self, hero: HeroTick) -> list[InfractionEvent]:
        mean = actor = 0.0
        if self._points > 0 and self._mean_speed_sum:
            mean = self._mean_speed_sum / self._points
            actor = self._actor_speed_sum / self._points
            value = round(actor / (self.RATIO * mean) * 100, 2)
        else:
            value = 100.0
        self.checkpoint_values.append(value)
        if value >= self.SUCCESS_VALUE:
            return []
        message = f"Average speed is {value}% of the surrounding traffic's one"
        details = {"percentage": value, "quarter": float(len(self.checkpoint_values)), "since_s": self._since_s,
                   "ego_mean_speed_mps": actor, "traffic_mean_speed_mps": mean}  # fmt: skip
        return [hero.event(InfractionType.MIN_SPEED_INFRACTION, message, details=details)]

    def finish(self) -> list[InfractionEvent]:
        """Close the last checkpoint when the route was (almost) covered (> 95 %)."""
        if self._last_hero is None:
            return []
        if self.track.accum_m[self._index] / self.track.length_m > 0.95:
            return self._close_checkpoint(self._last_hero)
        return []

    @property
    def actual_value(self) -> float:
        """Mean of the checkpoint values [%] (100 before any checkpoint)."""
        vals = self.checkpoint_values
        return round(math.fsum(vals) / len(vals), 2) if vals else 100.0
