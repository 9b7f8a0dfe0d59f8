"""The observation dict: exactly the documented keys, plain JSON types, 3-decimal floats, a lossless json round trip."""

from __future__ import annotations

import json
import math

import carla
import pytest
from observation_helpers import drive, smoke_world

from leaderboard_adapter.observation import (
    ACTOR_KEYS,
    EGO_KEYS,
    LIGHT_STATES,
    OBSERVATION_KEYS,
    OBSERVATION_SCHEMA_VERSION,
    ROAD_OPTIONS,
    ROUTE_KEYS,
    ROUTE_POINT_KEYS,
    ROUTE_POINTS,
    SIGNAL_CLEARANCE_M,
    SIGNAL_HORIZON_M,
    STOP_SIGN_KEYS,
    TRAFFIC_LIGHT_KEYS,
    ObservationBuilder,
)


def _is_float(v) -> bool:
    """A Python float, rounded to 3 decimals, never -0.0."""
    return type(v) is float and round(v, 3) == v and not (v == 0.0 and math.copysign(1.0, v) < 0.0)


def _check_actor(a: dict) -> None:
    assert tuple(a) == ACTOR_KEYS
    assert type(a["id"]) is int
    assert all(_is_float(a[k]) for k in ACTOR_KEYS if k != "id")
    assert -180.0 < a["heading_deg"] <= 180.0
    assert a["speed_mps"] >= 0.0 and a["length_m"] > 0.0 and a["width_m"] > 0.0


def check_observation(obs: dict) -> None:
    """Assert the documented structure and types of one observation."""
    assert tuple(obs) == OBSERVATION_KEYS
    assert obs["schema_version"] == OBSERVATION_SCHEMA_VERSION and type(obs["schema_version"]) is int
    assert _is_float(obs["time_s"])
    ego = obs["ego"]
    assert tuple(ego) == EGO_KEYS and all(_is_float(ego[k]) for k in EGO_KEYS)
    assert -180.0 < ego["yaw_deg"] <= 180.0 and ego["speed_mps"] >= 0.0
    route = obs["route"]
    assert tuple(route) == ROUTE_KEYS
    assert 1 <= len(route["points"]) <= ROUTE_POINTS
    for p in route["points"]:
        assert tuple(p) == ROUTE_POINT_KEYS
        assert _is_float(p["x_m"]) and _is_float(p["y_m"]) and _is_float(p["distance_m"])
        assert p["road_option"] in ROAD_OPTIONS and type(p["in_junction"]) is bool
    assert _is_float(route["distance_to_end_m"]) and _is_float(route["speed_limit_mps"])
    assert type(route["in_junction"]) is bool and type(route["junction_ahead"]) is bool
    assert route["junction_ahead"] == (route["distance_to_junction_m"] is not None)
    assert route["distance_to_junction_m"] is None or _is_float(route["distance_to_junction_m"])
    for key in ("vehicles", "pedestrians"):
        assert type(obs[key]) is list
        for a in obs[key]:
            _check_actor(a)
    ego_length = ego["length_m"]  # a line stays reported until the rear is SIGNAL_CLEARANCE_M past it
    light = obs["traffic_light"]
    if light is not None:
        assert tuple(light) == TRAFFIC_LIGHT_KEYS and type(light["id"]) is int
        assert light["state"] in LIGHT_STATES and _is_float(light["distance_m"])
        assert -(ego_length + SIGNAL_CLEARANCE_M) <= light["distance_m"] <= SIGNAL_HORIZON_M
    stop = obs["stop_sign"]
    if stop is not None:
        assert tuple(stop) == STOP_SIGN_KEYS and type(stop["id"]) is int
        assert (
            _is_float(stop["distance_m"])
            and -(ego_length + SIGNAL_CLEARANCE_M) <= stop["distance_m"] <= SIGNAL_HORIZON_M
            and type(stop["completed_stop"]) is bool
        )


@pytest.mark.parametrize("route_id", [0, 1])
def test_every_observation_of_a_drive_has_the_documented_schema(route_id: int) -> None:
    world = smoke_world(route_id, vehicles=40, walkers=30, seed=2)
    builder = ObservationBuilder(world)
    seen = drive(world, builder, lambda obs: 8.0, max_ticks=400)
    for obs in seen[::10]:
        check_observation(obs)
        text = json.dumps(obs, allow_nan=False)
        assert json.loads(text) == obs
    assert any(obs["vehicles"] or obs["pedestrians"] for obs in seen)
    assert any(obs["traffic_light"] or obs["stop_sign"] for obs in seen)


def test_first_observation_at_spawn() -> None:
    world = smoke_world(0)
    obs = ObservationBuilder(world).build(world)
    check_observation(obs)
    assert obs["time_s"] == 0.0
    assert obs["ego"]["speed_mps"] == 0.0
    assert (obs["ego"]["length_m"], obs["ego"]["width_m"]) == (4.9, 2.12)
    assert len(obs["route"]["points"]) == ROUTE_POINTS
    assert obs["route"]["speed_limit_mps"] == round(world.speed_limit_mps(), 3)


def test_time_follows_the_simulation_clock() -> None:
    world = smoke_world(1)
    builder = ObservationBuilder(world)
    for _ in range(7):
        world.tick(carla.VehicleControl())
    assert builder.build(world)["time_s"] == pytest.approx(0.35)
