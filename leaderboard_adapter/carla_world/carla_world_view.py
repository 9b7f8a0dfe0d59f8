"""CarlaWorldView: the WorldView protocol read from a live CARLA server through CarlaDataProvider.

Static per episode and read once: traffic-light and stop-sign geometry, actors' bounding
boxes, the route. Per tick and read at most once per tick: the actor list, transforms and
velocities, light states, the speed limit. A tick is identified by the world snapshot's
frame (`world.get_snapshot().frame`, a client-side read), so asking twice within one tick
costs nothing and the first read after `world.tick()` sees fresh values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import carla

from leaderboard_adapter.carla_world.actors import BoxCache, actor_arrays, hero_state
from leaderboard_adapter.carla_world.provider import Clock, DataProvider, all_actors, load_scenario_runner
from leaderboard_adapter.carla_world.signals import (
    STOP_SIGN_TYPE,
    TRAFFIC_LIGHT_TYPE,
    LightGeometry,
    light_geometry,
    light_state,
    stop_sign_info,
)
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.world_view import ActorArrays, ActorState, StopSignInfo, TrafficLightInfo

HERO_ROLE_NAME = "hero"
KMH_PER_MPS = 3.6

_T = TypeVar("_T")


class CarlaWorldView:
    """Privileged ground truth about a running CARLA episode (implements `WorldView`).

    Build it inside the leaderboard evaluator's process, in the agent's `setup()` or first
    `run_step()`, with the route from `route_from_global_plan`. `provider` and `clock` default
    to scenario_runner's `CarlaDataProvider` and `GameTime` (imported here, not at module
    import); tests pass doubles.

    Route start: `game_time_s` and `frame` are 0 at the first tick they are read after this
    view was built (the agent's first `run_step`: the leaderboard builds the agent before it
    restarts GameTime), unless `route_start=(game_time_s, gametime_frame)` fixes it, both as
    GameTime reads them.
    """

    def __init__(
        self,
        route: Sequence[RoutePoint],
        *,
        provider: DataProvider | None = None,
        clock: Clock | None = None,
        route_start: tuple[float, int] | None = None,
    ) -> None:
        if provider is None or clock is None:
            real_provider, real_clock = load_scenario_runner()
            provider = real_provider if provider is None else provider
            clock = real_clock if clock is None else clock
        world = provider.get_world()
        if world is None:
            raise RuntimeError(
                "CarlaDataProvider has no world yet: build CarlaWorldView after the leaderboard has loaded the town"
            )
        self._provider = provider
        self._clock = clock
        self._world = world
        self._route = tuple(route)
        self._built_at_frame = int(world.get_snapshot().frame)
        self._route_start = route_start
        self._boxes = BoxCache()
        self._hero: Any = None
        self._lights: list[LightGeometry] | None = None
        self._stop_signs: list[StopSignInfo] | None = None
        self._tick_frame: int | None = None
        self._tick_values: dict[str, Any] = {}

    # ----------------------------------------------------------------- ticks and time

    def _world_frame(self) -> int:
        return int(self._world.get_snapshot().frame)

    def _per_tick(self, key: str, compute: Callable[[], _T]) -> _T:
        """`compute()` once per world tick; later calls within the tick get the same value."""
        frame = self._world_frame()
        if frame != self._tick_frame:
            self._tick_frame = frame
            self._tick_values.clear()
        if key not in self._tick_values:
            self._tick_values[key] = compute()
        return self._tick_values[key]

    def _since_route_start(self) -> tuple[float, int]:
        if self._route_start is None:
            if self._world_frame() <= self._built_at_frame:
                return 0.0, 0  # not ticked since this view was built: GameTime may still hold the last route
            self._route_start = (float(self._clock.get_time()), int(self._clock.get_frame()))
        start_s, start_frame = self._route_start
        return float(self._clock.get_time()) - start_s, int(self._clock.get_frame()) - start_frame

    @property
    def game_time_s(self) -> float:
        """Simulation time since the route started [s] (GameTime)."""
        return self._since_route_start()[0]

    @property
    def frame(self) -> int:
        """Simulation ticks since the route started (GameTime's frame)."""
        return self._since_route_start()[1]

    # ----------------------------------------------------------------- world

    @property
    def map(self) -> carla.Map:
        """The road network (CarlaDataProvider's cached `carla.Map`)."""
        return self._provider.get_map()

    def _actor_list(self) -> list[Any]:
        return self._per_tick("actors_raw", lambda: list(all_actors(self._provider, self._world)))

    def _hero_actor(self) -> Any:
        if self._hero is None or not self._hero.is_alive:
            hero = self._provider.get_hero_actor()
            if hero is None:
                hero = next(
                    (a for a in self._actor_list() if a.attributes.get("role_name") == HERO_ROLE_NAME), None
                )
            if hero is None:
                raise RuntimeError(f"no actor with role_name '{HERO_ROLE_NAME}' in the CARLA world")
            self._hero = hero
        return self._hero

    def hero(self) -> ActorState:
        """The ego vehicle (the actor with role_name 'hero')."""
        return self._per_tick("hero", lambda: hero_state(self._hero_actor(), self._boxes))

    def actors(self) -> ActorArrays:
        """Every vehicle (`vehicle.*`) and walker (`walker.pedestrian.*`) but the hero."""
        return self._per_tick(
            "actors", lambda: actor_arrays(self._actor_list(), int(self._hero_actor().id), self._boxes)
        )

    def _light_geometry(self) -> list[LightGeometry]:
        if self._lights is None:
            self._lights = [
                light_geometry(a) for a in self._actor_list() if a.type_id.startswith(TRAFFIC_LIGHT_TYPE)
            ]
        return self._lights

    def traffic_lights(self) -> list[TrafficLightInfo]:
        """Every traffic light, with its state at this tick."""
        infos = self._per_tick(
            "lights", lambda: [g.info(light_state(g.actor.get_state())) for g in self._light_geometry()]
        )
        return list(infos)

    def stop_signs(self) -> list[StopSignInfo]:
        """Every stop sign (`traffic.stop` actor)."""
        if self._stop_signs is None:
            carla_map = self.map
            self._stop_signs = [
                stop_sign_info(a, carla_map)
                for a in self._actor_list()
                if a.type_id.startswith(STOP_SIGN_TYPE)
            ]
        return list(self._stop_signs)

    def route(self) -> list[RoutePoint]:
        """The hero's dense route, as given at construction."""
        return list(self._route)

    def speed_limit_mps(self) -> float:
        """The speed limit the hero is under [m/s] (`Vehicle.get_speed_limit()` is in km/h)."""
        return self._per_tick(
            "speed_limit", lambda: float(self._hero_actor().get_speed_limit()) / KMH_PER_MPS
        )
