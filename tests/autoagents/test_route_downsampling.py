"""downsample_route and set_global_plan keep the points the leaderboard keeps."""

from __future__ import annotations

import enum

import pytest

from leaderboard_adapter.autoagents.autonomous_agent import AutonomousAgent, constructing_under
from leaderboard_adapter.autoagents.downsampling import downsample_route
from leaderboard_adapter.routes.road_option import RoadOption as RO


class CarlaRoadOption(enum.Enum):
    """Shaped like CARLA's `agents.navigation.local_planner.RoadOption` (a plain Enum)."""

    VOID = -1
    LEFT = 1
    RIGHT = 2
    STRAIGHT = 3
    LANEFOLLOW = 4
    CHANGELANELEFT = 5
    CHANGELANERIGHT = 6


def test_straight_route_keeps_start_end_and_every_sample_factor_plus_two(route_along):
    route = route_along([(0, 0), (499, 0)])  # 500 points, 1 m apart
    # a point is kept once the distance accumulated up to the previous point exceeds the factor
    assert downsample_route(route, 200) == [0, 202, 404, 499]
    assert downsample_route(route, 50)[:4] == [0, 52, 104, 156]
    assert downsample_route(route, 50)[-1] == 499


def test_option_changes_are_kept_and_reset_the_distance(route_along):
    route = route_along([(0, 0), (120, 0), (140, 0), (400, 0)], [RO.LANEFOLLOW, RO.LEFT, RO.LANEFOLLOW])
    assert [i for i, (_, o) in enumerate(route) if o is RO.LEFT][:1] == [120]
    kept = downsample_route(route, 200)
    assert kept == [0, 120, 140, 342, 400]


def test_lane_change_points_all_kept_and_return_to_follow_not_kept(route_along):
    options = [RO.LANEFOLLOW, RO.CHANGELANELEFT, RO.LANEFOLLOW]
    route = route_along([(0, 0), (30, 0), (33, 0), (60, 0)], options)
    kept = downsample_route(route, 200)
    assert kept == [0, 30, 31, 32, 60]  # 33 (back to LANEFOLLOW after a lane change) is not a change point


def test_carla_enum_options_give_the_same_indices(route_along):
    ours = route_along([(0, 0), (120, 0), (140, 0), (400, 0)], [RO.LANEFOLLOW, RO.RIGHT, RO.LANEFOLLOW])
    theirs = [(t, CarlaRoadOption[o.name]) for t, o in ours]
    assert downsample_route(theirs, 50) == downsample_route(ours, 50)


@pytest.mark.parametrize(("convention", "expected"), [("2.x", [0, 202, 404, 499]), ("1.0", [0, 52, 104])])
def test_set_global_plan_downsamples_per_convention(route_along, plan_for, convention, expected):
    gps_plan, world_plan = plan_for(route_along([(0, 0), (499, 0)]))
    with constructing_under(convention):
        agent = AutonomousAgent("conf.txt") if convention == "1.0" else AutonomousAgent("localhost", 2000)
    agent.set_global_plan(gps_plan, world_plan)
    kept = [round(t.location.x) for t, _ in agent._global_plan_world_coord]
    assert kept[: len(expected)] == expected
    assert kept[-1] == 499
    assert agent._global_plan == [gps_plan[i] for i in kept]
    gps, option = agent._global_plan[0]
    assert set(gps) == {"lat", "lon", "z"} and option is RO.LANEFOLLOW
