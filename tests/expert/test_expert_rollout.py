"""ego_rollout and swept_hits: where the ego's body really goes, a tight corner included.

Ego frame (x forward, y left). The embedded MKZ turns no tighter than 2.85 m / tan(30 deg) = 4.94 m,
so on a junction corner of radius 3 m it swings wide of its route; the time-based forecast used to
place the ego's boxes on the route itself and missed a car standing where the body swings through.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from expert_helpers import (
    EGO_LENGTH_M,
    EGO_WIDTH_M,
    actor_record,
    arc,
    observation_double,
    route_points,
    straight,
)

from expert import Expert
from expert.actors import Actors
from expert.collisions import swept_hits
from expert.forecast import ego_rollout
from expert.params import ForecastParams
from expert.path import EgoPath
from leaderboard_adapter.geometry import boxes_overlap

FP = ForecastParams()
MAX_CURVATURE = math.tan(math.radians(FP.max_wheel_angle_deg)) / FP.wheelbase_m
CORNER_RADIUS_M = 3.0
CORNER_AT_M = 8.0


def right_corner(s: float) -> tuple[float, float]:
    """Straight for 8 m, a quarter circle of radius 3 m to the right, then straight on (towards -y)."""
    if s <= CORNER_AT_M:
        return s, 0.0
    a = (s - CORNER_AT_M) / CORNER_RADIUS_M
    if a <= math.pi / 2:
        return CORNER_AT_M + CORNER_RADIUS_M * math.sin(a), -CORNER_RADIUS_M * (1.0 - math.cos(a))
    return CORNER_AT_M + CORNER_RADIUS_M, -CORNER_RADIUS_M - (s - CORNER_AT_M - CORNER_RADIUS_M * math.pi / 2)


CORNER = EgoPath.from_route(route_points(right_corner))
WAITING_CAR = actor_record(5, CORNER_AT_M + CORNER_RADIUS_M + 3.4, -6.5, heading_deg=90.0, length_m=4.9, width_m=2.12)
"""A car standing in the opposite lane of the road the corner leads into (3.4 m from the ego's lane,
facing the junction), its front 4.05 m past the corner's end: clear of the route's own lane."""
STANDING_MARGIN = np.array([FP.standing_margin_m])


def rollout(path: EgoPath, speed_mps: float, reach_m: float = 20.0) -> tuple[np.ndarray, ...]:
    dist = np.arange(0.0, reach_m + 1e-9, 0.5)
    return (dist, *ego_rollout(path, dist / speed_mps, dist, 0.0, FP))


def deviation_m(path: EgoPath, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.abs(path.project(x, y)[1])


def test_on_a_straight_path_the_rollout_is_the_path() -> None:
    dist, x, y, h = rollout(EgoPath.from_route(route_points(straight)), 8.0)
    assert x == pytest.approx(dist, abs=1e-9)
    assert np.max(np.abs(y)) < 1e-9 and np.max(np.abs(h)) < 1e-9


def test_a_curve_within_the_turning_circle_is_followed_closely() -> None:
    """A left arc of radius 20 m after 10 m of straight, at 6 m/s: within 0.3 m of the path throughout."""
    path = EgoPath.from_route(route_points(arc(20.0, straight_m=10.0)))
    _, x, y, h = rollout(path, 6.0, reach_m=35.0)
    assert np.max(deviation_m(path, x, y)) < 0.3
    assert h[-1] == pytest.approx((35.0 - 10.0) / 20.0, abs=0.15)  # it turned as far as the arc


def test_a_corner_tighter_than_the_turning_circle_is_taken_wide_at_bounded_curvature() -> None:
    dist, x, y, h = rollout(CORNER, 3.0)
    curvature = np.abs(np.diff(h) / np.diff(dist))
    assert np.max(curvature) <= MAX_CURVATURE + 1e-9
    exit_ = dist > CORNER_AT_M + CORNER_RADIUS_M * math.pi / 2
    lateral = CORNER.project(x[exit_], y[exit_])[1]
    assert np.max(lateral) > 0.4  # out to the left of the right turn: towards the opposite lane
    assert h[-1] == pytest.approx(-math.pi / 2, abs=0.35)  # and it still ends up heading down the new road


def test_a_car_waiting_where_the_body_swings_is_hit_by_the_sweep_though_clear_of_the_route() -> None:
    cols = Actors.from_records([WAITING_CAR])
    route_x, route_y, route_h = CORNER.pose_at(np.arange(0.0, 20.0, 0.5))
    on_route = boxes_overlap(
        route_x, route_y, route_h, EGO_LENGTH_M, EGO_WIDTH_M, cols.x_m[0], cols.y_m[0], math.radians(90.0),
        cols.length_m[0] + FP.standing_margin_m[0], cols.width_m[0] + FP.standing_margin_m[1],
    )  # fmt: skip
    assert not on_route.any()
    (hit,) = swept_hits(CORNER, EGO_LENGTH_M, EGO_WIDTH_M, cols, STANDING_MARGIN, FP)
    assert hit.actor_id == 5 and CORNER_AT_M < hit.ego_distance_m < 16.0


def test_a_car_standing_in_the_next_lane_of_a_straight_road_is_not_in_the_sweep() -> None:
    """A queue in the opposite lane (3.4 m to the left) is passed, not waited for."""
    path = EgoPath.from_route(route_points(straight))
    cols = Actors.from_records([actor_record(6, 8.0, 3.4, heading_deg=180.0, length_m=4.9, width_m=2.12)])
    assert swept_hits(path, EGO_LENGTH_M, EGO_WIDTH_M, cols, STANDING_MARGIN, FP) == []


def test_before_a_tight_corner_at_a_green_light_the_expert_waits_behind_the_stop_line() -> None:
    """The junction begins at the corner; the light's stop line is 1.5 m before it. A car waits at its
    own stop line where the ego's body would swing: the expert yields, aiming at its stop line rather
    than at the junction's entry (across the line its tail would run the light once it turns red)."""
    points = route_points(right_corner)
    for p in points:
        p["in_junction"] = p["distance_m"] > CORNER_AT_M

    def act(light_m: float | None, vehicles: list[dict]) -> tuple[str, int | None, float]:
        obs = observation_double(points, speed_mps=3.0, vehicles=vehicles)
        obs["route"].update(junction_ahead=True, distance_to_junction_m=CORNER_AT_M - 2.45)
        if light_m is not None:
            obs["traffic_light"] = {"id": 40, "state": "Green", "distance_m": light_m}
        decision = Expert().act(obs)
        return decision.reason, decision.actor_id, decision.action.target_speed_mps

    line_m = CORNER_AT_M - 2.45 - 1.5
    reason, actor, at_line = act(line_m, [WAITING_CAR])
    assert (reason, actor) == ("junction_yield", 5)
    reason, actor, at_entry = act(None, [WAITING_CAR])  # no light: it waits at the junction's entry
    assert (reason, actor) == ("junction_yield", 5) and at_line < at_entry - 0.1
    assert act(line_m, [])[0] != "junction_yield"
