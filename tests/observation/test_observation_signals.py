"""`traffic_light` and `stop_sign`: stop lines the route crosses, distances from the front bumper, completed stops."""

from __future__ import annotations

import math

import carla
import pytest
from observation_helpers import drive, follow_route, smoke_world, stop_at

from leaderboard_adapter.observation import SIGNAL_CLEARANCE_M, SIGNAL_HORIZON_M, ObservationBuilder
from leaderboard_adapter.world_view import LightState


def _bumper_to_line_m(world, pose) -> float:
    """Distance from the ego's front bumper to a stop-line pose along the pose's direction [m] (straight approach)."""
    hero = world.hero()
    yaw = math.radians(hero.yaw_deg)
    fx, fy = hero.x_m + 0.5 * hero.length_m * math.cos(yaw), hero.y_m + 0.5 * hero.length_m * math.sin(yaw)
    pyaw = math.radians(pose.yaw_deg)
    return (pose.x_m - fx) * math.cos(pyaw) + (pose.y_m - fy) * math.sin(pyaw)


def _stop_line_pose(infos, signal_id: int, route_context, crossing):
    """The pose of `signal_id` that the route crosses at `crossing`."""
    info = next(i for i in infos if i.id == signal_id)
    k = crossing.route_index
    return min(
        info.stop_line,
        key=lambda p: math.hypot(p.x_m - route_context.x_m[k], p.y_m - route_context.y_m[k]),
    )


def test_green_light_announced_at_60_m_counted_down_and_gone_once_the_ego_has_cleared_the_line() -> None:
    world = smoke_world(0)
    builder = ObservationBuilder(world)
    first = builder.route_context.light_crossings[0]
    world.freeze_light(first.signal_id, LightState.GREEN)
    pose = _stop_line_pose(world.traffic_lights(), first.signal_id, builder.route_context, first)
    seen = drive(world, builder, lambda o: 8.0, until=lambda o: builder.progress_m > first.s_m + 10.0)
    lights = [o["traffic_light"] for o in seen]
    assert lights[0] is None  # 64.5 m from the front bumper at spawn: beyond the 60 m horizon
    announced = [light for light in lights if light is not None]
    assert all(light["id"] == first.signal_id and light["state"] == "Green" for light in announced)
    distances = [light["distance_m"] for light in announced]
    assert SIGNAL_HORIZON_M - 1.0 < distances[0] <= SIGNAL_HORIZON_M
    # counted down through 0 to minus (ego length + clearance): the rear is 1 m past the line
    clear_m = seen[0]["ego"]["length_m"] + SIGNAL_CLEARANCE_M
    assert distances == sorted(distances, reverse=True)
    assert -clear_m <= distances[-1] < -clear_m + 0.5  # 0.4 m per tick at 8 m/s
    # one contiguous stretch, then None once the ego has cleared the line
    k = lights.index(announced[0])
    assert all(light is not None for light in lights[k : k + len(announced)])
    assert all(light is None for light in lights[k + len(announced) :])
    assert _bumper_to_line_m(world, pose) < -clear_m


def test_a_light_stays_reported_with_a_negative_distance_until_the_rear_is_past_the_line() -> None:
    """A stateless policy that creeps over the line must still see the red light it would run."""
    world = smoke_world(0)
    builder = ObservationBuilder(world)
    first = builder.route_context.light_crossings[0]
    world.freeze_light(first.signal_id, LightState.RED)
    pose = _stop_line_pose(world.traffic_lights(), first.signal_id, builder.route_context, first)
    length_m = world.hero().length_m
    passed = []  # (observed distance, geometric bumper-to-line distance) while the bumper is past the line
    obs = builder.build(world)
    for _ in range(800):
        world.tick(follow_route(obs, 2.0))
        obs = builder.build(world)
        geometric = _bumper_to_line_m(world, pose)
        if geometric < 0.0:
            passed.append((obs["traffic_light"], geometric))
        if geometric < -(length_m + SIGNAL_CLEARANCE_M + 2.0):
            break
    reported = [(light, g) for light, g in passed if light is not None]
    assert reported and all(light["id"] == first.signal_id and light["state"] == "Red" for light, _ in reported)
    # reported exactly while the rear (plus the clearance) has not cleared the line, at the true distance
    for light, geometric in passed:
        if geometric > -(length_m + SIGNAL_CLEARANCE_M) + 0.2:
            assert light is not None and light["distance_m"] == pytest.approx(geometric, abs=0.3)
            assert light["distance_m"] < 0.3
        elif geometric < -(length_m + SIGNAL_CLEARANCE_M) - 0.2:
            assert light is None
    assert any(light["distance_m"] < -length_m for light, _ in reported)


def test_red_light_state_and_distance_while_stopped_then_green() -> None:
    world = smoke_world(0)
    builder = ObservationBuilder(world)
    first = builder.route_context.light_crossings[0]
    world.freeze_light(first.signal_id, LightState.RED)
    pose = _stop_line_pose(world.traffic_lights(), first.signal_id, builder.route_context, first)

    def target(o) -> float:
        light = o["traffic_light"]
        return 8.0 if light is None else stop_at(light["distance_m"], 2.0)

    seen = drive(
        world,
        builder,
        target,
        max_ticks=600,
        until=lambda o: o["time_s"] > 5 and o["ego"]["speed_mps"] < 0.01,
    )
    obs = seen[-1]
    assert obs["ego"]["speed_mps"] < 0.01
    light = obs["traffic_light"]
    assert light["id"] == first.signal_id and light["state"] == "Red"
    assert light["distance_m"] == pytest.approx(_bumper_to_line_m(world, pose), abs=0.3)
    assert 0.5 < light["distance_m"] < 4.0
    world.freeze_light(first.signal_id, LightState.YELLOW)
    assert builder.build(world)["traffic_light"]["state"] == "Yellow"
    world.freeze_light(first.signal_id, LightState.GREEN)
    assert builder.build(world)["traffic_light"] == {**light, "state": "Green"}


def test_stop_sign_completed_only_after_stopping_within_4_m_of_the_line() -> None:
    world = smoke_world(1)
    builder = ObservationBuilder(world)
    (crossing,) = builder.route_context.stop_crossings
    pose = _stop_line_pose(world.stop_signs(), crossing.signal_id, builder.route_context, crossing)
    phase = {"short_of_m": 8.0, "waited": 0}

    def target(o) -> float:
        stop = o["stop_sign"]
        if stop is None or stop["completed_stop"]:
            return 8.0
        if o["ego"]["speed_mps"] < 0.01 and stop["distance_m"] < phase["short_of_m"] + 1.0:
            phase["waited"] += 1
            if phase["waited"] > 20:  # stopped a second 8 m short: creep up to 2 m before the line
                phase["short_of_m"] = 2.0
        return stop_at(stop["distance_m"], phase["short_of_m"])

    seen = drive(
        world, builder, target, max_ticks=2000, until=lambda o: builder.progress_m > crossing.s_m + 10.0
    )
    stops = [o["stop_sign"] for o in seen]
    announced = [(o, s) for o, s in zip(seen, stops, strict=True) if s is not None]
    assert announced and all(s["id"] == crossing.signal_id for _, s in announced)
    distances = [s["distance_m"] for _, s in announced]
    assert distances == sorted(distances, reverse=True)
    assert distances[0] <= SIGNAL_HORIZON_M
    # stopped about 8 m short (outside the 4 m zone): not completed
    early = [s for o, s in announced if o["ego"]["speed_mps"] < 0.1 and s["distance_m"] > 4.0]
    assert early and not any(s["completed_stop"] for s in early)
    # completed from the first tick stopped inside the zone, and stays so until the line is passed
    flags = [s["completed_stop"] for _, s in announced]
    k = flags.index(True)
    o, s = announced[k]
    assert o["ego"]["speed_mps"] < 0.1 and 0.0 <= s["distance_m"] <= 4.0
    assert all(flags[k:]) and not any(flags[:k])
    assert any(o["ego"]["speed_mps"] > 1.0 for o, _ in announced[k:])  # drove on towards the line
    assert stops[-1] is None and _bumper_to_line_m(world, pose) < 0.0
    assert crossing.signal_id in builder.stop_memory.completed_stop_ids


def test_rolling_through_a_stop_sign_is_never_completed() -> None:
    world = smoke_world(1)
    builder = ObservationBuilder(world)
    (crossing,) = builder.route_context.stop_crossings
    seen = drive(world, builder, lambda o: 2.0, until=lambda o: builder.progress_m > crossing.s_m + 5.0)
    stops = [o["stop_sign"] for o in seen if o["stop_sign"] is not None]
    assert stops and not any(s["completed_stop"] for s in stops)
    # reported past the line until the rear has cleared it, then gone
    clear_m = seen[0]["ego"]["length_m"] + SIGNAL_CLEARANCE_M
    assert -clear_m <= stops[-1]["distance_m"] < -clear_m + 0.2
    assert seen[-1]["stop_sign"] is None


def test_stop_sign_distance_matches_the_geometry_at_rest() -> None:
    world = smoke_world(1)
    builder = ObservationBuilder(world)
    (crossing,) = builder.route_context.stop_crossings
    pose = _stop_line_pose(world.stop_signs(), crossing.signal_id, builder.route_context, crossing)
    seen = drive(
        world,
        builder,
        lambda o: 8.0 if o["stop_sign"] is None else stop_at(o["stop_sign"]["distance_m"], 12.0),
        until=lambda o: o["stop_sign"] is not None and o["ego"]["speed_mps"] < 0.01,
    )
    stop = seen[-1]["stop_sign"]
    assert stop["distance_m"] == pytest.approx(_bumper_to_line_m(world, pose), abs=0.3)
    assert stop["completed_stop"] is False
    world.tick(carla.VehicleControl(brake=1.0))
    assert builder.build(world)["stop_sign"]["completed_stop"] is False
