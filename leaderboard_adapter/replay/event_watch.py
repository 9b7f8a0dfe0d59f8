"""EventWatch: finds the n-th infraction of one kind while `run_route` drives, with criteria of its own.

`run_route` keeps its criteria to itself, so the watch builds a second `RouteCriteria` on the
same world (through `prepare_world`) and updates it from `on_tick`, right after run_route's
own: both read the same world at the same tick and raise the same events at the same frames.
End-of-route events (outside route lanes, the last min-speed checkpoint) only exist once the
route is over: `conclude` takes them from the run's outcome.
"""

from __future__ import annotations

import math

from leaderboard_adapter.criteria.criteria_set import RouteCriteria
from leaderboard_adapter.embedded.world import EmbeddedWorld
from leaderboard_adapter.evaluator.route_runner import RouteOutcome
from leaderboard_adapter.scoring import InfractionEvent, InfractionType


class EventWatch:
    """Watches one run for the `occurrence`-th (from 0) event of `kind`.

    `near_xy_m`, when given, is a world point [m]: the watch also keeps the frame at which the
    hero came closest to it (`nearest_frame`).
    """

    def __init__(
        self,
        kind: InfractionType,
        occurrence: int,
        leaderboard_version: str,
        near_xy_m: tuple[float, float] | None = None,
    ):
        self.kind = kind
        self.occurrence = occurrence
        self.leaderboard_version = leaderboard_version
        self.near_xy_m = near_xy_m
        self.event: InfractionEvent | None = None
        self.nearest_frame: int | None = None
        self._nearest_m = math.inf
        self._seen = 0
        self._criteria: RouteCriteria | None = None

    def prepare(self, world: EmbeddedWorld) -> None:
        """`run_route`'s `prepare_world`: build the watch's criteria on the fresh world."""
        self._criteria = RouteCriteria.from_view(world, self.leaderboard_version)

    def tick(self, world: EmbeddedWorld) -> None:
        """Call from `on_tick`, once per tick, after the world stepped."""
        if self._criteria is None:
            raise RuntimeError(
                "EventWatch.tick before prepare: pass watch.prepare as run_route's prepare_world"
            )
        for event in self._criteria.update(world).events:
            self._count(event)
        if self.near_xy_m is not None:
            hero = world.hero()
            distance = math.hypot(hero.x_m - self.near_xy_m[0], hero.y_m - self.near_xy_m[1])
            if distance < self._nearest_m:
                self._nearest_m, self.nearest_frame = distance, world.frame

    def conclude(self, outcome: RouteOutcome) -> None:
        """After a run that ended by itself: take the event from the outcome (which holds end-of-route events)."""
        if self.event is None:
            found = [event for event in outcome.events if event.type is self.kind]
            if self.occurrence < len(found):
                self.event = found[self.occurrence]

    def _count(self, event: InfractionEvent) -> None:
        if event.type is not self.kind:
            return
        if self._seen == self.occurrence:
            self.event = event
        self._seen += 1
