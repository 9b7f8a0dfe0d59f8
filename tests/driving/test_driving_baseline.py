"""The hand-written baseline policy, run in the engine's sandbox: valid actions on built observations, its
rules on hand-built observations, and a closed loop through VehicleController in the embedded world."""

from __future__ import annotations

import math

import numpy as np
import pytest
from driving_helpers import (
    EMPTY,
    LIGHTS_ROUTE,
    ExpertDriver,
    PolicyAsExpert,
    actor_record,
    arc,
    built_observations,
    fast_sandbox,
    observation_double,
    pedestrian_record,
    route_points,
    smoke_run,
    smoke_world,
)

from langprop_driver.driving import BASELINE_POLICY_SOURCE, DRIVE_SPEC
from langprop_driver.engine import SandboxedPolicy, check_candidate
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES
from leaderboard_adapter.control import Action
from leaderboard_adapter.criteria.criteria_set import RouteStatus

LIMIT = 13.89
"""The hand-built observations' speed limit (50 km/h) [m/s]."""


@pytest.fixture(scope="module")
def policy() -> SandboxedPolicy:
    # every call is healthy: a generous limit that a loaded machine cannot race
    with SandboxedPolicy(BASELINE_POLICY_SOURCE, DRIVE_SPEC, fast_sandbox(call_timeout_s=60.0)) as sandboxed:
        yield sandboxed


def drive(policy: SandboxedPolicy, observation: dict) -> Action:
    return Action.from_dict(policy(observation))


def target(policy: SandboxedPolicy, **scene: object) -> float:
    """The baseline's target speed [m/s] on `observation_double(**scene)`."""
    return drive(policy, observation_double(**scene)).target_speed_mps


def test_it_is_a_labelled_hand_written_candidate_importing_only_math() -> None:
    assert "hand-written baseline, not llm output" in BASELINE_POLICY_SOURCE.lower()
    assert check_candidate(BASELINE_POLICY_SOURCE, DRIVE_SPEC, ("math",)) == []
    assert check_candidate(BASELINE_POLICY_SOURCE, DRIVE_SPEC, DEFAULT_ALLOWED_MODULES) == []


def test_valid_actions_on_observations_built_in_the_embedded_world(policy: SandboxedPolicy) -> None:
    observations = built_observations()
    results = policy.run_batch(list(observations))
    assert [r.error for r in results] == [None] * len(observations)
    for observation, result in zip(observations, results, strict=True):
        action = Action.from_dict(result.output)  # raises on anything but a valid action
        assert action.target_speed_mps <= observation["route"]["speed_limit_mps"]
        assert abs(action.steer_deg) <= 90.0
    assert any(Action.from_dict(r.output).target_speed_mps > 5.0 for r in results)  # it does drive


def test_it_cruises_at_the_limit_and_steers_towards_the_route(policy: SandboxedPolicy) -> None:
    assert drive(policy, observation_double(speed_mps=8.0)) == Action(LIMIT, 0.0)
    # on a left circle of radius 15 m the point L along it lies L / (2R) rad to the left; L is 4 m when
    # slow and 8 m when fast
    for speed, lookahead in ((2.0, 4.0), (16.0, 8.0)):
        left = drive(policy, observation_double(route_points(arc(15.0)), speed_mps=speed))
        assert left.steer_deg == pytest.approx(math.degrees(lookahead / 30.0), abs=0.5)
    right = drive(policy, observation_double(route_points(arc(15.0, left=False)), speed_mps=8.0))
    assert right.steer_deg < -5.0
    # and slows for the curve: sqrt(2.5 m/s^2 * 15 m) = 6.1 m/s in it
    assert right.target_speed_mps == pytest.approx(math.sqrt(2.5 * 15.0), abs=0.2)
    before_a_bend = drive(policy, observation_double(route_points(arc(15.0, straight_m=20.0)), speed_mps=8.0))
    assert right.target_speed_mps < before_a_bend.target_speed_mps < LIMIT


def test_it_stops_for_a_red_light_a_few_metres_ahead_and_goes_on_green(policy: SandboxedPolicy) -> None:
    for distance_m in (0.5, 2.0):
        red = {"id": 3, "state": "Red", "distance_m": distance_m}
        assert target(policy, speed_mps=5.0, traffic_light=red) == 0.0
    # farther away it brakes at 3 m/s^2 to stop 2 m short of the line
    red_ahead = {"id": 3, "state": "Red", "distance_m": 12.0}
    assert target(policy, speed_mps=10.0, traffic_light=red_ahead) == pytest.approx(math.sqrt(2 * 3.0 * 10.0))
    green = {"id": 3, "state": "Green", "distance_m": 2.0}
    assert target(policy, speed_mps=5.0, traffic_light=green) == LIMIT
    # a yellow light it can stop for stops it; one too close to stop for (8^2 / 12 > 3 m) does not
    yellow = {"id": 3, "state": "Yellow", "distance_m": 3.0}
    assert target(policy, speed_mps=2.0, traffic_light=yellow) == pytest.approx(math.sqrt(2 * 3.0 * 1.0))
    assert target(policy, speed_mps=8.0, traffic_light=yellow) == LIMIT


def test_it_stops_at_a_stop_sign_until_the_stop_is_completed(policy: SandboxedPolicy) -> None:
    sign = {"id": 9, "distance_m": 1.5, "completed_stop": False}
    assert target(policy, speed_mps=1.0, stop_sign=sign) == 0.0
    done = {**sign, "completed_stop": True}
    assert target(policy, speed_mps=0.0, stop_sign=done) == LIMIT


def test_it_stops_for_a_pedestrian_in_its_path_and_ignores_those_beside_it(policy: SandboxedPolicy) -> None:
    standing_in_lane = pedestrian_record(7, 6.0, 0.3)
    assert target(policy, speed_mps=5.0, pedestrians=[standing_in_lane]) == 0.0
    stepping_in = pedestrian_record(8, 7.0, -3.0, vy_mps=1.4)  # walking left into the lane from the right
    assert target(policy, speed_mps=5.0, pedestrians=[stepping_in]) == 0.0
    beside = [
        pedestrian_record(1, 8.0, -4.0),
        pedestrian_record(2, 8.0, -3.0, vy_mps=-1.4),
        pedestrian_record(3, -5.0, 0.0),
    ]  # on the sidewalk, walking away, behind
    assert target(policy, speed_mps=5.0, pedestrians=beside) == LIMIT


def test_it_follows_vehicles_in_its_path_only(policy: SandboxedPolicy) -> None:
    """Ego length 4.9 m, car 4.5 m: a car centred 4.7 m + gap ahead has its rear `gap` ahead of the bumper."""
    standing_close = actor_record(5, 4.7 + 3.0, 0.0)
    assert target(policy, speed_mps=3.0, vehicles=[standing_close]) == 0.0
    moving_ahead = actor_record(5, 4.7 + 4.0 + 8.0, 0.0, vx_mps=8.0)  # at 4 m + 1 s of headway at 8 m/s
    assert target(policy, speed_mps=8.0, vehicles=[moving_ahead]) == pytest.approx(8.0)
    next_lane = [actor_record(6, 10.0, 3.5), actor_record(7, 12.0, -3.5, 180.0, -8.0)]
    assert target(policy, speed_mps=8.0, vehicles=next_lane) == LIMIT


def test_closed_loop_it_completes_a_quiet_route_in_its_lane(policy: SandboxedPolicy) -> None:
    """Smoke route 0 in an empty world (the world's own light cycles: it meets a red light), driven by the
    baseline through VehicleController and scored by the leaderboard 2.1 criteria."""
    driver = ExpertDriver(smoke_world(LIGHTS_ROUTE, EMPTY), expert=PolicyAsExpert(policy))
    route_xy = np.array([(p.x_m, p.y_m) for p in smoke_run(LIGHTS_ROUTE).points])
    off_route = []
    while driver.status is RouteStatus.RUNNING and len(driver.ticks) < 2000:
        driver.step()
        hero = driver.world.hero()
        off_route.append(float(np.hypot(route_xy[:, 0] - hero.x_m, route_xy[:, 1] - hero.y_m).min()))
    assert driver.status is RouteStatus.COMPLETED
    assert driver.criteria.route_completion_percent == pytest.approx(100.0)
    assert driver.events() == []  # no red light run, no collision, never outside the route's lanes
    assert max(off_route) < 1.0  # its centre stays within 1 m of the route (the lane centre)
    speeds = [t.observation["ego"]["speed_mps"] for t in driver.ticks]
    assert max(speeds) > 0.9 * 13.89 and min(speeds[100:]) < 0.1  # cruised near the limit, and waited at red
