"""CarlaWorldView over a test double of CarlaDataProvider (tests/carla_world/fake_carla_provider.py)."""

from __future__ import annotations

import enum
import sys
from pathlib import Path

import carla
import numpy as np
import pytest
from fake_carla_provider import (
    FakeActor,
    FakeEpisode,
    FakeStopSign,
    FakeTrafficLight,
    FakeVehicle,
    ProviderWithoutAllActors,
    box,
    transform,
)

from leaderboard_adapter.carla_world import SCENARIO_RUNNER_MISSING, CarlaWorldView, route_from_global_plan
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.world_view import ActorKind, LightState, Pose2D, WorldView

TOWN = Path(__file__).resolve().parents[1] / "fixtures" / "towns" / "grid4x4_lights.xodr"

# In the grid town, road 160 lane -1 runs west (yaw 180) along y = -1.675 into junction 2,
# which starts at x = 6.16; road 184 lane -1 runs east along y = +1.675 into junction 1.
WEST_LANE = (160, -1)
EAST_LANE = (184, -1)
WEST_LANE_Y = -1.675
JUNCTION_2_ENTRY_X = 6.16


@pytest.fixture(scope="module")
def town() -> carla.Map:
    return carla.Map("grid4x4_lights", TOWN.read_text())


def make_hero(**kwargs) -> FakeVehicle:
    return FakeVehicle(
        1,
        "vehicle.lincoln.mkz_2020",
        transform(50.0, WEST_LANE_Y, 180.0),
        velocity=carla.Vector3D(-5.0, 0.0, 0.0),
        bounding_box=box(2.45, 1.05, 0.75),
        role_name="hero",
        **kwargs,
    )


def make_view(episode: FakeEpisode, route: list[RoutePoint] | None = None, **kwargs) -> CarlaWorldView:
    return CarlaWorldView(route or [], provider=episode.provider, clock=episode.clock, **kwargs)


# ------------------------------------------------------------------ actors


def test_actors_exclude_hero_and_non_road_users_with_full_sizes():
    car = FakeVehicle(
        7,
        "vehicle.tesla.model3",
        transform(10.0, 20.0, 30.0),
        velocity=carla.Vector3D(3.0, -4.0, 0.5),
        bounding_box=box(2.4, 0.9, 0.7),
    )
    walker = FakeActor(
        9,
        "walker.pedestrian.0001",
        transform(-3.0, 4.0, -90.0),
        velocity=carla.Vector3D(0.0, 1.2, 0.0),
        bounding_box=box(0.25, 0.3, 0.9),
    )
    prop = FakeActor(11, "static.prop.trafficcone01", transform(0.0, 0.0))
    sensor = FakeActor(12, "sensor.camera.rgb", transform(0.0, 0.0))
    episode = FakeEpisode.of([make_hero(), car, prop, walker, sensor])

    arrays = make_view(episode).actors()

    assert arrays.ids.tolist() == [7, 9]
    assert arrays.kinds.tolist() == [ActorKind.VEHICLE, ActorKind.WALKER]
    np.testing.assert_allclose(arrays.x_m, [10.0, -3.0])
    np.testing.assert_allclose(arrays.y_m, [20.0, 4.0])
    np.testing.assert_allclose(arrays.yaw_deg, [30.0, -90.0])
    np.testing.assert_allclose(arrays.vx_mps, [3.0, 0.0])
    np.testing.assert_allclose(arrays.vy_mps, [-4.0, 1.2])
    np.testing.assert_allclose(arrays.length_m, [4.8, 0.5])
    np.testing.assert_allclose(arrays.width_m, [1.8, 0.6])


def test_actors_skip_dead_actors_and_empty_world_gives_empty_arrays():
    dead = FakeVehicle(5, "vehicle.audi.tt", transform(1.0, 1.0))
    dead.is_alive = False
    arrays = make_view(FakeEpisode.of([make_hero(), dead])).actors()
    assert len(arrays) == 0
    assert arrays.ids.dtype == np.int64


def test_hero_state_full_sizes_velocity_and_yaw_rate():
    hero = make_hero()
    hero.acceleration = carla.Vector3D(0.5, -0.25, 0.0)
    hero.angular_velocity = carla.Vector3D(0.0, 0.0, 12.0)
    state = make_view(FakeEpisode.of([hero])).hero()

    assert state.id == 1
    assert (state.x_m, state.y_m, state.yaw_deg) == pytest.approx((50.0, WEST_LANE_Y, 180.0))
    assert (state.length_m, state.width_m, state.height_m) == pytest.approx((4.9, 2.1, 1.5))
    assert state.speed_mps == pytest.approx(5.0)
    assert (state.ax_mps2, state.ay_mps2, state.yaw_rate_dps) == pytest.approx((0.5, -0.25, 12.0))
    assert state.type_id == "vehicle.lincoln.mkz_2020"


def test_hero_found_by_role_name_when_provider_has_no_hero_lookup():
    episode = FakeEpisode.of([FakeVehicle(3, "vehicle.audi.tt", transform(0, 0)), make_hero()])
    view = CarlaWorldView([], provider=ProviderWithoutAllActors(episode.provider), clock=episode.clock)
    assert view.hero().id == 1
    assert view.actors().ids.tolist() == [3]
    assert episode.world.calls["get_actors"] == 1  # the world's list stands in for get_all_actors


def test_missing_hero_raises():
    view = make_view(FakeEpisode.of([FakeVehicle(3, "vehicle.audi.tt", transform(0, 0))]))
    with pytest.raises(RuntimeError, match="role_name 'hero'"):
        view.hero()


# ------------------------------------------------------------------ traffic lights


def test_rotated_light_trigger_volume_in_world_frame():
    # Light at (100, 50) facing yaw 90 (south, CARLA's y grows southward); trigger 2 m ahead and
    # 1 m to its right in its own frame, turned a further 10 deg. Rotating (2, 1) by 90 deg
    # clockwise-from-above gives (-1, 2): centre (99, 52), yaw 100, full sizes 6 x 3.
    light = FakeTrafficLight(40, transform(100.0, 50.0, 90.0), box(3.0, 1.5, 1.0, x=2.0, y=1.0, yaw=10.0), [])
    (info,) = make_view(FakeEpisode.of([make_hero(), light])).traffic_lights()

    assert info.trigger.center.x_m == pytest.approx(99.0, abs=1e-4)
    assert info.trigger.center.y_m == pytest.approx(52.0, abs=1e-4)
    assert info.trigger.center.yaw_deg == pytest.approx(100.0)
    assert (info.trigger.length_m, info.trigger.width_m) == pytest.approx((6.0, 3.0))
    assert info.location == Pose2D(100.0, 50.0, 90.0)


@pytest.mark.parametrize(
    ("carla_state", "expected"),
    [
        (carla.TrafficLightState.Red, LightState.RED),
        (carla.TrafficLightState.Yellow, LightState.YELLOW),
        (carla.TrafficLightState.Green, LightState.GREEN),
        (carla.TrafficLightState.Off, LightState.OFF),
        (carla.TrafficLightState.Unknown, LightState.OFF),
    ],
)
def test_light_state_mapping(carla_state, expected):
    light = FakeTrafficLight(40, transform(0, 0), box(1, 1), [], state=carla_state)
    (info,) = make_view(FakeEpisode.of([make_hero(), light])).traffic_lights()
    assert info.state is expected


def test_light_stop_line_lanes_and_junction_from_stop_waypoints(town):
    stop_wp = town.get_waypoint(carla.Location(6.5, WEST_LANE_Y, 0.0))
    light = FakeTrafficLight(40, transform(4.0, -6.0, 90.0), box(1.5, 1.5), [stop_wp])
    (info,) = make_view(FakeEpisode.of([make_hero(), light], town)).traffic_lights()

    assert info.lanes == (WEST_LANE,)
    (pose,) = info.stop_line
    assert (pose.x_m, pose.y_m) == pytest.approx((6.5, WEST_LANE_Y), abs=1e-3)
    assert abs(pose.yaw_deg) == pytest.approx(180.0)
    assert info.junction_id == 2


def test_light_junction_unknown_when_none_within_search(town):
    far_wp = town.get_waypoint(carla.Location(80.0, WEST_LANE_Y, 0.0))  # 74 m before junction 2
    light = FakeTrafficLight(40, transform(0, 0), box(1, 1), [far_wp])
    (info,) = make_view(FakeEpisode.of([make_hero(), light], town)).traffic_lights()
    assert info.junction_id == -1


# ------------------------------------------------------------------ stop signs


def test_stop_sign_trigger_lanes_and_stop_line(town):
    # Sign at (20, -6) facing yaw 90; its trigger, 4.325 m ahead and 10 m to its left and turned
    # -90 deg, lies on the westbound lane at (10, -1.675) along the road (world yaw 0).
    sign = FakeStopSign(60, transform(20.0, -6.0, 90.0), box(3.0, 1.2, 1.0, x=4.325, y=10.0, yaw=-90.0))
    (info,) = make_view(FakeEpisode.of([make_hero(), sign], town)).stop_signs()

    assert info.trigger.center.x_m == pytest.approx(10.0, abs=1e-4)
    assert info.trigger.center.y_m == pytest.approx(WEST_LANE_Y, abs=1e-4)
    assert info.trigger.center.yaw_deg == pytest.approx(0.0)
    assert info.lanes == (WEST_LANE,)  # not the eastbound lane 3.35 m beside it
    (pose,) = info.stop_line
    assert JUNCTION_2_ENTRY_X < pose.x_m <= JUNCTION_2_ENTRY_X + 0.5 + 1e-6
    assert pose.y_m == pytest.approx(WEST_LANE_Y, abs=1e-3)
    assert info.location == Pose2D(20.0, -6.0, 90.0)


def test_stop_sign_across_both_lanes_governs_both(town):
    sign = FakeStopSign(61, transform(50.0, 0.0, 0.0), box(1.0, 3.0, 1.0))  # 2 m x 6 m across the road
    (info,) = make_view(FakeEpisode.of([make_hero(), sign], town)).stop_signs()
    assert sorted(info.lanes) == sorted([WEST_LANE, EAST_LANE])


# ------------------------------------------------------------------ speed limit, route, time


def test_speed_limit_converted_from_kmh():
    view = make_view(FakeEpisode.of([make_hero(speed_limit_kmh=36.0)]))
    assert view.speed_limit_mps() == pytest.approx(10.0)


class AgentsRoadOption(enum.IntEnum):
    """Stands in for agents.navigation.local_planner.RoadOption (same numbering)."""

    LEFT = 1
    CHANGELANERIGHT = 6


def test_route_from_global_plan_and_view_route():
    plan = [(transform(1.0, 2.0, 90.0, z=0.5), AgentsRoadOption.LEFT), (transform(1.0, 3.0, 90.0), 6)]
    route = route_from_global_plan(plan)
    assert route == [
        RoutePoint(1.0, 2.0, 0.5, 90.0, RoadOption.LEFT),
        RoutePoint(1.0, 3.0, 0.0, 90.0, RoadOption.CHANGELANERIGHT),
    ]
    view = make_view(FakeEpisode.of([make_hero()]), route)
    assert view.route() == route
    view.route().clear()
    assert len(view.route()) == 2
    with pytest.raises(ValueError, match="not a RoadOption"):
        route_from_global_plan([(transform(0, 0), 42)])


def test_time_and_frame_start_at_first_tick_after_construction():
    episode = FakeEpisode.of([make_hero()])
    episode.clock.time_s, episode.clock.frame = 321.0, 999  # GameTime still holds the previous route
    view = make_view(episode)
    assert (view.game_time_s, view.frame) == (0.0, 0)

    episode.clock.time_s = 0.0  # the leaderboard restarts GameTime, then ticks
    episode.tick()
    assert (view.game_time_s, view.frame) == (0.0, 0)
    episode.tick()
    episode.tick()
    assert view.game_time_s == pytest.approx(0.1)
    assert view.frame == 2


def test_explicit_route_start():
    episode = FakeEpisode.of([make_hero()])
    episode.clock.time_s, episode.clock.frame = 2.0, 1040
    view = make_view(episode, route_start=(1.5, 1030))
    assert view.game_time_s == pytest.approx(0.5)
    assert view.frame == 10


# ------------------------------------------------------------------ caching


def test_per_tick_data_read_once_per_tick_and_static_data_once(town):
    car = FakeVehicle(7, "vehicle.tesla.model3", transform(10.0, 20.0), bounding_box=box(2.4, 0.9, 0.7))
    stop_wp = town.get_waypoint(carla.Location(6.5, WEST_LANE_Y, 0.0))
    light = FakeTrafficLight(40, transform(0, 0), box(1, 1), [stop_wp])
    hero = make_hero()
    episode = FakeEpisode.of([hero, car, light], town)
    view = make_view(episode)

    for _ in range(3):
        view.actors()
        view.hero()
        view.traffic_lights()
        view.speed_limit_mps()
    assert car.calls["get_transform"] == 1
    assert car.calls["get_velocity"] == 1
    assert hero.calls["get_transform"] == 1
    assert hero.calls["get_speed_limit"] == 1
    assert light.calls["get_state"] == 1
    assert episode.provider.calls["get_all_actors"] == 1

    car.pose = transform(11.0, 20.0)
    light.state = carla.TrafficLightState.Green
    episode.tick()
    assert view.actors().x_m.tolist() == [11.0]
    assert view.traffic_lights()[0].state is LightState.GREEN
    assert car.calls["get_transform"] == 2
    assert light.calls["get_state"] == 2
    assert episode.provider.calls["get_all_actors"] == 2
    # static per episode: boxes and light geometry are read once, whatever the ticks
    assert car.calls["bounding_box"] == 1
    assert hero.calls["bounding_box"] == 1
    assert light.calls["get_stop_waypoints"] == 1


def test_returned_lists_do_not_alias_the_cache():
    light = FakeTrafficLight(40, transform(0, 0), box(1, 1), [])
    view = make_view(FakeEpisode.of([make_hero(), light]))
    view.traffic_lights().clear()
    view.stop_signs().append(None)
    assert len(view.traffic_lights()) == 1
    assert view.stop_signs() == []


# ------------------------------------------------------------------ construction


def test_satisfies_world_view_protocol():
    assert isinstance(make_view(FakeEpisode.of([make_hero()])), WorldView)


def test_missing_scenario_runner_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "srunner", None)  # makes `import srunner...` raise ImportError
    with pytest.raises(ImportError) as excinfo:
        CarlaWorldView([])
    assert str(excinfo.value) == SCENARIO_RUNNER_MISSING
    assert "scenario_runner on PYTHONPATH" in SCENARIO_RUNNER_MISSING


def test_provider_without_world_raises():
    episode = FakeEpisode.of([])
    episode.provider.world = None
    with pytest.raises(RuntimeError, match="no world yet"):
        make_view(episode)
