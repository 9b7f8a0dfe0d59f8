"""The `route` section and route progress: 25 points 2 m apart in the ego frame, route end, junctions, monotonic progress."""

from __future__ import annotations

import math

import numpy as np
import pytest
from observation_helpers import WorldViewTestDouble, drive, smoke_world, straight_route

from leaderboard_adapter.observation import ROAD_OPTIONS, ROUTE_POINTS, ObservationBuilder, RouteContext
from leaderboard_adapter.observation.progress import RouteProgress
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.world_view import ActorKind, ActorState


def _hero(x: float, y: float, yaw: float = 0.0) -> ActorState:
    return ActorState(0, ActorKind.VEHICLE, x, y, 0.0, yaw, 0.0, 0.0, 4.9, 2.12)


def _view(x: float, y: float = 0.0, yaw: float = 0.0, length_m: float = 200.0) -> WorldViewTestDouble:
    return WorldViewTestDouble(_hero(x, y, yaw), straight_route(length_m))


def test_points_every_2_m_in_the_ego_frame() -> None:
    view = _view(20.3, y=0.8)  # 0.8 m right of a route along +x (CARLA y points right)
    route = ObservationBuilder(view).build(view)["route"]
    points = route["points"]
    assert len(points) == ROUTE_POINTS
    assert [p["distance_m"] for p in points] == [2.0 * k for k in range(1, ROUTE_POINTS + 1)]
    assert [p["x_m"] for p in points] == pytest.approx([2.0 * k for k in range(1, 26)], abs=1e-3)
    assert all(p["y_m"] == pytest.approx(0.8, abs=1e-3) for p in points)  # the route lies to the ego's left
    assert all(p["road_option"] == "LANEFOLLOW" and p["in_junction"] is False for p in points)
    assert route["distance_to_end_m"] == pytest.approx(200.0 - 20.3, abs=1e-3)


def test_points_follow_a_heading_ego_rotated_against_the_route() -> None:
    # the ego faces 90 deg to the right of the route (CARLA yaw +90): the route runs to its left
    view = _view(10.0, yaw=90.0)
    points = ObservationBuilder(view).build(view)["route"]["points"]
    assert points[0]["x_m"] == pytest.approx(0.0, abs=1e-3)
    assert points[0]["y_m"] == pytest.approx(2.0, abs=1e-3)
    steer_deg = math.degrees(math.atan2(points[2]["y_m"], points[2]["x_m"]))
    assert steer_deg == pytest.approx(90.0, abs=1e-3)


def test_near_the_end_fewer_points_and_the_last_is_the_end() -> None:
    view = _view(80.0, length_m=100.0)
    route = ObservationBuilder(view).build(view)["route"]
    distances = [p["distance_m"] for p in route["points"]]
    assert distances == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0]
    assert route["points"][-1]["x_m"] == pytest.approx(20.0, abs=1e-3)
    assert route["distance_to_end_m"] == pytest.approx(20.0, abs=1e-3)
    view = _view(99.1, length_m=100.0)
    route = ObservationBuilder(view).build(view)["route"]
    assert [p["distance_m"] for p in route["points"]] == [pytest.approx(0.9, abs=1e-3)]


def test_past_the_end_one_point_behind_and_zero_to_go() -> None:
    view = _view(105.0, length_m=100.0)
    builder = ObservationBuilder(view)
    route = builder.build(view)["route"]
    assert builder.progress_index == 100
    assert route["distance_to_end_m"] == 0.0
    (end,) = route["points"]
    assert (end["x_m"], end["y_m"], end["distance_m"]) == (-5.0, 0.0, 0.0)


def test_behind_the_start_progress_is_zero() -> None:
    view = _view(-3.0)
    builder = ObservationBuilder(view)
    route = builder.build(view)["route"]
    assert builder.progress_index == 0
    assert route["distance_to_end_m"] == 200.0
    assert route["points"][0]["x_m"] == pytest.approx(5.0, abs=1e-3)


def test_progress_is_monotonic_and_reacquires_after_a_jump() -> None:
    view = _view(120.4)  # a builder made mid-route finds its place on the first call
    builder = ObservationBuilder(view)
    builder.build(view)
    assert builder.progress_index == 120
    view.hero_state = _hero(112.0, 0.0)  # backwards: the index does not go back
    builder.build(view)
    assert builder.progress_index == 120
    view.hero_state = _hero(125.2, 0.0)
    builder.build(view)
    assert builder.progress_index == 125
    view.hero_state = _hero(181.0, 0.3)  # 56 m in one call (skipped updates): found again
    builder.build(view)
    assert builder.progress_index == 181


def test_progress_window_ignores_a_later_pass_near_the_ego() -> None:
    # a route that goes out 60 m along +x, turns, and comes back 3 m to the side
    out = [(float(x), 0.0) for x in range(61)]
    back = [(float(x), 3.0) for x in range(60, -1, -1)]
    xy = np.array(out + back)
    cum_s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    progress = RouteProgress(xy[:, 0], xy[:, 1], cum_s)
    for x in np.arange(0.0, 30.25, 0.5):
        progress.update(x, 1.6)  # nearer the way back than the way out
    assert progress.index == 30
    assert progress.s_m == pytest.approx(30.0, abs=1e-9)


def test_route_progress_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="empty"):
        RouteProgress(np.zeros(0), np.zeros(0), np.zeros(0))
    with pytest.raises(ValueError, match="positive"):
        RouteProgress(np.zeros(2), np.zeros(2), np.zeros(2), window_ahead_m=0.0)
    with pytest.raises(ValueError, match="empty"):
        RouteContext.build([], None)


def test_distance_to_end_decreases_as_the_ego_drives_and_road_options_follow_the_route() -> None:
    world = smoke_world(0)
    builder = ObservationBuilder(world)
    seen = drive(world, builder, lambda obs: 8.0, max_ticks=1200)
    to_end = [o["route"]["distance_to_end_m"] for o in seen]
    moving = [o["ego"]["speed_mps"] > 0.5 for o in seen]
    assert to_end[-1] < 0.5
    assert all(b < a for a, b, m in zip(to_end, to_end[1:], moving[1:], strict=False) if m)
    progress = [o["route"]["distance_to_end_m"] for o in seen]
    assert progress == sorted(progress, reverse=True)
    options = {p["road_option"] for o in seen for p in o["route"]["points"]}
    assert options <= set(ROAD_OPTIONS)
    assert set(builder.route_context.road_options) == options
    assert "LEFT" in options  # smoke route 0 turns left at a junction
    # every observation's points stay on the route: 2 m apart along it, so at most 2 m apart in space
    for o in seen[::25]:
        pts = o["route"]["points"]
        gaps = [
            math.hypot(b["x_m"] - a["x_m"], b["y_m"] - a["y_m"]) for a, b in zip(pts, pts[1:], strict=False)
        ]
        assert all(g <= 2.0 + 1e-3 for g in gaps)


def test_junction_ahead_then_in_junction_on_a_real_route() -> None:
    world = smoke_world(0)
    builder = ObservationBuilder(world)
    ctx = builder.route_context
    first_junction = int(np.flatnonzero(ctx.in_junction)[0])
    seen = drive(world, builder, lambda obs: 8.0, until=lambda o: builder.progress_index > first_junction + 5)
    start = seen[0]["route"]
    assert start["junction_ahead"] is False and start["distance_to_junction_m"] is None  # about 65 m away
    ahead = [o for o in seen if o["route"]["junction_ahead"]]
    assert ahead, "the junction was never announced"
    distances = [o["route"]["distance_to_junction_m"] for o in ahead]
    assert distances[0] <= 50.0 and distances[0] > 48.0
    assert distances == sorted(distances, reverse=True)
    # the junction starts right after the traffic light's stop line
    for o in ahead:
        if o["traffic_light"] is not None:
            assert 0.0 <= o["route"]["distance_to_junction_m"] - o["traffic_light"]["distance_m"] <= 2.0
    # the first flagged point ahead agrees with the announced distance (front bumper = centre + 2.45 m)
    o = ahead[len(ahead) // 2]
    flagged = next(p for p in o["route"]["points"] if p["in_junction"])
    assert flagged["distance_m"] - 2.45 == pytest.approx(o["route"]["distance_to_junction_m"], abs=1.5)
    inside = [o for o in seen if o["route"]["in_junction"]]
    assert inside and all(not o["route"]["junction_ahead"] for o in inside)
    assert all(o["route"]["distance_to_junction_m"] is None for o in inside)


def test_a_one_point_route_gives_one_point_at_the_ego() -> None:
    view = WorldViewTestDouble(_hero(0.0, 0.0), straight_route(0.0))
    builder = ObservationBuilder(view)
    route = builder.build(view)["route"]
    assert builder.progress_index == 0
    assert route["points"] == [
        {"x_m": 0.0, "y_m": 0.0, "distance_m": 0.0, "road_option": "LANEFOLLOW", "in_junction": False}
    ]
    assert route["distance_to_end_m"] == 0.0


def test_no_negative_zero_on_a_route_along_the_ego_axis() -> None:
    # CARLA yaw 90 (south): cos(90 deg) is 6e-17, so the points come out at y_ego of about -1e-16 before rounding
    south = [RoutePoint(0.0, float(k), 0.0, 90.0, RoadOption.LANEFOLLOW) for k in range(101)]
    view = WorldViewTestDouble(_hero(0.0, 0.0, 90.0), south)
    points = ObservationBuilder(view).build(view)["route"]["points"]
    assert all(math.copysign(1.0, p["y_m"]) > 0.0 for p in points)
