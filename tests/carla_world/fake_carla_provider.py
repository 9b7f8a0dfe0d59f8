"""Test double of the small part of CarlaDataProvider, GameTime, carla.World and carla actors that CarlaWorldView reads.

No CARLA server runs in tests: actors are plain objects holding real `carla.Transform`,
`carla.Vector3D` and `carla.BoundingBox` values (and, for lights, real `carla.Waypoint`s
from an offline `carla.Map`). Every read a view makes is counted in `calls`, so tests can
assert how often the simulator would have been asked.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import carla


def transform(x: float, y: float, yaw: float = 0.0, z: float = 0.0) -> carla.Transform:
    return carla.Transform(carla.Location(x, y, z), carla.Rotation(yaw=yaw))


def box(
    ex: float, ey: float, ez: float = 1.0, x: float = 0.0, y: float = 0.0, yaw: float = 0.0
) -> carla.BoundingBox:
    """A `carla.BoundingBox` with half-extents (ex, ey, ez), centred at (x, y) and turned by `yaw`, actor-local."""
    bb = carla.BoundingBox(carla.Location(x, y, 0.0), carla.Vector3D(ex, ey, ez))
    bb.rotation = carla.Rotation(yaw=yaw)
    return bb


class FakeActor:
    """A `carla.Actor` double: id, type_id, attributes, bounding_box, transform and velocities."""

    def __init__(
        self,
        actor_id: int,
        type_id: str,
        pose: carla.Transform,
        velocity: carla.Vector3D | None = None,
        bounding_box: carla.BoundingBox | None = None,
        role_name: str = "",
    ) -> None:
        self.id = actor_id
        self.type_id = type_id
        self.attributes = {"role_name": role_name}
        self.is_alive = True
        self.pose = pose
        self.velocity = velocity if velocity is not None else carla.Vector3D(0.0, 0.0, 0.0)
        self.acceleration = carla.Vector3D(0.0, 0.0, 0.0)
        self.angular_velocity = carla.Vector3D(0.0, 0.0, 0.0)
        self._bounding_box = bounding_box if bounding_box is not None else box(0.1, 0.1, 0.1)
        self.calls: Counter[str] = Counter()

    @property
    def bounding_box(self) -> carla.BoundingBox:
        self.calls["bounding_box"] += 1
        return self._bounding_box

    def get_transform(self) -> carla.Transform:
        self.calls["get_transform"] += 1
        return self.pose

    def get_velocity(self) -> carla.Vector3D:
        self.calls["get_velocity"] += 1
        return self.velocity

    def get_acceleration(self) -> carla.Vector3D:
        self.calls["get_acceleration"] += 1
        return self.acceleration

    def get_angular_velocity(self) -> carla.Vector3D:
        self.calls["get_angular_velocity"] += 1
        return self.angular_velocity


class FakeVehicle(FakeActor):
    """A `carla.Vehicle` double: adds `get_speed_limit()` in km/h."""

    def __init__(self, *args: Any, speed_limit_kmh: float = 30.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.speed_limit_kmh = speed_limit_kmh

    def get_speed_limit(self) -> float:
        self.calls["get_speed_limit"] += 1
        return self.speed_limit_kmh


class FakeTrafficLight(FakeActor):
    """A `carla.TrafficLight` double: state, actor-local trigger_volume and stop waypoints."""

    def __init__(
        self,
        actor_id: int,
        pose: carla.Transform,
        trigger_volume: carla.BoundingBox,
        stop_waypoints: list[Any],
        state: carla.TrafficLightState = carla.TrafficLightState.Red,
    ) -> None:
        super().__init__(actor_id, "traffic.traffic_light", pose)
        self.trigger_volume = trigger_volume
        self.stop_waypoints = stop_waypoints
        self.state = state

    def get_state(self) -> carla.TrafficLightState:
        self.calls["get_state"] += 1
        return self.state

    def get_stop_waypoints(self) -> list[Any]:
        self.calls["get_stop_waypoints"] += 1
        return list(self.stop_waypoints)


class FakeStopSign(FakeActor):
    """A `traffic.stop` actor double with an actor-local trigger_volume."""

    def __init__(self, actor_id: int, pose: carla.Transform, trigger_volume: carla.BoundingBox) -> None:
        super().__init__(actor_id, "traffic.stop", pose)
        self.trigger_volume = trigger_volume


@dataclass
class FakeSnapshot:
    frame: int


@dataclass
class FakeWorld:
    """A `carla.World` double: a frame counter (`tick()` advances it) and the actor list."""

    actors: list[FakeActor]
    frame: int = 1000
    calls: Counter[str] = field(default_factory=Counter)

    def get_snapshot(self) -> FakeSnapshot:
        return FakeSnapshot(self.frame)

    def get_actors(self) -> list[FakeActor]:
        self.calls["get_actors"] += 1
        return list(self.actors)


class FakeCarlaDataProvider:
    """The CarlaDataProvider subset: get_world, get_map, get_all_actors, get_hero_actor."""

    def __init__(self, world: FakeWorld | None, carla_map: carla.Map | None = None) -> None:
        self.world = world
        self.carla_map = carla_map
        self.calls: Counter[str] = Counter()

    def get_world(self) -> FakeWorld | None:
        return self.world

    def get_map(self) -> carla.Map | None:
        self.calls["get_map"] += 1
        return self.carla_map

    def get_all_actors(self) -> list[FakeActor]:
        self.calls["get_all_actors"] += 1
        assert self.world is not None
        return list(self.world.actors)

    def get_hero_actor(self) -> FakeActor | None:
        self.calls["get_hero_actor"] += 1
        assert self.world is not None
        return next((a for a in self.world.actors if a.attributes["role_name"] == "hero"), None)


class ProviderWithoutAllActors:
    """A provider as in scenario_runner's leaderboard-1.0 branch: no `get_all_actors()`."""

    def __init__(self, inner: FakeCarlaDataProvider) -> None:
        self._inner = inner

    def get_world(self) -> FakeWorld | None:
        return self._inner.get_world()

    def get_map(self) -> carla.Map | None:
        return self._inner.get_map()

    def get_hero_actor(self) -> FakeActor | None:
        return None  # forces the role_name scan of the world's actor list


@dataclass
class FakeGameTime:
    """The GameTime subset: accumulated time [s] and the absolute CARLA frame of the last tick."""

    time_s: float = 0.0
    frame: int = 0

    def get_time(self) -> float:
        return self.time_s

    def get_frame(self) -> int:
        return self.frame


@dataclass
class FakeEpisode:
    """A world, its provider and its clock, ticked together like the leaderboard's `_tick_scenario`."""

    world: FakeWorld
    provider: FakeCarlaDataProvider
    clock: FakeGameTime
    delta_s: float = 0.05

    @staticmethod
    def of(actors: list[FakeActor], carla_map: carla.Map | None = None) -> FakeEpisode:
        world = FakeWorld(actors)
        return FakeEpisode(world, FakeCarlaDataProvider(world, carla_map), FakeGameTime(0.0, world.frame))

    def tick(self) -> None:
        self.world.frame += 1
        self.clock.time_s += self.delta_s
        self.clock.frame = self.world.frame
