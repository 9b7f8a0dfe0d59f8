"""GPS conversion: the leaderboard's formula, its inverse, the map reference, the GPS plan."""

from __future__ import annotations

import math

import carla
import pytest

from leaderboard_adapter.autoagents.gps import (
    EARTH_RADIUS_EQUA_M,
    GeoReference,
    build_global_plan,
    gps_to_location,
    location_to_gps,
)
from leaderboard_adapter.routes.road_option import RoadOption


def test_known_value_at_default_reference():
    gps = location_to_gps(carla.Location(1000.0, -1000.0, 3.0), GeoReference())
    # 1 km east: lon = lon_ref + x * 180 / (pi * R * cos(lat_ref)); 1 km north (y = -1000): Mercator
    assert gps["lon"] == pytest.approx(2.0 + 1000.0 * 180.0 / (math.pi * EARTH_RADIUS_EQUA_M * math.cos(math.radians(42))))
    assert gps["lon"] == pytest.approx(2.012088024478169, abs=1e-12)
    assert gps["lat"] == pytest.approx(42.00898251875671, abs=1e-12)
    assert gps["z"] == 3.0


def test_world_origin_maps_to_the_reference():
    gps = location_to_gps(carla.Location(0.0, 0.0, 0.0), GeoReference(49.0, 8.0))
    assert gps["lat"] == pytest.approx(49.0, abs=1e-12) and gps["lon"] == pytest.approx(8.0, abs=1e-12)


@pytest.mark.parametrize("xyz", [(0.0, 0.0, 0.0), (123.4, -567.8, 2.5), (-3000.0, 2500.0, -1.0)])
def test_round_trip_is_exact_to_a_millimetre(xyz):
    geo = GeoReference(49.0, 8.0)
    gps = location_to_gps(carla.Location(*xyz), geo)
    back = gps_to_location(gps["lat"], gps["lon"], gps["z"], geo)
    assert (back.x, back.y, back.z) == pytest.approx(xyz, abs=1e-3)


def test_reference_read_from_opendrive_header(xodr):
    assert GeoReference.from_opendrive(xodr) == GeoReference(49.0, 8.0)
    assert GeoReference.from_opendrive("<OpenDRIVE><header/></OpenDRIVE>") == GeoReference(42.0, 2.0)


def test_reference_read_from_fixture_town_without_lat_lon_uses_default():
    from pathlib import Path

    xodr = (Path(__file__).parents[1] / "fixtures/towns/grid4x4_lights.xodr").read_text()
    assert GeoReference.from_opendrive(xodr) == GeoReference(42.0, 2.0)


def test_invalid_opendrive_names_the_problem():
    with pytest.raises(ValueError, match="not valid XML"):
        GeoReference.from_opendrive("<OpenDRIVE><header>")


def test_build_global_plan_pairs_gps_and_world(route_along):
    route = route_along([(0, 0), (10, 0)], [RoadOption.LEFT])
    gps_plan, world_plan = build_global_plan(route, GeoReference(49.0, 8.0))
    assert len(gps_plan) == len(world_plan) == 11
    assert world_plan[3][0] is route[3][0] and world_plan[3][1] is RoadOption.LEFT
    assert gps_plan[10][0] == location_to_gps(route[10][0].location, GeoReference(49.0, 8.0))
    assert gps_plan[10][1] is RoadOption.LEFT


def test_build_global_plan_converts_options_by_name(route_along):
    import enum

    class OtherOption(enum.Enum):
        LEFT = 1
        LANEFOLLOW = 4

    gps_plan, world_plan = build_global_plan(route_along([(0, 0), (2, 0)], [RoadOption.LEFT]), GeoReference(), OtherOption)
    assert gps_plan[0][1] is OtherOption.LEFT and world_plan[2][1] is OtherOption.LEFT


def test_build_global_plan_rejects_non_transform():
    with pytest.raises(TypeError, match=r"dense_route\[0\]\[0\] must be a carla.Transform"):
        build_global_plan([(carla.Location(), RoadOption.LEFT)], GeoReference())
