"""EmbeddedWorld: the WorldView contract, determinism, configuration errors."""

from __future__ import annotations

import carla
import numpy as np
import pytest
from embedded_helpers import build

from leaderboard_adapter.embedded import EmbeddedWorld, WorldConfig
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.route_builder import route_along_lanes
from leaderboard_adapter.world_view import ActorKind, WorldView


@pytest.fixture(scope="module")
def route(lights_town):
    return route_along_lanes(DrivingNetwork(lights_town[1]), 0, 400.0, start_s_m=30.0)


def _drive(world: EmbeddedWorld, ticks: int) -> None:
    for k in range(ticks):
        world.tick(carla.VehicleControl(throttle=0.4, steer=0.02 * np.sin(k / 20)))


def test_implements_world_view(lights_town, route) -> None:
    world = build(lights_town, route, WorldConfig(vehicle_count=10, walker_count=5), seed=1)
    assert isinstance(world, WorldView)
    hero = world.hero()
    assert (hero.x_m, hero.y_m, hero.yaw_deg) == pytest.approx((route[0].x_m, route[0].y_m, route[0].yaw_deg))
    assert hero.length_m == pytest.approx(4.90) and hero.width_m == pytest.approx(2.12)
    _drive(world, 40)
    assert world.frame == 40 and world.game_time_s == pytest.approx(2.0)
    actors = world.actors()
    assert len(actors) == len(world.fleet) + len(world.crowd)
    assert len(set(actors.ids.tolist())) == len(actors) and 0 not in actors.ids
    assert (actors.kinds[: len(world.fleet)] == ActorKind.VEHICLE).all()
    assert (actors.kinds[len(world.fleet) :] == ActorKind.WALKER).all()
    assert len(world.traffic_lights()) == 48 and world.stop_signs() == []
    assert world.speed_limit_mps() == pytest.approx(30 / 3.6)
    assert world.hero().speed_mps > 1.0
    assert world.route_progress_m > 1.0
    assert world.hero_corners().shape == (4, 2)
    assert world.actor_corners().shape == (len(actors), 4, 2)


def test_same_seed_same_states_other_seed_differs(lights_town, route) -> None:
    config = WorldConfig(vehicle_count=25, walker_count=15)
    a = build(lights_town, route, config, seed=42)
    b = build(lights_town, route, config, seed=42)
    c = build(lights_town, route, config, seed=43)
    for w in (a, b, c):
        _drive(w, 300)
    assert a.snapshot() == b.snapshot()
    assert a.snapshot()["vehicles"]["x_m"] != c.snapshot()["vehicles"]["x_m"]
    # the ego obeys the same controls in both: only the seeded actors differ
    assert a.snapshot()["hero"] == c.snapshot()["hero"]


def test_speed_limit_override(lights_town, route) -> None:
    road = DrivingNetwork(lights_town[1]).road_id[0]
    world = EmbeddedWorld(
        lights_town[0],
        lights_town[1],
        route,
        WorldConfig(vehicle_count=0, walker_count=0),
        0,
        speed_limits_mps={int(road): 20.0},
    )
    assert world.speed_limit_mps() == pytest.approx(20.0)


def test_configuration_errors(lights_town) -> None:
    with pytest.raises(ValueError, match="dt_s"):
        WorldConfig(dt_s=0.0)
    with pytest.raises(ValueError, match="vehicle_count"):
        WorldConfig(vehicle_count=-1)
    with pytest.raises(ValueError, match="route is empty"):
        EmbeddedWorld(lights_town[0], lights_town[1], [], WorldConfig(), 0)


def test_zero_walkers_means_no_pedestrians_at_all(lights_town, route) -> None:
    counted = build(lights_town, route, WorldConfig().with_counts(vehicle_count=3, walker_count=5))
    assert int(np.sum(counted.actors().kinds == int(ActorKind.VEHICLE))) == 3
    assert int(np.sum(counted.actors().kinds == int(ActorKind.WALKER))) >= 5
    none = build(lights_town, route, WorldConfig().with_counts(walker_count=0))
    assert int(np.sum(none.actors().kinds == int(ActorKind.WALKER))) == 0
