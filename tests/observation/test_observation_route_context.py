"""RouteContext: arc lengths, junction flags from the map (once per route), and stop-line crossings of lights and signs."""

from __future__ import annotations

import math

import carla
import numpy as np
import pytest
from observation_helpers import smoke_route, smoke_world, straight_route

from leaderboard_adapter.observation import ObservationBuilder, RouteContext, SignalCrossing
from leaderboard_adapter.observation.stop_lines import pose_crossings, signal_crossings
from leaderboard_adapter.observation.stop_memory import StopMemory
from leaderboard_adapter.routes.road_option import RoadOption
from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.world_view import Pose2D


def _arrays(route: list[RoutePoint]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xy = np.array([(p.x_m, p.y_m) for p in route])
    cum_s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    return xy, np.array([p.yaw_deg for p in route]), cum_s


def test_a_stop_line_across_the_route_is_found_at_its_arc_length() -> None:
    xy, yaw, cum_s = _arrays(straight_route(100.0))
    assert pose_crossings(xy, yaw, cum_s, Pose2D(50.4, 0.0, 0.0)) == [(pytest.approx(50.4), 51)]
    assert pose_crossings(xy, yaw, cum_s, Pose2D(50.0, 1.9, 0.0)) == [(pytest.approx(50.0), 50)]
    assert pose_crossings(xy, yaw, cum_s, Pose2D(50.0, 0.0, 25.0)) == [(pytest.approx(50.0), 50)]


@pytest.mark.parametrize(
    "pose",
    [
        Pose2D(50.0, 0.0, 180.0),  # the opposite direction of travel
        Pose2D(50.0, 2.5, 0.0),  # the next lane
        Pose2D(50.0, -2.5, 0.0),
        Pose2D(50.0, 0.0, 40.0),  # a lane crossing the route
        Pose2D(150.0, 0.0, 0.0),  # beyond the route's end
        Pose2D(0.0, 0.0, 0.0),  # at the first point: already crossed, never ahead
    ],
)
def test_stop_lines_the_route_does_not_cross(pose: Pose2D) -> None:
    xy, yaw, cum_s = _arrays(straight_route(100.0))
    assert pose_crossings(xy, yaw, cum_s, pose) == []


def test_a_loop_crosses_the_same_stop_line_once_per_lap() -> None:
    # two laps around a 40 m square: the stop line on the first side is passed twice, 160 m apart
    corners = [(0.0, 0.0), (40.0, 0.0), (40.0, 40.0), (0.0, 40.0)]
    pts = []
    for _lap in range(2):
        for k in range(4):
            (ax, ay), (bx, by) = corners[k], corners[(k + 1) % 4]
            yaw = math.degrees(math.atan2(by - ay, bx - ax))
            for t in range(40):
                pts.append(
                    RoutePoint(
                        ax + (bx - ax) * t / 40, ay + (by - ay) * t / 40, 0.0, yaw, RoadOption.LANEFOLLOW
                    )
                )
    xy, yaw, cum_s = _arrays(pts)
    crossings = signal_crossings(xy, yaw, cum_s, [(7, (Pose2D(20.0, 0.0, 0.0), Pose2D(20.0, 40.0, 180.0)))])
    assert [(c.signal_id, round(c.s_m, 6)) for c in crossings] == [
        (7, 20.0),
        (7, 100.0),
        (7, 180.0),
        (7, 260.0),
    ]


def test_smoke_routes_find_their_lights_and_stop_sign() -> None:
    lights_world, stops_world = smoke_world(0), smoke_world(1)
    lights_ctx = RouteContext.from_view(lights_world)
    stops_ctx = RouteContext.from_view(stops_world)
    assert [c.signal_id for c in lights_ctx.light_crossings] == [32, 50]
    assert lights_ctx.stop_crossings == ()
    assert [c.signal_id for c in stops_ctx.stop_crossings] == [0]
    assert stops_ctx.light_crossings == ()
    for ctx in (lights_ctx, stops_ctx):
        for c in ctx.light_crossings + ctx.stop_crossings:
            # the junction begins within 2 m after every stop line
            j = int(ctx.next_junction_index[c.route_index - 1])
            assert 0.0 <= ctx.cum_s_m[j] - c.s_m <= 2.0
            assert not ctx.in_junction[c.route_index - 2]


def test_junction_flags_come_from_the_map_and_the_arc_lengths_from_the_points() -> None:
    town, route = smoke_route(0)
    ctx = RouteContext.build(list(route), town.map)
    assert len(ctx) == len(route)
    assert ctx.length_m == pytest.approx(
        sum(math.dist((a.x_m, a.y_m), (b.x_m, b.y_m)) for a, b in zip(route, route[1:], strict=False))
    )
    for k in range(0, len(route), 7):
        p = route[k]
        assert ctx.in_junction[k] == town.map.get_waypoint(carla.Location(p.x_m, p.y_m, p.z_m)).is_junction
    nxt = ctx.next_junction_index
    for i in range(len(route)):
        j = nxt[i]
        assert (j == -1 and not ctx.in_junction[i:].any()) or (
            ctx.in_junction[j] and not ctx.in_junction[i:j].any()
        )


class _CountingView:
    """Wraps a WorldView and counts reads of its map and route (a test double)."""

    def __init__(self, view):
        self._view = view
        self.map_reads = 0
        self.route_reads = 0

    def __getattr__(self, name):
        return getattr(self._view, name)

    @property
    def map(self):
        self.map_reads += 1
        return self._view.map

    @property
    def game_time_s(self):
        return self._view.game_time_s

    def route(self):
        self.route_reads += 1
        return self._view.route()


def test_route_context_is_computed_once_per_route() -> None:
    world = smoke_world(0)
    view = _CountingView(world)
    builder = ObservationBuilder(view)
    ctx = builder.route_context
    reads = (view.map_reads, view.route_reads)
    assert reads == (1, 1)
    for _ in range(30):
        world.tick(carla.VehicleControl(throttle=0.5))
        builder.build(view)
    assert (view.map_reads, view.route_reads) == reads
    assert builder.route_context is ctx


def test_stop_memory_counts_a_stop_in_the_zone_only() -> None:
    memory = StopMemory()
    here, later = SignalCrossing(3, 80.0, 81), SignalCrossing(3, 400.0, 401)
    assert memory.update(here, 10.0, 0.0) is False  # stopped too far from the line
    assert memory.update(here, 3.0, 0.5) is False  # in the zone but moving
    assert memory.update(here, -0.5, 0.0) is False  # past the line
    assert memory.update(here, 3.9, 0.05) is True
    assert memory.update(here, 1.0, 6.0) is True  # remembered while driving on
    assert memory.completed(later) is False  # the same sign met again later must be stopped for again
    assert memory.completed_stop_ids == frozenset({3})
    with pytest.raises(ValueError, match="stop_zone_m"):
        StopMemory(stop_zone_m=-1.0)
