"""InfractionFeed: the infraction events of the running episode, step by step, for privileged agents.

In the embedded evaluator the agent reads the evaluator's own events (published with the world);
under the real leaderboard, whose criteria live inside scenario_runner out of the agent's reach,
it runs this package's leaderboard criteria on the privileged `WorldView` itself.
"""

from __future__ import annotations

from leaderboard_adapter.criteria.criteria_set import RouteCriteria
from leaderboard_adapter.privileged import published_episode
from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType
from leaderboard_adapter.world_view import WorldView

MARKING_KINDS: frozenset[InfractionType] = frozenset(InfractionType) - {
    InfractionType.MIN_SPEED_INFRACTION,
    InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION,
    InfractionType.ROUTE_TIMEOUT,
}
"""Kinds caused by what the car did just before them. Left out: the min-speed and outside-lanes
tests judge whole stretches of the route, and a route timeout judges all of it."""


class InfractionFeed:
    """`poll()` returns the events recorded since the previous poll, in order."""

    def __init__(self, view: WorldView, leaderboard_version: str = "2.1"):
        episode = published_episode()
        self._view = view
        if episode is not None and episode.view is view:
            self._criteria = None
            self._events = episode.infractions
        else:
            self._criteria = RouteCriteria.from_view(view, leaderboard_version)
            self._events = self._criteria.events
        self._seen = 0

    def poll(self) -> list[InfractionEvent]:
        if self._criteria is not None:
            self._criteria.update(self._view)
        new = list(self._events[self._seen :])
        self._seen = len(self._events)
        return new
