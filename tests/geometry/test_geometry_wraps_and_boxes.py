"""leaderboard_adapter.geometry: the angle wraps at their edges, the corner order and frame of box_corners,
and boxes_overlap on touching, separated, crossing and rotated boxes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from leaderboard_adapter.geometry import box_corners, boxes_overlap, wrap_deg, wrap_deg_up_to_180, wrap_rad


@pytest.mark.parametrize(
    ("angle", "expected"),
    [(math.pi, -math.pi), (-math.pi, -math.pi), (3 * math.pi, -math.pi), (0.5, 0.5), (-0.5, -0.5),
     (2 * math.pi + 0.25, 0.25), (-2 * math.pi - 0.25, -0.25), (math.pi - 1e-9, math.pi - 1e-9)],
)
def test_wrap_rad_lands_in_minus_pi_inclusive_to_pi_exclusive(angle: float, expected: float) -> None:
    wrapped = wrap_rad(angle)
    assert type(wrapped) is float
    assert wrapped == pytest.approx(expected, abs=1e-12)
    assert -math.pi <= wrapped < math.pi


@pytest.mark.parametrize(
    ("angle", "expected"),
    [(180.0, -180.0), (-180.0, -180.0), (540.0, -180.0), (181.0, -179.0), (-181.0, 179.0), (359.0, -1.0),
     (0.0, 0.0), (720.0, 0.0), (-90.0, -90.0)],
)
def test_wrap_deg_lands_in_minus_180_inclusive_to_180_exclusive(angle: float, expected: float) -> None:
    assert wrap_deg(angle) == expected


def test_wrap_deg_up_to_180_keeps_180_and_never_gives_negative_zero() -> None:
    angles = np.array([-540.0, -180.0, -179.0, 0.0, 179.0, 180.0, 181.0, 360.0, 900.0])
    assert wrap_deg_up_to_180(angles).tolist() == [180.0, 180.0, -179.0, 0.0, 179.0, 180.0, -179.0, 0.0, 180.0]
    assert math.copysign(1.0, wrap_deg_up_to_180(0.0)) == 1.0
    assert math.copysign(1.0, wrap_deg_up_to_180(360.0)) == 1.0


def test_the_wraps_agree_away_from_the_edge_and_on_arrays() -> None:
    degrees = np.random.default_rng(3).uniform(-1000.0, 1000.0, 500)
    assert np.allclose(wrap_deg(degrees), wrap_deg_up_to_180(degrees), atol=1e-9)
    assert np.allclose(np.radians(wrap_deg(degrees)), wrap_rad(np.radians(degrees)), atol=1e-9)
    assert np.allclose(np.cos(np.radians(wrap_deg(degrees))), np.cos(np.radians(degrees)), atol=1e-9)


def test_box_corners_run_front_right_front_left_rear_left_rear_right() -> None:
    # yaw 0 heads east (+x); in CARLA's frame +y is south, the driver's right
    corners = box_corners(10.0, 5.0, 0.0, 4.0, 2.0)
    assert corners.tolist() == [[12.0, 6.0], [12.0, 4.0], [8.0, 4.0], [8.0, 6.0]]


def test_a_box_heading_south_has_its_right_side_to_the_west() -> None:
    corners = box_corners(0.0, 0.0, math.pi / 2, 4.0, 2.0)
    np.testing.assert_allclose(corners, [[-1.0, 2.0], [1.0, 2.0], [1.0, -2.0], [-1.0, -2.0]], atol=1e-12)


@pytest.mark.parametrize("yaw", [0.0, 0.3, -2.0, math.pi, 5.0])
def test_corners_wind_one_way_at_every_yaw_and_span_the_box(yaw: float) -> None:
    c = box_corners(1.0, -2.0, yaw, 4.9, 2.12)
    x, y = c[:, 0], c[:, 1]
    signed_area = 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))
    assert signed_area == pytest.approx(-4.9 * 2.12)  # negative in (x, y): counter-clockwise seen from above
    assert np.allclose(c.mean(axis=0), [1.0, -2.0])
    assert math.dist(c[0], c[1]) == pytest.approx(2.12) and math.dist(c[1], c[2]) == pytest.approx(4.9)


def test_box_corners_broadcast_arrays_against_scalars() -> None:
    xs = np.array([0.0, 10.0, 20.0])
    many = box_corners(xs, 0.0, np.array([0.0, 1.0, 2.0]), 4.0, 2.0)
    assert many.shape == (3, 4, 2)
    assert np.array_equal(many[1], box_corners(10.0, 0.0, 1.0, 4.0, 2.0))


def test_touching_boxes_overlap_and_a_gap_separates_them() -> None:
    assert bool(boxes_overlap(0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 0.0, 0.0, 2.0, 2.0))
    assert not bool(boxes_overlap(0.0, 0.0, 0.0, 2.0, 2.0, 2.001, 0.0, 0.0, 2.0, 2.0))


def test_a_diamond_overlaps_only_once_its_vertex_reaches_the_square() -> None:
    reach = 1.0 + math.sqrt(2.0)  # a 2 x 2 square turned 45 deg reaches sqrt(2) from its centre
    assert bool(boxes_overlap(0.0, 0.0, 0.0, 2.0, 2.0, reach - 1e-6, 0.0, math.pi / 4, 2.0, 2.0))
    assert not bool(boxes_overlap(0.0, 0.0, 0.0, 2.0, 2.0, reach + 1e-6, 0.0, math.pi / 4, 2.0, 2.0))


def test_parallel_diagonal_boxes_apart_do_not_overlap_though_their_bounding_boxes_do() -> None:
    # two 10 x 1 boxes at 45 deg, 4.24 m apart across their length: their axis-aligned bounds overlap
    a = (0.0, 0.0, math.pi / 4, 10.0, 1.0)
    b = (3.0, -3.0, math.pi / 4, 10.0, 1.0)
    assert not bool(boxes_overlap(*a, *b)) and not bool(boxes_overlap(*b, *a))
    assert bool(boxes_overlap(*a, 0.5, -0.5, math.pi / 4, 10.0, 1.0))


def test_crossing_boxes_overlap_with_no_corner_inside_the_other() -> None:
    assert bool(boxes_overlap(0.0, 0.0, 0.0, 10.0, 1.0, 0.0, 0.0, math.pi / 2, 10.0, 1.0))
    assert bool(boxes_overlap(0.0, 0.0, 0.3, 10.0, 1.0, 0.0, 0.0, 0.3 + math.pi / 2, 10.0, 1.0))


def test_boxes_overlap_broadcasts_one_against_many_and_all_pairs() -> None:
    xs = np.array([0.0, 3.0, 10.0])
    one_vs_many = boxes_overlap(0.0, 0.0, 0.0, 4.9, 2.12, xs, np.zeros(3), np.zeros(3), 4.9, 2.12)
    assert one_vs_many.tolist() == [True, True, False]
    table = boxes_overlap(xs[:, None], 0.0, 0.0, 4.9, 2.12, xs[None, :], 0.0, 0.0, 4.9, 2.12)
    assert table.shape == (3, 3) and (table == table.T).all() and table.diagonal().all()
