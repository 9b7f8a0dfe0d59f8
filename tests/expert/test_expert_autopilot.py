"""Expert.act on hand-built observation dicts (docs/observation.md; ego frame x forward, y LEFT).

Figures that depend on the expert's tunable settings are read from `Expert().params`, so these tests
check behaviour (which way, which reason, in which order), not today's tuning.
"""

from __future__ import annotations

import copy
import math

import pytest
from expert_helpers import (
    EGO_LENGTH_M,
    actor_record,
    arc,
    observation_double,
    pedestrian_record,
    route_points,
)

from expert import Expert, ExpertParams
from leaderboard_adapter.control import Action, lookahead_distance_m

LIMIT = 13.89
"""50 km/h [m/s]."""
CAR_LENGTH_M = 4.5


@pytest.fixture(scope="module")
def expert() -> Expert:
    return Expert()


def car_ahead_at_gap(gap_m: float, actor_id: int = 5, speed_mps: float = 0.0) -> dict:
    """A car in the ego's lane whose rear is `gap_m` ahead of the ego's front bumper."""
    return actor_record(
        actor_id, EGO_LENGTH_M / 2 + gap_m + CAR_LENGTH_M / 2, 0.0, 0.0, speed_mps, 0.0, CAR_LENGTH_M
    )


def test_cruise_is_the_speed_limit_share_on_a_straight_empty_road(expert: Expert) -> None:
    for speed in (0.0, 8.0, 14.0):
        decision = expert.act(observation_double(speed_mps=speed, speed_limit_mps=LIMIT))
        assert decision.reason == "cruise" and decision.actor_id is None
        assert decision.action.target_speed_mps == pytest.approx(expert.params.speed_limit_factor * LIMIT)
        assert decision.action.target_speed_mps <= LIMIT
        assert decision.action.steer_deg == 0.0
    slow_zone = expert.act(observation_double(speed_mps=8.0, speed_limit_mps=8.33))
    assert slow_zone.action.target_speed_mps == pytest.approx(expert.params.speed_limit_factor * 8.33)


def test_cruise_is_lower_before_a_sharp_curve_and_lowest_in_it(expert: Expert) -> None:
    """A left curve of radius 6 m (about 4 m/s at 2 to 3 m/s^2 lateral) starting 0, 5 or 10 m ahead."""
    straight_target = expert.act(observation_double(speed_mps=10.0)).action.target_speed_mps
    targets = []
    for curve_starts_m in (0.0, 5.0, 10.0):
        decision = expert.act(observation_double(route_points(arc(6.0, curve_starts_m)), speed_mps=10.0))
        assert decision.reason == "cruise"
        targets.append(decision.action.target_speed_mps)
    assert targets == sorted(targets) and targets[-1] < 0.8 * straight_target
    # in the curve the target is near the curve speed sqrt(a_lat R), well below the limit
    curve_speed = math.sqrt(expert.params.max_lateral_accel_mps2 * 6.0)
    assert curve_speed <= targets[0] < 0.5 * LIMIT
    # a gentle curve (radius 200 m) does not slow the ego
    gentle = expert.act(observation_double(route_points(arc(200.0)), speed_mps=10.0))
    assert gentle.action.target_speed_mps == pytest.approx(straight_target)


def test_standing_car_ahead_stops_the_ego_near_it_and_slows_it_farther_away(expert: Expert) -> None:
    min_gap = expert.params.leader.min_gap_m
    for gap in (0.5 * min_gap, min_gap):
        near = expert.act(observation_double(speed_mps=10.0, vehicles=[car_ahead_at_gap(gap)]))
        assert (near.action.target_speed_mps, near.reason, near.actor_id) == (0.0, "vehicle", 5)
    # standing still just behind it, the ego stays put
    held = expert.act(observation_double(speed_mps=0.0, vehicles=[car_ahead_at_gap(min_gap)]))
    assert held.action.target_speed_mps == 0.0
    targets = []
    for gap in (15.0, 30.0, 45.0):
        far = expert.act(observation_double(speed_mps=10.0, vehicles=[car_ahead_at_gap(gap)]))
        assert far.reason == "vehicle" and far.actor_id == 5
        targets.append(far.action.target_speed_mps)
    assert 0.0 < targets[0] < 10.0  # brakes from 10 m/s for a car 15 m ahead
    assert targets == sorted(targets) and targets[-1] < LIMIT


def test_a_car_moving_away_ahead_is_followed_not_stopped_for(expert: Expert) -> None:
    standing = expert.act(observation_double(speed_mps=10.0, vehicles=[car_ahead_at_gap(20.0)]))
    moving = expert.act(observation_double(speed_mps=10.0, vehicles=[car_ahead_at_gap(20.0, speed_mps=10.0)]))
    assert moving.reason in ("vehicle", "cruise")
    assert moving.action.target_speed_mps > standing.action.target_speed_mps
    assert moving.action.target_speed_mps >= 9.0


def test_cars_beside_the_path_or_behind_do_not_slow_the_ego(expert: Expert) -> None:
    vehicles = [
        actor_record(1, 20.0, 3.5),  # parked in the next lane, left
        actor_record(2, 12.0, -3.5),  # and right
        actor_record(3, 25.0, 3.5, 180.0, -10.0),  # oncoming in its own lane
        actor_record(4, -8.0, 0.0, 0.0, 12.0),  # behind, faster
    ]
    decision = expert.act(observation_double(speed_mps=10.0, vehicles=vehicles))
    assert decision.reason == "cruise"
    assert decision.action.target_speed_mps == pytest.approx(expert.params.speed_limit_factor * LIMIT)


def test_pedestrian_stepping_in_from_the_right_lowers_the_target(expert: Expert) -> None:
    """A walker 3 m right of the ego's centre line walking left at 1.4 m/s; the ego at 8 m/s."""
    cruise = expert.params.speed_limit_factor * LIMIT
    targets = []
    for ahead_m in (25.0, 15.0, 10.0, 6.0):
        walker = pedestrian_record(7, ahead_m, -3.0, vy_mps=1.4)
        decision = expert.act(observation_double(speed_mps=8.0, pedestrians=[walker]))
        assert decision.reason in ("hazard", "pedestrian") and decision.actor_id == 7
        targets.append(decision.action.target_speed_mps)
    assert targets[0] < cruise
    assert targets == sorted(targets, reverse=True)  # the nearer, the slower
    assert targets[2] < 0.8 * 8.0  # brakes for a walker entering the lane 10 m ahead
    assert targets[-1] == 0.0  # and stops for one 6 m ahead


def test_pedestrians_walking_away_or_waiting_on_the_sidewalk_are_ignored(expert: Expert) -> None:
    walkers = [
        pedestrian_record(1, 15.0, -3.0, vy_mps=-1.4),  # leaving the road to the right
        pedestrian_record(2, 15.0, -4.0),  # standing on the right sidewalk
        pedestrian_record(3, 20.0, 4.5, vx_mps=1.3),  # walking along the left sidewalk
    ]
    decision = expert.act(observation_double(speed_mps=8.0, pedestrians=walkers))
    assert decision.reason == "cruise"


def test_pedestrian_standing_in_the_lane_stops_the_ego(expert: Expert) -> None:
    walker = pedestrian_record(7, EGO_LENGTH_M / 2 + 3.0, 0.3)
    decision = expert.act(observation_double(speed_mps=5.0, pedestrians=[walker]))
    assert decision.action.target_speed_mps == 0.0 and decision.actor_id == 7


@pytest.mark.parametrize(("left", "sign"), [(True, 1.0), (False, -1.0)])
def test_steering_points_where_the_route_bends(expert: Expert, left: bool, sign: float) -> None:
    """Positive steer_deg is left. On a circle of radius R the point L along it is at L / (2R) rad."""
    radius, speed = 15.0, 8.0
    decision = expert.act(observation_double(route_points(arc(radius, left=left)), speed_mps=speed))
    steer = decision.action.steer_deg
    assert math.copysign(1.0, steer) == sign
    expected = math.degrees(lookahead_distance_m(speed) / (2 * radius))
    assert abs(steer) == pytest.approx(expected, abs=1.0)


def test_steering_follows_a_lane_offset(expert: Expert) -> None:
    """The ego 1 m right of its lane (route points at y = +1): it steers left, back towards the lane."""
    points = route_points(lambda s: (s, 1.0))
    assert expert.act(observation_double(points, speed_mps=8.0)).action.steer_deg > 0.0


def test_red_light_stops_and_green_goes(expert: Expert) -> None:
    red_near = expert.act(
        observation_double(speed_mps=10.0, traffic_light={"id": 3, "state": "Red", "distance_m": 1.0})
    )
    assert (red_near.action.target_speed_mps, red_near.reason, red_near.actor_id) == (0.0, "red_light", 3)
    red_far = expert.act(
        observation_double(speed_mps=10.0, traffic_light={"id": 3, "state": "Red", "distance_m": 30.0})
    )
    assert red_far.reason == "red_light" and 0.0 < red_far.action.target_speed_mps < LIMIT
    green = expert.act(
        observation_double(speed_mps=10.0, traffic_light={"id": 3, "state": "Green", "distance_m": 1.0})
    )
    assert green.reason == "cruise"


def test_stop_sign_holds_until_completed(expert: Expert) -> None:
    stop = {"id": 9, "distance_m": 20.0, "completed_stop": False}
    approaching = expert.act(observation_double(speed_mps=10.0, stop_sign=stop))
    assert approaching.reason == "stop_sign" and approaching.action.target_speed_mps < 10.0
    at_line = expert.act(observation_double(speed_mps=3.0, stop_sign={**stop, "distance_m": 0.5}))
    assert at_line.action.target_speed_mps == 0.0
    done = expert.act(
        observation_double(speed_mps=0.0, stop_sign={**stop, "distance_m": 1.5, "completed_stop": True})
    )
    assert done.reason == "cruise" and done.action.target_speed_mps > 0.0


def _turning_left_at_a_stop_with_a_car_waiting_on_the_left(speed_mps: float, standing_s: float) -> dict:
    observation = observation_double(
        points=route_points(arc(10.0, straight_m=2.0, left=True)),
        speed_mps=speed_mps,
        vehicles=[actor_record(12, 8.6, 12.0, -90.0)],  # standing at its own stop line, nose towards our path
        stop_sign={"id": 15, "distance_m": 0.2, "completed_stop": True},
    )
    observation["ego"]["standing_s"] = standing_s
    observation["route"].update(junction_ahead=True, distance_to_junction_m=0.45)
    return observation


def test_at_a_stop_junction_a_standing_car_may_start_only_while_the_ego_waits_its_patience(expert: Expert) -> None:
    patience_s = expert.params.forecast.start_patience_s
    waiting = expert.act(_turning_left_at_a_stop_with_a_car_waiting_on_the_left(0.0, patience_s / 4))
    assert waiting.reason == "junction_yield" and waiting.actor_id == 12 and waiting.action.target_speed_mps == 0.0
    done_waiting = expert.act(_turning_left_at_a_stop_with_a_car_waiting_on_the_left(0.0, patience_s + 1.0))
    assert done_waiting.action.target_speed_mps > 0.0
    # moving off resets `standing_s`; it must not bring the assumption back (both would wait forever)
    moving_off = expert.act(_turning_left_at_a_stop_with_a_car_waiting_on_the_left(0.5, 0.0))
    assert moving_off.reason != "junction_yield" and moving_off.action.target_speed_mps > 0.0


def test_the_lowest_candidate_wins(expert: Expert) -> None:
    """A red light 40 m ahead and a standing car 10 m ahead: the car sets the target."""
    obs = observation_double(
        speed_mps=10.0,
        vehicles=[car_ahead_at_gap(10.0, actor_id=11)],
        traffic_light={"id": 3, "state": "Red", "distance_m": 40.0},
    )
    decision = expert.act(obs)
    assert decision.reason == "vehicle" and decision.actor_id == 11


def test_the_expert_is_stateless_and_leaves_the_observation_alone() -> None:
    crowded = observation_double(
        route_points(arc(30.0, 10.0)),
        speed_mps=9.0,
        vehicles=[car_ahead_at_gap(25.0), actor_record(6, 15.0, 3.5, 180.0, -8.0)],
        pedestrians=[pedestrian_record(7, 18.0, -3.0, vy_mps=1.2)],
        traffic_light={"id": 3, "state": "Yellow", "distance_m": 35.0},
    )
    other = observation_double(route_points(arc(10.0, left=False)), speed_mps=2.0)
    before = copy.deepcopy(crowded)
    expert = Expert()
    first = expert.act(crowded)
    expert.act(other)
    again = expert.act(crowded)
    assert again == first
    assert Expert().act(crowded) == first
    assert crowded == before
    assert isinstance(first.action, Action)


def test_params_are_validated() -> None:
    with pytest.raises(ValueError, match="speed_limit_factor"):
        ExpertParams(speed_limit_factor=0.0)
    with pytest.raises(ValueError, match="leader_max_heading_deg"):
        ExpertParams(leader_max_heading_deg=95.0)
