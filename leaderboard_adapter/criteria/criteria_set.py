"""RouteCriteria: every leaderboard criterion of one route run, fed one WorldView tick at a time.

Usage (the evaluator's loop)::

    criteria = RouteCriteria.from_view(view, version="2.x")
    while True:
        world.tick()
        result = criteria.update(view)          # TickResult
        record(result.events)
        if result.ended:
            break
    record(criteria.finish(view))               # end-of-route events (outside lanes, min speed)

Criteria, as `leaderboard/scenarios/route_scenario.py` builds them (2.x: master,
leaderboard-2.0/2.1; 1.0: leaderboard-1.0): RouteCompletionTest, OutsideRouteLanesTest,
CollisionTest, RunningRedLightTest, RunningStopTest, MinimumSpeedRouteTest (2.x only,
checkpoints=4), InRouteTest (offroad_max=30), ActorBlockedTest (0.1 m/s, 180 s), and the
route timeout. Events come in that order within a tick.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import carla
from pydantic import model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from leaderboard_adapter.criteria.blocked import BlockedCriterion
from leaderboard_adapter.criteria.collision import (
    LAYOUT_ACTOR_ID,
    LAYOUT_TYPE_ID,
    CollisionCriterion,
    Contact,
    find_contacts,
)
from leaderboard_adapter.criteria.hero_tick import HeroTick
from leaderboard_adapter.criteria.in_route import InRouteCriterion
from leaderboard_adapter.criteria.lane_probe import LaneProbe
from leaderboard_adapter.criteria.layout import LayoutProbe
from leaderboard_adapter.criteria.min_speed import MinSpeedCriterion
from leaderboard_adapter.criteria.outside_lanes import OutsideLanesCriterion
from leaderboard_adapter.criteria.red_light import RedLightCriterion
from leaderboard_adapter.criteria.route_completion import RouteCompletionCriterion
from leaderboard_adapter.criteria.route_track import RouteTrack
from leaderboard_adapter.criteria.stop_sign import StopSignCriterion
from leaderboard_adapter.criteria.timeout import RouteTimeout
from leaderboard_adapter.criteria.version import LeaderboardVersion
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.scoring.infractions import InfractionEvent
from leaderboard_adapter.settings import SETTINGS
from leaderboard_adapter.world_view import WorldView


class RouteStatus(enum.Enum):
    """Whether the route is still running and, if not, why it ended."""

    RUNNING = "running"
    COMPLETED = "completed"
    DEVIATED = "deviated"
    BLOCKED = "blocked"
    ROUTE_TIMEOUT = "route_timeout"

    @property
    def failure_message(self) -> str:
        """The leaderboard's failure text (record status "Failed - <text>"); empty when none."""
        return _FAILURE_MESSAGES[self]


_FAILURE_MESSAGES = {
    RouteStatus.RUNNING: "",
    RouteStatus.COMPLETED: "",
    RouteStatus.DEVIATED: "Agent deviated from the route",
    RouteStatus.BLOCKED: "Agent got blocked",
    RouteStatus.ROUTE_TIMEOUT: "Agent timed out",
}


@checked_dataclass(frozen=True, config=SETTINGS)
class CriteriaConfig:
    """Tuning that is not a leaderboard rule.

    `map_refresh_m`: the hero's lane lookup (and layout test) is redone only after it moved
    more than this [m]; `layout_collisions`: detect collisions with the virtual layout
    (see layout.py); `min_speed_checkpoints`: MinimumSpeedRouteTest checkpoints (4 as the
    leaderboard); `precise_1_0_directions`: for 1.0, take route point directions from the
    map (as 1.0 does) rather than from the route's yaw (costs one map lookup per route point).
    """

    map_refresh_m: float = 0.25
    layout_collisions: bool = True
    min_speed_checkpoints: int = 4
    precise_1_0_directions: bool = True

    @model_validator(mode="after")
    def _in_range(self) -> CriteriaConfig:
        if not 0 <= self.map_refresh_m <= 1.0:
            raise ValueError(f"map_refresh_m must be within [0, 1] m, got {self.map_refresh_m}")
        if self.min_speed_checkpoints < 1:
            raise ValueError(f"min_speed_checkpoints must be >= 1, got {self.min_speed_checkpoints}")
        return self


@dataclass(frozen=True)
class TickResult:
    """What one tick produced.

    `events`: infractions raised this tick (collisions, red lights, stops, min speed, and the
    route-ending ROUTE_DEVIATION / VEHICLE_BLOCKED / ROUTE_TIMEOUT events).
    `status`: RUNNING, or why the route ended this tick. `route_completion_percent`: the
    leaderboard's route completion [0, 100] after this tick.
    """

    events: tuple[InfractionEvent, ...]
    status: RouteStatus
    route_completion_percent: float

    @property
    def ended(self) -> bool:
        return self.status is not RouteStatus.RUNNING


class RouteCriteria:
    """All route criteria of one leaderboard version for one route run (see the module docstring).

    Call `update(view)` once per simulation tick, after the world stepped, and `finish(view)`
    once when the route is over (ended, or stopped by the caller).
    """

    def __init__(
        self,
        route: Sequence[RoutePoint],
        town_map: carla.Map,
        version: str | LeaderboardVersion = "2.x",
        config: CriteriaConfig | None = None,
        type_id_of: Callable[[int, int], str] | None = None,
        route_length_m: float | None = None,
    ):
        """`type_id_of(actor_id, kind)` may name a collided actor's blueprint (else a generic one).

        `route_length_m`: the route length the leaderboard scores with [m], where it is not the dense
        route's: leaderboard 1.0 uses the straight-line path through the route file's keypoints
        (`RouteConfig.keypoint_length_m`) for the 1.0 route timeout and the record's `route_length`.
        """
        if route_length_m is not None and not route_length_m > 0:
            raise ValueError(f"route_length_m must be > 0 m, got {route_length_m}")
        self.version = LeaderboardVersion.parse(version)
        self.config = config if config is not None else CriteriaConfig()
        self.map = town_map
        v1 = self.version is LeaderboardVersion.V1_0
        self.track = RouteTrack(route, town_map if v1 and self.config.precise_1_0_directions else None)
        self.lane = LaneProbe(town_map, self.config.map_refresh_m)
        self.layout = (
            LayoutProbe(town_map, self.config.map_refresh_m) if self.config.layout_collisions else None
        )
        self.completion = RouteCompletionCriterion(self.track, self.version)
        self.outside_lanes = OutsideLanesCriterion(self.track, self.version)
        self.collision = CollisionCriterion(self.version)
        self.red_light = RedLightCriterion(town_map, self.version)
        self.stop_sign = StopSignCriterion(self.version)
        self.min_speed = None if v1 else MinSpeedCriterion(self.track, self.config.min_speed_checkpoints)
        self.in_route = InRouteCriterion(self.track)
        self.blocked = BlockedCriterion()
        self._route_length_m = route_length_m
        self.timeout = RouteTimeout(self.track, self.version, route_length_m)
        self._type_id_of = type_id_of
        self.status = RouteStatus.RUNNING
        self.events: list[InfractionEvent] = []
        self._finished = False

    @classmethod
    def from_view(
        cls,
        view: WorldView,
        version: str | LeaderboardVersion = "2.x",
        config: CriteriaConfig | None = None,
        route_length_m: float | None = None,
    ) -> RouteCriteria:
        """Criteria for the route and map of `view` (type ids from `view.actor_type_id` if it has one)."""
        type_id_of = getattr(view, "actor_type_id", None)
        return cls(
            view.route(), view.map, version, config, type_id_of if callable(type_id_of) else None, route_length_m
        )

    @property
    def route_length_m(self) -> float:
        """The route length the leaderboard records [m]: the given one, else the dense route's."""
        return self.track.length_m if self._route_length_m is None else self._route_length_m

    @property
    def route_completion_percent(self) -> float:
        return self.completion.percentage

    @property
    def route_timeout_s(self) -> float:
        """The current route time limit [s] (grows with progress in 2.x)."""
        return self.timeout.timeout_s

    def update(self, view: WorldView) -> TickResult:
        """Evaluate one tick. After the route ended, returns the final status with no events."""
        if self.status is not RouteStatus.RUNNING:
            return TickResult((), self.status, self.completion.percentage)
        hero = HeroTick.from_state(view.hero(), view.frame, view.game_time_s)
        self.lane.update(hero.x_m, hero.y_m, hero.z_m)
        actors = view.actors()
        events: list[InfractionEvent] = []

        self.completion.update(hero)
        self.outside_lanes.update(hero, self.lane)
        contacts = find_contacts(hero, actors, self._type_id_of)
        if self.layout is not None and self.layout.contact(hero, self.lane):
            contacts.append(Contact(LAYOUT_ACTOR_ID, LAYOUT_TYPE_ID))
        events += self.collision.update(hero, contacts)
        events += self.red_light.update(hero, view.traffic_lights())
        events += self.stop_sign.update(hero, self.lane, view.stop_signs())
        if self.min_speed is not None:
            events += self.min_speed.update(hero, actors)
        events += self.in_route.update(hero)
        events += self.blocked.update(hero)
        events += self.timeout.update(hero, view.speed_limit_mps)

        self.status = self._status()
        self.events += events
        return TickResult(tuple(events), self.status, self.completion.percentage)

    def _status(self) -> RouteStatus:
        if self.completion.ended:
            return RouteStatus.COMPLETED
        if self.blocked.blocked:
            return RouteStatus.BLOCKED
        if self.in_route.deviated:
            return RouteStatus.DEVIATED
        if self.timeout.timed_out:
            return RouteStatus.ROUTE_TIMEOUT
        return RouteStatus.RUNNING

    def finish(self, view: WorldView | None = None) -> list[InfractionEvent]:
        """End-of-route events: outside-route-lanes (one, with `details['percentage']`) and the last
        min-speed checkpoint (2.x). Idempotent: later calls return []. `view` is accepted for
        symmetry with `update` and not needed."""
        if self._finished:
            return []
        self._finished = True
        events = self.outside_lanes.finish()
        if self.min_speed is not None:
            events += self.min_speed.finish()
        self.events += events
        return events

    @property
    def target_reached(self) -> bool:
        """Whether the leaderboard would count the route as reached (completion 100)."""
        return self.completion.reached
