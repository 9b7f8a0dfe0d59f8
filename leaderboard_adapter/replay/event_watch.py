"""EventWatch: finds the n-th infraction a test accepts (of one kind; the same as another run's) while
`run_route` drives, and keeps every infraction it saw.

It reads the events `run_route`'s criteria publish with the world (`privileged.published_episode`)
from `on_tick`, which runs right after the criteria's update. End-of-route events (outside route
lanes, the last min-speed checkpoint) only exist once the route is over: `conclude` takes them
from the run's outcome.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from leaderboard_adapter.embedded.world import EmbeddedWorld
from leaderboard_adapter.evaluator.route_runner import RouteOutcome
from leaderboard_adapter.privileged import published_episode
from leaderboard_adapter.scoring import InfractionEvent

EventTest = Callable[[InfractionEvent], bool]
"""Says whether an event is one the watch is looking for (e.g. of a kind, or `InfractionIdentity.matches`)."""


class EventWatch:
    """Watches one run for the `occurrence`-th (from 0) event that `accepts`; `events` holds every event seen.

    `near_xy_m`, when given, is a world point [m]: the watch also keeps the frame at which the
    hero came closest to it (`nearest_frame`).
    """

    def __init__(
        self,
        accepts: EventTest,
        occurrence: int,
        near_xy_m: tuple[float, float] | None = None,
    ):
        self.accepts = accepts
        self.occurrence = occurrence
        self.near_xy_m = near_xy_m
        self.event: InfractionEvent | None = None
        self.events: list[InfractionEvent] = []
        self.nearest_frame: int | None = None
        self._nearest_m = math.inf
        self._seen = 0
        self._read = 0

    def tick(self, world: EmbeddedWorld) -> None:
        """Call from `run_route`'s `on_tick`, once per tick, after the world stepped and was scored."""
        episode = published_episode()
        if episode is None or episode.view is not world:
            raise RuntimeError("EventWatch.tick outside run_route: no events are published for this world")
        for event in episode.infractions[self._read :]:
            self.events.append(event)
            self._count(event)
        self._read = len(episode.infractions)
        if self.near_xy_m is not None:
            hero = world.hero()
            distance = math.hypot(hero.x_m - self.near_xy_m[0], hero.y_m - self.near_xy_m[1])
            if distance < self._nearest_m:
                self._nearest_m, self.nearest_frame = distance, world.frame

    def conclude(self, outcome: RouteOutcome) -> None:
        """After a run that ended by itself: take the events from the outcome (which holds end-of-route events)."""
        self.events = list(outcome.events)
        if self.event is None:
            found = [event for event in outcome.events if self.accepts(event)]
            if self.occurrence < len(found):
                self.event = found[self.occurrence]

    def _count(self, event: InfractionEvent) -> None:
        if not self.accepts(event):
            return
        if self._seen == self.occurrence:
            self.event = event
        self._seen += 1
