"""The observation over the live-CARLA WorldView (CarlaWorldView on the carla_world tests' provider test double).

The builder reads only the WorldView protocol, so a route, a light and a car given the way
a CARLA server gives them (waypoints, `get_stop_waypoints()`, actors) must come out as on the
embedded world.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import carla
import pytest

from leaderboard_adapter.carla_world import CarlaWorldView
from leaderboard_adapter.observation import ObservationBuilder
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint

TESTS = Path(__file__).resolve().parents[1]
TOWN = TESTS / "fixtures" / "towns" / "grid4x4_lights.xodr"
# In this town road 160 lane -1 runs west (CARLA yaw 180) along y = -1.675 into junction 2,
# which starts at x = 6.16 (see tests/carla_world/test_carla_world_view.py).
WEST_LANE_Y = -1.675
JUNCTION_ENTRY_X = 6.16
STOP_LINE_X = 6.5


def _load_provider_double():
    """tests/carla_world/fake_carla_provider.py, loaded under a name of its own."""
    name = "observation_fake_carla_provider"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TESTS / "carla_world" / "fake_carla_provider.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


fake = _load_provider_double()


@pytest.fixture(scope="module")
def town() -> carla.Map:
    return carla.Map("grid4x4_lights", TOWN.read_text())


def _route(town: carla.Map) -> list[RoutePoint]:
    """100 m of lane from x = 80 westwards, through junction 2, at 1 m (as the leaderboard's dense plan)."""
    wp = town.get_waypoint(carla.Location(80.0, WEST_LANE_Y, 0.0))
    points = []
    for _ in range(100):
        t = wp.transform
        option = RoadOption.STRAIGHT if wp.is_junction else RoadOption.LANEFOLLOW
        points.append(RoutePoint(t.location.x, t.location.y, t.location.z, t.rotation.yaw, option))
        wp = wp.next(1.0)[0]
    return points


def test_light_junction_and_car_ahead_over_the_carla_view(town: carla.Map) -> None:
    hero = fake.FakeVehicle(
        1,
        "vehicle.lincoln.mkz_2020",
        fake.transform(50.0, WEST_LANE_Y, 180.0),
        velocity=carla.Vector3D(-5.0, 0.0, 0.0),
        bounding_box=fake.box(2.45, 1.06, 0.75),
        role_name="hero",
        speed_limit_kmh=36.0,
    )
    car = fake.FakeVehicle(
        7, "vehicle.tesla.model3", fake.transform(40.0, WEST_LANE_Y, 180.0), bounding_box=fake.box(2.4, 0.9)
    )
    stop_wp = town.get_waypoint(carla.Location(STOP_LINE_X, WEST_LANE_Y, 0.0))
    light = fake.FakeTrafficLight(40, fake.transform(4.0, -6.0, 90.0), fake.box(1.5, 1.5), [stop_wp])
    episode = fake.FakeEpisode.of([hero, car, light], town)
    route = _route(town)
    length_m = sum(math.dist((a.x_m, a.y_m), (b.x_m, b.y_m)) for a, b in zip(route, route[1:], strict=False))
    view = CarlaWorldView(route, provider=episode.provider, clock=episode.clock)
    builder = ObservationBuilder(view)
    assert [c.signal_id for c in builder.route_context.light_crossings] == [40]

    obs = builder.build(view)
    front_x = 50.0 - 2.45
    assert obs["ego"]["vx_mps"] == pytest.approx(5.0) and obs["ego"]["length_m"] == pytest.approx(4.9)
    assert obs["route"]["speed_limit_mps"] == pytest.approx(10.0)
    assert obs["route"]["distance_to_end_m"] == pytest.approx(length_m - 30.0, abs=0.05)
    (v,) = obs["vehicles"]
    assert (v["id"], v["x_m"], v["y_m"], v["heading_deg"], v["length_m"]) == pytest.approx(
        (7, 10.0, 0.0, 0.0, 4.8)
    )
    assert obs["traffic_light"] == {
        "id": 40,
        "state": "Red",
        "distance_m": pytest.approx(front_x - STOP_LINE_X, abs=0.05),
    }
    ahead = obs["route"]
    assert ahead["junction_ahead"] is True
    assert front_x - JUNCTION_ENTRY_X <= ahead["distance_to_junction_m"] <= front_x - JUNCTION_ENTRY_X + 1.0

    light.state = carla.TrafficLightState.Green
    hero.pose = fake.transform(20.0, WEST_LANE_Y, 180.0)
    episode.tick()
    obs = builder.build(view)
    assert obs["traffic_light"] == {
        "id": 40,
        "state": "Green",
        "distance_m": pytest.approx(20.0 - 2.45 - STOP_LINE_X, abs=0.05),
    }
    assert builder.progress_index == 60

    hero.pose = fake.transform(3.0, WEST_LANE_Y, 180.0)  # front bumper past the stop line, in the junction
    episode.tick()
    obs = builder.build(view)
    # still reported, behind the bumper (along the route, which bends in the junction), until the rear
    # is 1 m past the line
    assert obs["traffic_light"] == {
        "id": 40,
        "state": "Green",
        "distance_m": pytest.approx(3.0 - 2.45 - STOP_LINE_X, abs=0.3),
    }
    assert obs["route"]["in_junction"] is True and obs["route"]["junction_ahead"] is False
    hero.pose = fake.transform(0.0, WEST_LANE_Y, 180.0)  # rear 4 m past the line
    episode.tick()
    assert builder.build(view)["traffic_light"] is None
