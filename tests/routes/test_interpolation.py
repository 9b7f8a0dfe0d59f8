"""interpolate_trajectory: dense, continuous routes with the right RoadOptions, and clear errors."""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

from leaderboard_adapter.roads.osm_layout import OsmLayout, OsmWay
from leaderboard_adapter.roads.town_generator import convert_osm
from leaderboard_adapter.roads.towns import Town, load_town
from leaderboard_adapter.routes.interpolation import (
    FAR_KEYPOINT_WARNING_M,
    RouteInterpolationError,
    interpolate_trajectory,
    planner_for,
    route_length_m,
)
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_config import Keypoint
from leaderboard_adapter.routes.route_planner import GlobalRoutePlanner, OffRoadError


def _gaps(points):
    return np.array(
        [math.hypot(b.x_m - a.x_m, b.y_m - a.y_m) for a, b in zip(points, points[1:], strict=False)]
    )


def _yaw_change(points, option):
    """Signed heading change [deg] across the run of `option` points, through the point before and after."""
    idx = [k for k, p in enumerate(points) if p.road_option == option]
    assert idx, f"no {option.name} points"
    before, after = points[max(idx[0] - 1, 0)], points[min(idx[-1] + 1, len(points) - 1)]
    return (after.yaw_deg - before.yaw_deg + 180.0) % 360.0 - 180.0


def test_dense_continuous_and_ends_at_last_keypoint():
    town = load_town("EmbeddedGrid")
    keypoints = [Keypoint(55.0, 1.7), Keypoint(218.3, -55.0), Keypoint(331.7, -160.0)]
    points = interpolate_trajectory(town, keypoints)
    gaps = _gaps(points)
    assert gaps.max() < 1.05 and gaps.min() > 0.9
    assert math.hypot(points[0].x_m - 55.0, points[0].y_m - 1.7) < 1.0
    # CARLA's trace stops at the first point within two steps (2 m) of the destination
    assert math.hypot(points[-1].x_m - 331.7, points[-1].y_m + 160.0) < 2.0
    assert route_length_m(points) == pytest.approx(len(points) - 1, rel=0.05)
    # yaw changes smoothly (no reversal anywhere)
    dyaw = np.abs((np.diff([p.yaw_deg for p in points]) + 180.0) % 360.0 - 180.0)
    assert dyaw.max() < 30.0


def test_left_turn_decreases_yaw():
    # eastbound (yaw 0) then north (yaw -90): a left turn in CARLA's left-handed frame
    points = interpolate_trajectory(load_town("EmbeddedGrid"), [(55.0, 1.7), (111.7, -55.0)])
    options = {p.road_option for p in points}
    assert options == {RoadOption.LANEFOLLOW, RoadOption.LEFT}
    assert _yaw_change(points, RoadOption.LEFT) == pytest.approx(-90.0, abs=10.0)
    assert points[0].road_option == RoadOption.LANEFOLLOW == points[-1].road_option


def test_right_turn_increases_yaw():
    points = interpolate_trajectory(load_town("EmbeddedGrid"), [(165.0, -108.3), (218.3, -55.0)])
    assert {p.road_option for p in points} == {RoadOption.LANEFOLLOW, RoadOption.RIGHT}
    assert _yaw_change(points, RoadOption.RIGHT) == pytest.approx(90.0, abs=10.0)


def test_straight_through_junction():
    points = interpolate_trajectory(load_town("EmbeddedGrid"), [(55.0, 1.7), (165.0, 1.7)])
    assert {p.road_option for p in points} == {RoadOption.LANEFOLLOW, RoadOption.STRAIGHT}


def test_lane_change_on_arterial():
    town = load_town("EmbeddedArterial")
    lanes = sorted({round(s, 1) for s in town.lane_graph.y_m if -156 < s < -142})
    assert len(lanes) >= 2
    points = interpolate_trajectory(town, [(20.0, -147.3), (80.0, -144.0)])
    assert any(p.road_option == RoadOption.CHANGELANERIGHT for p in points)
    assert _gaps(points).max() < 1.05
    assert route_length_m(points) < 70.0  # changes lane instead of looping round the block


def test_far_keypoint_is_snapped_as_carla_does_with_a_warning(caplog):
    """CARLA's planner snaps a keypoint to the nearest driving lane whatever the distance (a block's
    centre here, 52.6 m from a lane); a far one is named in a warning with route, keypoint, distance."""
    town = load_town("EmbeddedGrid")
    with caplog.at_level(logging.WARNING, logger="leaderboard_adapter.routes.interpolation"):
        points = interpolate_trajectory(town, [(55.0, 1.7), (55.0, -55.0)], route_id="r7")
    assert len(points) > 10
    offset_m = planner_for(town).offroad_m((55.0, -55.0))
    assert offset_m > FAR_KEYPOINT_WARNING_M
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "'r7'" in warnings[0] and "keypoint 1" in warnings[0] and f"{offset_m:.1f} m" in warnings[0]


def test_near_keypoints_are_not_warned(caplog):
    with caplog.at_level(logging.WARNING, logger="leaderboard_adapter.routes.interpolation"):
        interpolate_trajectory(load_town("EmbeddedGrid"), [(55.0, 1.7), (165.0, 1.7)])
    assert not caplog.records


def test_a_finite_offroad_limit_still_refuses_far_locations():
    town = load_town("EmbeddedGrid")
    planner = GlobalRoutePlanner(town.lane_graph, town.map, max_offroad_m=5.0)
    with pytest.raises(OffRoadError, match=r"52\.6 m from the nearest driving lane"):
        planner.offroad_m((55.0, -55.0))


def test_no_path_names_keypoints():
    layout = OsmLayout(
        "Split",
        {1: (0.0, 0.0), 2: (200.0, 0.0), 3: (0.0, 300.0), 4: (200.0, 300.0)},
        (OsmWay(1, (1, 2), oneway=True, lanes=1), OsmWay(2, (3, 4), oneway=True, lanes=1)),
    )
    town = Town.from_xodr("Split", convert_osm(layout.to_osm_xml(), traffic_lights=False))
    ys = sorted({round(float(y)) for y in town.lane_graph.y_m})
    low, high = min(ys), max(ys)
    with pytest.raises(RouteInterpolationError, match=r"route 'x'.*no path from keypoint 0 to keypoint 1"):
        interpolate_trajectory(town, [(50.0, low), (150.0, high)], route_id="x")


def test_bad_arguments():
    town = load_town("EmbeddedGrid")
    with pytest.raises(RouteInterpolationError, match="at least 2 keypoints"):
        interpolate_trajectory(town, [(55.0, 1.7)])
    with pytest.raises(ValueError, match="hop_resolution"):
        interpolate_trajectory(town, [(55.0, 1.7), (80.0, 1.7)], hop_resolution=0)


def test_trace_route_pairs_match_points():
    trace = planner_for(load_town("EmbeddedGrid")).trace_route((55.0, 1.7), (111.7, -55.0))
    assert all(p.road_option == option for p, option in trace)
