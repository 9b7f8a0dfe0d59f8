"""Each infraction kind, provoked by the misbehaving test agent in the embedded world, is detected and scored."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from evaluator_helpers import MISBEHAVING

from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.embedded.world import EmbeddedWorld
from leaderboard_adapter.evaluator.planned_run import PlannedRun, plan_runs
from leaderboard_adapter.evaluator.route_runner import AgentSpec, RouteOutcome, run_route
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.scoring import InfractionType, RouteEnding, build_route_record, scheme_for_version
from leaderboard_adapter.world_view import LightState

EMPTY = WorldConfig().with_counts(0, 0)
EXPERT_AGENT = Path(__file__).resolve().parents[2] / "agents" / "expert_agent.py"


@pytest.fixture(scope="module")
def smoke() -> list[PlannedRun]:
    """Route 0: EmbeddedGrid, through a signalised junction then left; route 1: EmbeddedStops, through a stop."""
    return plan_runs(resolve_routes("embedded_smoke"), "", 1, None, None)


def drive(run: PlannedRun, config_path: str, world: WorldConfig = EMPTY, version: str = "2.1", prepare=None) -> RouteOutcome:
    agent = AgentSpec(MISBEHAVING, config_path, version, "MAP")
    return run_route(agent, run.town, run.points, world, 7, version, prepare_world=prepare)


def kinds(outcome: RouteOutcome) -> list[InfractionType]:
    return [event.type for event in outcome.events]


def penalty(outcome: RouteOutcome, version: str = "2.1") -> float:
    record = build_route_record(
        index=0, route_id="RouteScenario_0_rep0", events=outcome.events,
        route_completion=100 if outcome.target_reached else outcome.route_completion_percent,
        ending=outcome.ending, route_length_m=outcome.route_length_m, duration_game_s=outcome.duration_game_s,
        duration_system_s=outcome.duration_system_s, penalties=scheme_for_version(version),
    )
    return record.infraction_penalty


def freeze_lights(state: LightState):
    def prepare(world: EmbeddedWorld) -> None:
        for light in world.traffic_lights():
            world.freeze_light(light.id, state)

    return prepare


def test_red_light_run_is_an_infraction_and_green_is_not(smoke, misbehaviour) -> None:
    config = misbehaviour("reckless")
    red = drive(smoke[0], config, prepare=freeze_lights(LightState.RED))
    green = drive(smoke[0], config, prepare=freeze_lights(LightState.GREEN))
    assert InfractionType.TRAFFIC_LIGHT_INFRACTION in kinds(red)
    assert InfractionType.TRAFFIC_LIGHT_INFRACTION not in kinds(green)
    runs = kinds(red).count(InfractionType.TRAFFIC_LIGHT_INFRACTION)
    assert penalty(red) < penalty(green)
    assert all("ran a red light" in e.message for e in red.events if e.type is InfractionType.TRAFFIC_LIGHT_INFRACTION)
    assert runs >= 1


def test_running_a_stop_sign_is_an_infraction(smoke, misbehaviour) -> None:
    outcome = drive(smoke[1], misbehaviour("reckless"))
    stops = [e for e in outcome.events if e.type is InfractionType.STOP_INFRACTION]
    assert stops and all(e.message.startswith("Agent ran a stop with id=") for e in stops)
    assert penalty(outcome) <= 1 / (1 + 0.25 * len(stops)) + 1e-6  # the record rounds to 6 digits


def test_running_a_stop_sign_is_an_infraction_under_leaderboard_1_0(smoke, misbehaviour) -> None:
    """1.0's RunningStopTest needs the car inside the sign's box: the box over the lane, not around the post."""
    reckless = drive(smoke[1], misbehaviour("reckless"), version="1.0")
    stops = [e for e in reckless.events if e.type is InfractionType.STOP_INFRACTION]
    assert stops and all(e.message.startswith("Agent ran a stop with id=") for e in stops)
    expert = AgentSpec(EXPERT_AGENT, "", "1.0", "MAP")  # it stops at stop signs
    careful = run_route(expert, smoke[1].town, smoke[1].points, EMPTY, 7, "1.0")
    assert careful.target_reached
    assert InfractionType.STOP_INFRACTION not in kinds(careful)


def test_hitting_a_stopped_vehicle_is_a_vehicle_collision(smoke, misbehaviour) -> None:
    run = smoke[0]
    ahead = run.points[60]

    def park_a_car(world: EmbeddedWorld) -> None:
        segment, s = run.town.lane_graph.nearest_segment(ahead.x_m, ahead.y_m, ahead.yaw_deg)
        world.spawn_vehicle(segment, s, speed_mps=0.0, speed_factor=0.0)

    outcome = drive(run, misbehaviour("reckless"), prepare=park_a_car)
    collisions = [e for e in outcome.events if e.type is InfractionType.COLLISION_VEHICLE]
    assert len(collisions) == 1
    assert abs(collisions[0].x_m - ahead.x_m) + abs(collisions[0].y_m - ahead.y_m) < 10.0
    # 2.1's additive scheme: IP = outside factor / (1 + sum), a vehicle collision adds 0.7 to the sum
    without = dataclasses.replace(outcome, events=tuple(e for e in outcome.events if e not in collisions))
    outside = 1.0
    for e in outcome.events:
        if e.type is InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION:
            outside *= 1 - e.details["percentage"] / 100
    assert 1 / penalty(outcome) - 1 / penalty(without) == pytest.approx(0.7 / outside, rel=1e-3)


def test_swerving_off_the_road_hits_the_layout_leaves_the_lanes_and_deviates(smoke, misbehaviour) -> None:
    outcome = drive(smoke[0], misbehaviour("swerve"))
    found = kinds(outcome)
    assert InfractionType.COLLISION_STATIC in found
    assert InfractionType.OUTSIDE_ROUTE_LANES_INFRACTION in found
    assert outcome.ending in (RouteEnding.DEVIATED, RouteEnding.BLOCKED)
    assert outcome.route_completion_percent < 50.0


def test_standing_still_gets_blocked_after_180_s(smoke, misbehaviour) -> None:
    outcome = drive(smoke[0], misbehaviour("stand_still"))
    assert outcome.ending is RouteEnding.BLOCKED
    assert InfractionType.VEHICLE_BLOCKED in kinds(outcome)
    assert 180.0 < outcome.duration_game_s < 181.0


def test_crawling_times_out_under_leaderboard_1_0(smoke, misbehaviour) -> None:
    outcome = drive(smoke[1], misbehaviour("crawl"), version="1.0")
    assert outcome.ending is RouteEnding.ROUTE_TIMEOUT
    limit_s = int(0.8 * outcome.route_length_m + 5)
    assert limit_s < outcome.duration_game_s < limit_s + 1.0


@pytest.mark.slow
def test_crawling_among_traffic_is_a_min_speed_infraction(smoke, misbehaviour) -> None:
    outcome = drive(smoke[0], misbehaviour("crawl"), world=WorldConfig(vehicle_count=40, walker_count=0))
    slow = [e for e in outcome.events if e.type is InfractionType.MIN_SPEED_INFRACTION]
    assert slow and all(e.details["percentage"] < 50.0 for e in slow)
    assert penalty(outcome) < 1.0


def test_reckless_driving_hits_pedestrians_crossing_ahead(smoke, misbehaviour) -> None:
    outcome = drive(smoke[0], misbehaviour("reckless"), world=WorldConfig(vehicle_count=0, walker_count=0))
    assert InfractionType.COLLISION_PEDESTRIAN in kinds(outcome)


def test_end_of_route_events_are_scored_once(smoke) -> None:
    """The last min-speed quarter, closed when the route ends, is one event (it was counted twice)."""
    run = smoke[1]
    world = WorldConfig()
    agent = AgentSpec(Path(__file__).resolve().parents[2] / "agents" / "langprop_agent.py", "", "2.1", "MAP")
    outcome = run_route(agent, run.town, run.points, world, run.run_info(0, "2.1", world).world_seed, "2.1")
    slow = [e for e in outcome.events if e.type is InfractionType.MIN_SPEED_INFRACTION]
    quarters = [e.details["quarter"] for e in slow]
    assert outcome.target_reached and 4.0 in quarters  # the baseline is slower than the traffic at the end
    assert len(quarters) == len(set(quarters))
    assert len({id(e) for e in outcome.events}) == len(outcome.events)
