"""The part of scenario_runner that CarlaWorldView reads, as protocols, and the lazy loader of the real one.

`DataProvider` is the subset of `srunner.scenariomanager.carla_data_provider.CarlaDataProvider`
used (a class of static methods, so the class itself satisfies the protocol); `Clock` is the
subset of `srunner.scenariomanager.timer.GameTime`. Tests inject doubles of both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

SCENARIO_RUNNER_MISSING = (
    "CarlaWorldView needs scenario_runner on PYTHONPATH (it runs inside the leaderboard evaluator)"
)


class DataProvider(Protocol):
    """What is read from CarlaDataProvider.

    `get_all_actors()` (scenario_runner 0.9.13 and later, leaderboard 2.x) is optional: where a
    provider lacks it, the world's `get_actors()` is used instead.
    """

    def get_world(self) -> Any:
        """The `carla.World` of the running episode."""

    def get_map(self) -> Any:
        """The `carla.Map` of the running episode."""

    def get_hero_actor(self) -> Any:
        """The actor whose `role_name` attribute is 'hero', or None."""


class Clock(Protocol):
    """What is read from GameTime: simulation time [s] and the CARLA frame of the last tick seen."""

    def get_time(self) -> float:
        """Game time accumulated since `GameTime.restart()` [s]."""

    def get_frame(self) -> int:
        """The CARLA frame number of the latest tick (absolute, not since the route start)."""


def all_actors(provider: DataProvider, world: Any) -> Iterable[Any]:
    """Every actor in the world: the provider's per-tick cached list where it has one, else the world's."""
    get_all = getattr(provider, "get_all_actors", None)
    if get_all is not None:
        return get_all()
    return world.get_actors()


def load_scenario_runner() -> tuple[DataProvider, Clock]:
    """The real `CarlaDataProvider` and `GameTime` classes; ImportError with a clear message if absent."""
    try:
        from srunner.scenariomanager.carla_data_provider import CarlaDataProvider
        from srunner.scenariomanager.timer import GameTime
    except ImportError as exc:
        raise ImportError(SCENARIO_RUNNER_MISSING) from exc
    return CarlaDataProvider, GameTime
