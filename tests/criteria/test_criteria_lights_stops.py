"""Red lights and stop signs: the infraction in a constructed scene, and none in its clean counterpart."""

from __future__ import annotations

import pytest
from scripted_world_view import ScriptedWorldView, drive, run, straight_route

from leaderboard_adapter.criteria import RouteCriteria
from leaderboard_adapter.scoring.infractions import InfractionType
from leaderboard_adapter.world_view import LightState, Pose2D, StopSignInfo, TrafficLightInfo, TriggerVolume

LANE_Y = 1.675
STOP_LINE_X = 92.0  # last waypoint of road 184 lane -1 before junction at x = 100


@pytest.fixture(scope="module")
def route(town_map):
    return straight_route(town_map, (60.0, LANE_Y), 70.0)  # crosses the junction at x = 100


def light(state: LightState) -> TrafficLightInfo:
    return TrafficLightInfo(
        id=77,
        state=state,
        junction_id=1,
        stop_line=(Pose2D(STOP_LINE_X, LANE_Y, 0.0),),
        lanes=((184, -1),),
        trigger=TriggerVolume(Pose2D(90.0, LANE_Y, 0.0), 4.0, 3.35),
        location=Pose2D(93.0, 5.0, 0.0),
    )


def events_of(results, kind):
    return [e for r in results for e in r.events if e.type is kind]


@pytest.mark.parametrize("version", ["1.0", "2.x"])
def test_running_a_red_light_is_one_event_with_the_leaderboard_message(town_map, route, version):
    hero = drive(route, [6.0] * 400, s0_m=10.0)  # from x = 70 through the junction
    view = ScriptedWorldView(town_map, route, hero, lights_at=[light(LightState.RED)])
    results, _ = run(RouteCriteria(route, town_map, version), view)
    (event,) = events_of(results, InfractionType.TRAFFIC_LIGHT_INFRACTION)
    assert event.message == "Agent ran a red light 77 at (x=93.0, y=5.0, z=0.0)"
    assert event.actor_id == 77
    hero_x = view.hero_states[event.frame].x_m
    assert STOP_LINE_X + 0.8 * 2.45 <= hero_x <= STOP_LINE_X + 3.45 + 0.3  # the tail crosses the line


def test_green_light_is_no_event(town_map, route):
    hero = drive(route, [6.0] * 400, s0_m=10.0)
    view = ScriptedWorldView(town_map, route, hero, lights_at=[light(LightState.GREEN)])
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    assert events_of(results, InfractionType.TRAFFIC_LIGHT_INFRACTION) == []


def test_light_turning_green_while_waiting_is_no_event(town_map, route):
    # Stop before the line (front at about 91 m), wait for green, go.
    speeds = [6.0] * 33 + [0.0] * 67 + [6.0] * 200  # x = 78.5 -> 88.4 (front at 90.9), wait, go
    hero = drive(route, speeds, s0_m=18.5)
    states = {i: light(LightState.RED if i < 100 else LightState.GREEN) for i in range(len(speeds))}
    view = ScriptedWorldView(town_map, route, hero, lights_at=lambda t: [states[t]])
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    assert events_of(results, InfractionType.TRAFFIC_LIGHT_INFRACTION) == []


def stop_sign(sign_at_trigger: bool = True) -> StopSignInfo:
    centre = Pose2D(88.0, LANE_Y, 0.0)
    return StopSignInfo(
        id=55,
        stop_line=(Pose2D(STOP_LINE_X, LANE_Y, 0.0),),
        lanes=((184, -1),),
        trigger=TriggerVolume(centre, 3.0, 3.0),
        location=centre if sign_at_trigger else Pose2D(88.0, LANE_Y + 2.6, 0.0),
    )


@pytest.mark.parametrize("version", ["1.0", "2.x"])
def test_driving_through_a_stop_is_one_event_with_the_leaderboard_message(town_map, route, version):
    hero = drive(route, [5.0] * 200, s0_m=10.0)
    view = ScriptedWorldView(town_map, route, hero, stops=[stop_sign()])
    results, _ = run(RouteCriteria(route, town_map, version), view)
    (event,) = events_of(results, InfractionType.STOP_INFRACTION)
    assert event.message == f"Agent ran a stop with id=55 at (x=88.0, y={round(LANE_Y, 3)}, z=0.0)"


@pytest.mark.parametrize("version", ["1.0", "2.x"])
def test_stopping_at_the_stop_then_going_is_no_event(town_map, route, version):
    # 60 ticks at 5 m/s from x = 72 bring the hero to x = 87, inside the stop's area; stop 1 s; go.
    speeds = [5.0] * 60 + [0.0] * 20 + [5.0] * 120
    hero = drive(route, speeds, s0_m=12.0)
    view = ScriptedWorldView(town_map, route, hero, stops=[stop_sign()])
    results, _ = run(RouteCriteria(route, town_map, version), view)
    assert events_of(results, InfractionType.STOP_INFRACTION) == []


def test_stop_rolling_at_0_2_mps_is_still_an_event(town_map, route):
    speeds = [5.0] * 60 + [0.2] * 20 + [5.0] * 120
    hero = drive(route, speeds, s0_m=12.0)
    view = ScriptedWorldView(town_map, route, hero, stops=[stop_sign()])
    results, _ = run(RouteCriteria(route, town_map, "2.x"), view)
    assert len(events_of(results, InfractionType.STOP_INFRACTION)) == 1


@pytest.mark.parametrize("version", ["1.0", "2.x"])
def test_a_sign_beside_the_road_still_catches_a_hero_running_it(town_map, route, version):
    # The sign's post 2.6 m off the lane, as the embedded world places CARLA's landmarks: the hero in
    # its lane never comes near the post, yet running the stop is an infraction (1.0 used to miss it).
    hero = drive(route, [5.0] * 200, s0_m=10.0)
    view = ScriptedWorldView(town_map, route, hero, stops=[stop_sign(sign_at_trigger=False)])
    results, _ = run(RouteCriteria(route, town_map, version), view)
    (event,) = events_of(results, InfractionType.STOP_INFRACTION)
    assert event.message == "Agent ran a stop with id=55 at (x=88.0, y=4.275, z=0.0)"  # at the sign


@pytest.mark.parametrize("version", ["1.0", "2.x"])
def test_a_sign_beside_the_road_is_no_event_when_the_hero_stops(town_map, route, version):
    speeds = [5.0] * 60 + [0.0] * 20 + [5.0] * 120
    hero = drive(route, speeds, s0_m=12.0)
    view = ScriptedWorldView(town_map, route, hero, stops=[stop_sign(sign_at_trigger=False)])
    results, _ = run(RouteCriteria(route, town_map, version), view)
    assert events_of(results, InfractionType.STOP_INFRACTION) == []
