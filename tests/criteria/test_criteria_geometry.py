"""Geometry: box corners and the vectorised separating-axis overlap (CARLA yaws in degrees, converted) against
shapely; the criteria's segment crossing and trigger-box test."""

from __future__ import annotations

import numpy as np
import shapely

from leaderboard_adapter.criteria.geometry import point_in_axis_aligned_box, segments_intersect
from leaderboard_adapter.geometry import box_corners, boxes_overlap


def test_box_corners_of_an_axis_aligned_box():
    corners = box_corners(10.0, 5.0, 0.0, 4.0, 2.0)
    assert np.allclose(corners, [[12, 6], [12, 4], [8, 4], [8, 6]])


def test_box_corners_rotated_90_degrees_clockwise_points_south():
    corners = box_corners(0.0, 0.0, np.radians(90.0), 4.0, 2.0)
    front = corners[:2].mean(axis=0)
    assert np.allclose(front, [0.0, 2.0], atol=1e-9)  # +y is south in CARLA's frame


def test_sat_matches_shapely_on_random_boxes():
    rng = np.random.default_rng(7)
    n = 2000
    xs, ys = rng.uniform(-6, 6, n), rng.uniform(-6, 6, n)
    yaws, lengths, widths = rng.uniform(-180, 180, n), rng.uniform(0.5, 6, n), rng.uniform(0.5, 3, n)
    hero = (0.3, -0.2, np.radians(33.0), 4.9, 2.1)
    got = boxes_overlap(*hero, xs, ys, np.radians(yaws), lengths, widths)
    hero_poly = shapely.Polygon(box_corners(*hero))
    want = np.array(
        [hero_poly.intersects(shapely.Polygon(c)) for c in box_corners(xs, ys, np.radians(yaws), lengths, widths)]
    )
    assert got.dtype == bool
    assert (got == want).all()
    assert 0 < want.sum() < n


def test_segments_intersect_cross_touch_and_miss():
    assert segments_intersect((0, 0), (2, 2), (0, 2), (2, 0))
    assert segments_intersect((0, 0), (1, 0), (1, -1), (1, 1))  # touching counts
    assert not segments_intersect((0, 0), (1, 0), (2, -1), (2, 1))


def test_point_in_axis_aligned_box_is_strict_and_scales():
    assert point_in_axis_aligned_box(1.1, 0.0, 0.0, 0.0, 1.0, 1.0, multiplier=1.2)
    assert not point_in_axis_aligned_box(1.1, 0.0, 0.0, 0.0, 1.0, 1.0)
    assert not point_in_axis_aligned_box(1.0, 0.0, 0.0, 0.0, 1.0, 1.0)
