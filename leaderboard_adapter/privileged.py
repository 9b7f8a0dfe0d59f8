"""Privileged access for agents: the WorldView of the episode an agent is driving in.

Privileged agents (the expert, the LangProp and DAgger agents) read ground truth, as
PDM-Lite reads scenario_runner's `CarlaDataProvider`. The embedded evaluator publishes its
world here for the length of a route (`publishing(world)`); under the real leaderboard
nothing is published, and `privileged_world_view` builds a `CarlaWorldView` over
`CarlaDataProvider` on the agent's dense route.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import carla

from leaderboard_adapter.world_view import WorldView

_published: list[WorldView] = []


@contextlib.contextmanager
def publishing(view: WorldView) -> Iterator[WorldView]:
    """Make `view` the privileged world of agents built and run inside this block."""
    _published.append(view)
    try:
        yield view
    finally:
        _published.remove(view)


def published_world_view() -> WorldView | None:
    """The world published by the embedded evaluator, or None (a live CARLA, or no episode)."""
    return _published[-1] if _published else None


def privileged_world_view(dense_plan_world_coord: Sequence[tuple[carla.Transform, Any]]) -> WorldView:
    """The episode's WorldView: the embedded world when one is published, else CARLA's.

    `dense_plan_world_coord` is the route as the leaderboard hands it to `set_global_plan`
    before downsampling (about 1 m apart); only the CARLA view uses it. Raises ImportError
    with a clear message when no world is published and scenario_runner is not importable.
    """
    view = published_world_view()
    if view is not None:
        return view
    from leaderboard_adapter.carla_world import CarlaWorldView, route_from_global_plan

    return CarlaWorldView(route_from_global_plan(dense_plan_world_coord))
