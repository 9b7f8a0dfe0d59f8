"""predicted_hits: the ego driven along its path against actors at constant velocity, boxes with margins.

Ego frame (x forward, y left); a straight path; the ego (4.9 x 2.12 m) at 8 m/s planning 8 m/s, so its
centre is at 8 t. Forecast every 0.1 s over 3 s.
"""

from __future__ import annotations

import numpy as np
import pytest
from expert_helpers import (
    EGO_LENGTH_M,
    EGO_WIDTH_M,
    actor_record,
    arc,
    pedestrian_record,
    route_points,
    straight,
)

from expert.actors import Actors
from expert.collisions import forecast_times, predicted_hits
from expert.params import ForecastParams
from expert.path import EgoPath

FP = ForecastParams(horizon_s=3.0, step_s=0.1, ego_accel_mps2=1.5, ego_decel_mps2=3.0)
WALKER_MARGIN = np.array([[2.0, 1.4]])
VEHICLE_MARGIN = np.array([FP.vehicle_margin_m])
"""Pedestrian box grown to 2.5 m along its heading and 1.9 m across."""
STRAIGHT = EgoPath.from_route(route_points(straight))


def hits(
    records: list[dict], margin: np.ndarray, speed: float = 8.0, planned: float = 8.0, path=STRAIGHT, **kw
):
    cols = Actors.from_records(records)
    return predicted_hits(
        path, speed, planned, EGO_LENGTH_M, EGO_WIDTH_M, cols, np.repeat(margin, len(cols), 0), FP, **kw
    )


def test_forecast_times_cover_the_horizon() -> None:
    t = forecast_times(FP)
    assert t[0] == 0.0 and t[-1] == pytest.approx(3.0) and len(t) == 31


def test_pedestrian_crossing_from_the_right_is_hit_where_the_boxes_first_meet() -> None:
    """Walker at (20, -4) walking left at 1.5 m/s. Its grown box is inside the ego's lateral band
    (|y| <= 1.06 + 1.25) from t = 1.13 s; the ego's front reaches its rear edge (20 - 0.95) when
    8 t + 2.45 = 19.05, t = 2.075 s: the first forecast instant after is 2.1 s, 16.8 m along."""
    (hit,) = hits([pedestrian_record(7, 20.0, -4.0, vy_mps=1.5)], WALKER_MARGIN)
    assert hit.actor_id == 7
    assert hit.time_s == pytest.approx(2.1)
    assert hit.ego_distance_m == pytest.approx(16.8)


def test_actors_behind_the_ego_are_ignored() -> None:
    """The same crossing walker 10 m behind the ego's centre (and one at x = -0.1) is not the ego's to avoid."""
    assert hits([pedestrian_record(7, -10.0, -2.0, vy_mps=1.5)], WALKER_MARGIN, speed=0.0, planned=0.0) == []
    assert hits([pedestrian_record(8, -0.1, 0.0)], WALKER_MARGIN, speed=0.0, planned=0.0) == []
    # while an actor just ahead of the centre, standing on the path, is hit at once
    (hit,) = hits([pedestrian_record(9, 0.1, 0.0)], WALKER_MARGIN, speed=0.0, planned=0.0)
    assert hit.time_s == 0.0 and hit.ego_distance_m == 0.0


def test_a_car_alongside_in_the_next_lane_counts_when_the_ego_turns_across_it() -> None:
    """A car 2.5 m back and 3.35 m to the right, driving straight at 8 m/s: the ego turning right
    (radius 8 m after 4 m) crosses its lane and is forecast to touch it; on a straight path it is passed.
    A car as far back in the ego's own lane is still the follower's business."""
    beside = actor_record(35, -2.5, -3.35, vx_mps=8.0)
    turning = EgoPath.from_route(route_points(arc(8.0, straight_m=4.0, left=False)))
    (hit,) = hits([beside], VEHICLE_MARGIN, speed=6.0, planned=6.0, path=turning)
    assert hit.actor_id == 35
    assert hits([beside], VEHICLE_MARGIN, speed=6.0, planned=6.0) == []
    behind = actor_record(36, -2.5, 0.0, vx_mps=8.0)
    assert hits([behind], VEHICLE_MARGIN, speed=6.0, planned=6.0, path=turning) == []


def test_walkers_walking_away_or_standing_on_the_sidewalk_are_not_hits() -> None:
    records = [
        pedestrian_record(1, 20.0, -4.0, vy_mps=-1.5),  # walking away to the right
        pedestrian_record(2, 15.0, -4.0),  # standing on the right sidewalk
        pedestrian_record(3, 15.0, 4.0, vx_mps=1.4),  # walking along the left sidewalk
    ]
    assert hits(records, WALKER_MARGIN) == []


def test_vehicle_in_the_next_lane_is_not_a_hit_and_one_cutting_in_is() -> None:
    margin = np.array([[2.0, 0.8]])
    beside = actor_record(4, 8.0, 3.5, 0.0, vx_mps=8.0)  # same speed, 3.5 m to the left
    assert hits([beside], margin) == []
    cutting_in = actor_record(
        5, 8.0, 3.5, -10.0, vx_mps=5.0, vy_mps=-1.5
    )  # slower, drifting right into the lane
    (hit,) = hits([cutting_in], margin)
    assert hit.actor_id == 5 and 0.0 < hit.time_s <= 3.0


def test_a_standing_vehicle_only_starts_into_the_path_when_given_a_start_acceleration() -> None:
    """A car at (15, -6) pointing left across the path (grown 5.1 x 2.3 m). Standing: no hit. Starting at
    2 m/s^2 its front (-3.45) reaches the ego's side (-1.06) when t^2 = 2.39, t = 1.55 s: hit at 1.6 s, 12.8 m."""
    car = actor_record(9, 15.0, -6.0, 90.0)
    margin = np.array([[0.6, 0.4]])
    assert hits([car], margin) == []
    assert hits([car], margin, start_accel_mps2=np.array([0.0])) == []
    (hit,) = hits([car], margin, start_accel_mps2=np.array([2.0]))
    assert (hit.actor_id, hit.time_s, hit.ego_distance_m) == (9, pytest.approx(1.6), pytest.approx(12.8))


def test_the_forecast_follows_a_curving_path() -> None:
    """A car standing 12 m to the left, 12 m ahead: straight on the ego passes it; on a tight left arc
    (R = 12 m) the ego's path runs into it."""
    car = actor_record(3, 12.0, 12.0, 0.0)
    margin = np.array([[0.6, 0.4]])
    assert hits([car], margin, speed=6.0, planned=6.0) == []
    left = EgoPath.from_route(route_points(arc(12.0)))
    (hit,) = hits([car], margin, speed=6.0, planned=6.0, path=left)
    assert hit.actor_id == 3 and hit.ego_distance_m > 10.0


def test_a_slower_plan_removes_the_hit() -> None:
    """Planning to slow from 8 to 2 m/s (12 m in 3 s) keeps the ego's front short of the walker's box (19.05 m)."""
    walker = pedestrian_record(7, 20.0, -4.0, vy_mps=1.5)
    assert hits([walker], WALKER_MARGIN, speed=8.0, planned=8.0)
    assert hits([walker], WALKER_MARGIN, speed=8.0, planned=2.0) == []


def test_no_actors_no_hits() -> None:
    assert hits([], WALKER_MARGIN) == []
