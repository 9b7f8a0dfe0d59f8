"""EgoPath: the route ahead as an arc-length polyline (ego frame: x forward, y left, headings counter-clockwise)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from expert_helpers import arc, route_points, straight

from expert.path import EgoPath

RADIUS_M = 20.0
"""A left arc from the ego: s = 2..50 m, so it turns 2.5 rad (143 deg)."""


@pytest.fixture(scope="module")
def left_arc() -> EgoPath:
    return EgoPath.from_route(route_points(arc(RADIUS_M)))


def test_points_and_arc_lengths_follow_the_route(left_arc: EgoPath) -> None:
    assert left_arc.xy.shape == (26, 2)
    np.testing.assert_array_equal(left_arc.xy[0], [0.0, 0.0])  # starts at the ego
    np.testing.assert_allclose(left_arc.s_m, np.arange(0.0, 51.0, 2.0))
    assert left_arc.length_m == pytest.approx(50.0)
    # pose_at a route point's distance is that point
    for k in range(1, 26):
        x, y, _ = left_arc.pose_at(np.array(2.0 * k))
        ex, ey = arc(RADIUS_M)(2.0 * k)
        assert (float(x), float(y)) == pytest.approx((ex, ey), abs=1e-9)


def test_pose_at_lies_on_the_arc_with_its_heading(left_arc: EgoPath) -> None:
    s = np.linspace(0.0, 50.0, 301)
    x, y, heading = left_arc.pose_at(s)
    # between points the polyline cuts the circle: inside it by at most the sagitta of a 2 m chord
    sagitta = RADIUS_M - math.sqrt(RADIUS_M**2 - 1.0)
    r = np.hypot(x, y - RADIUS_M)
    assert (r <= RADIUS_M + 1e-9).all() and (r >= RADIUS_M - sagitta - 1e-9).all()
    # chord headings: within half a chord's turn (1 m / R) of the tangent's s / R, turning left
    assert np.abs(heading - s / RADIUS_M).max() <= 1.0 / RADIUS_M + 1e-9
    assert heading[-1] > heading[0]


def test_project_inverts_pose_at_on_and_beside_the_path(left_arc: EgoPath) -> None:
    rng = np.random.default_rng(5)
    s = rng.uniform(0.0, 50.0, 200)
    x, y, _ = left_arc.pose_at(s)
    s_back, lateral = left_arc.project(x, y)
    # project measures along the chord (1.99917 m for a 2 m arc of R = 20) where pose_at spreads the
    # arc length over it: they differ by up to 2 - chord = 0.0008 m per segment (not cumulative)
    chord_slack = 2.0 - 2.0 * RADIUS_M * math.sin(1.0 / RADIUS_M)
    np.testing.assert_allclose(s_back, s, atol=chord_slack + 1e-9)
    np.testing.assert_allclose(lateral, 0.0, atol=1e-9)
    # offsets at chord midpoints along each chord's normal: left positive, right negative
    mid = np.arange(1.0, 50.0, 2.0)
    offsets = rng.uniform(-1.0, 1.0, mid.shape)
    mx, my, heading = left_arc.pose_at(mid)
    px, py = mx - offsets * np.sin(heading), my + offsets * np.cos(heading)
    s_back, lateral = left_arc.project(px, py)
    np.testing.assert_allclose(s_back, mid, atol=chord_slack + 1e-9)
    np.testing.assert_allclose(lateral, offsets, atol=1e-9)
    # and back again: pose_at of the projection is the foot point, `lateral` away from the point
    fx, fy, _ = left_arc.pose_at(s_back)
    np.testing.assert_allclose(np.hypot(px - fx, py - fy), np.abs(offsets), atol=1e-4)


def test_a_point_on_the_left_of_a_straight_path_projects_with_positive_lateral() -> None:
    path = EgoPath.from_route(route_points(straight))
    s, lateral = path.project(np.array([10.0, 10.0, -3.0]), np.array([1.5, -2.0, 0.0]))
    np.testing.assert_allclose(s, [10.0, 10.0, 0.0])  # behind the ego clamps to the start
    np.testing.assert_allclose(lateral, [1.5, -2.0, 0.0])


def test_beyond_the_end_the_path_goes_straight_on() -> None:
    path = EgoPath.from_route(route_points(arc(10.0), count=5))  # 10 m long, ends turning left
    x_end, y_end, h_end = path.pose_at(np.array(10.0))
    x, y, h = path.pose_at(np.array(15.0))
    assert float(h) == pytest.approx(float(h_end))
    # straight along the last segment's heading, 5 m on (within the chord/arc ratio, 0.3 % at R = 10)
    step = np.array([float(x) - float(x_end), float(y) - float(y_end)])
    assert math.atan2(step[1], step[0]) == pytest.approx(float(h_end), abs=1e-9)
    assert float(np.hypot(*step)) == pytest.approx(5.0, rel=0.005)
    # and before the start it stays at the ego
    x0, y0, _ = path.pose_at(np.array(-2.0))
    assert (float(x0), float(y0)) == (0.0, 0.0)


def test_no_route_points_gives_a_straight_path_ahead() -> None:
    path = EgoPath.from_route([])
    x, y, h = path.pose_at(np.array([0.5, 3.0]))
    np.testing.assert_allclose(x, [0.5, 3.0])
    np.testing.assert_allclose(y, 0.0)
    np.testing.assert_allclose(h, 0.0)


def test_a_single_route_point_at_the_ego_still_makes_a_path() -> None:
    """At the route's end the only point may be the end itself: distances then come from the geometry."""
    path = EgoPath.from_route(
        [{"x_m": 0.4, "y_m": 0.0, "distance_m": 0.0, "road_option": "LANEFOLLOW", "in_junction": False}]
    )
    assert np.all(np.diff(path.s_m) > 0)
    assert path.length_m == pytest.approx(0.4)


def test_curvature_speed_on_an_arc_and_a_straight(left_arc: EgoPath) -> None:
    """v = sqrt(a_lat * R) on the arc; a straight allows far more than any speed limit."""
    v = left_arc.curvature_speed_mps(2.0)
    interior = v[3:-3]
    np.testing.assert_allclose(interior, math.sqrt(2.0 * RADIUS_M), rtol=0.02)
    flat = EgoPath.from_route(route_points(straight)).curvature_speed_mps(2.0)
    assert flat.min() > 100.0
