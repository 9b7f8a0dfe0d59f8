"""Privileged access for agents: the WorldView of the episode an agent is driving in.

Privileged agents (the expert, the LangProp and DAgger agents) read ground truth, as
PDM-Lite reads scenario_runner's `CarlaDataProvider`. The embedded evaluator publishes its
world, its infraction events and the run's identity here for the length of a route
(`publishing(world, events, run)`); under the real leaderboard
nothing is published, and `privileged_world_view` builds a `CarlaWorldView` over
`CarlaDataProvider` on the agent's dense route.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import carla

from leaderboard_adapter.scoring.infractions import InfractionEvent
from leaderboard_adapter.world_view import WorldView


@dataclass(frozen=True)
class RunInfo:
    """What the embedded evaluator tells privileged agents about the route run they drive."""

    route_id: str
    """The results record's id, e.g. ``RouteScenario_3_rep0``."""
    route_index: int
    repetition: int
    town: str
    seed: int
    """The evaluation's ``--seed``."""
    world_seed: int
    """The seed of this run's world (traffic, pedestrians, light phases)."""
    leaderboard_version: str
    routes_file: str = ""
    """The route XML the run comes from ("" when unknown)."""
    vehicle_count: int | None = None
    """NPC vehicles in the town (None when unknown)."""
    walker_count: int | None = None
    """Pedestrians in the town (None when unknown)."""
    output_dir: str = ""
    """Where the agent writes the files of this run (a DAgger shard): a folder of the process that drives it,
    whose files the route-run executor brings back to the head process; "" for the agent's own setting."""


@dataclass(frozen=True)
class Episode:
    """The published episode: its world, the live list of infraction events recorded so far, its run,
    and what the agent decided at its last step (`decisions`, filled by `publish_decision`)."""

    view: WorldView
    infractions: Sequence[InfractionEvent]
    run: RunInfo | None
    decisions: dict[str, Any] = field(default_factory=dict)


_published: list[Episode] = []


@contextlib.contextmanager
def publishing(
    view: WorldView, infractions: Sequence[InfractionEvent] = (), run: RunInfo | None = None
) -> Iterator[WorldView]:
    """Make `view` the privileged world of agents built and run inside this block.

    `infractions` is the evaluator's own list of events, which it keeps appending to; `run`
    names the route run.
    """
    episode = Episode(view, infractions, run)
    _published.append(episode)
    try:
        yield view
    finally:
        _published.remove(episode)


def published_episode() -> Episode | None:
    """The episode published by the embedded evaluator, or None (a live CARLA, or no episode)."""
    return _published[-1] if _published else None


def publish_decision(name: str, value: Any) -> None:
    """Tell the evaluator's tooling (replay overlays) what the agent decided this step, e.g. its policy's
    action; kept under `name` in the published episode until the next call. Nothing happens when no
    episode is published (a live CARLA)."""
    episode = published_episode()
    if episode is not None:
        episode.decisions[name] = value


def published_world_view() -> WorldView | None:
    """The world published by the embedded evaluator, or None (a live CARLA, or no episode)."""
    episode = published_episode()
    return episode.view if episode is not None else None


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
