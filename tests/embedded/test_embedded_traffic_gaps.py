"""The first stage of an NPC step (traffic_gaps): what lies ahead of each NPC, on small constructed scenes.

World frame as the fleet's (x east, y south); NPCs head +x (yaw 0) unless said otherwise.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from leaderboard_adapter.embedded.traffic import EgoOnGraph
from leaderboard_adapter.embedded.traffic_gaps import (
    Columns,
    corridor_ahead,
    distances_along_plans,
    ego_on_plan,
    lead_gaps,
    plan_offsets_m,
    surroundings,
    touching_ego,
    walker_gaps,
)

SEGMENTS = 6
LANE_M = np.array([10.0, 20.0, 30.0, 40.0, 15.0, 25.0])


def columns(
    segment, s, x, y, yaw_deg, speed, length=4.0, width=2.0
) -> Columns:
    """Columns of vehicles (the last one plays the ego); scalars broadcast to the count."""
    yaw = np.radians(np.asarray(yaw_deg, float))
    k = len(segment)
    full = lambda a: np.broadcast_to(np.asarray(a, float), (k,)).copy()  # noqa: E731
    return Columns(
        np.asarray(segment, np.int64), full(s), full(x), full(y), np.cos(yaw), np.sin(yaw), full(speed),
        full(length), full(width),
    )


def test_plan_offsets_are_the_starts_of_the_plan_segments_from_the_npc() -> None:
    offs = plan_offsets_m(LANE_M[np.array([[0, 1, 2], [3, 4, 5]])], np.array([4.0, 0.0]))
    np.testing.assert_array_equal(offs, [[-4.0, 6.0, 26.0], [0.0, 40.0, 55.0]])


def test_distances_along_plans_see_vehicles_ahead_on_the_plan_only() -> None:
    """NPC 0 (plan 0, 1, 2, at 2 m) has NPC 1 (segment 1 at 5 m) 13 m and the ego (segment 2 at 1 m) 29 m
    ahead; NPC 1 (plan 1, 2, 3) has the ego 16 m ahead and NPC 0 behind, off its plan; NPC 2 behind NPC 0
    on segment 0 sees it, and NPC 0 does not see NPC 2 (behind it)."""
    plan = np.array([[0, 1, 2], [1, 2, 3], [0, 1, 2]])
    s = np.array([2.0, 5.0, 1.0])
    offs = plan_offsets_m(LANE_M[plan], s)
    cols = columns([0, 1, 0, 2], [2.0, 5.0, 1.0, 1.0], 0.0, 0.0, 0.0, 0.0)
    table = np.full((3, SEGMENTS + 1), np.inf)
    along = distances_along_plans(table, plan, offs, cols)
    inf = np.inf
    np.testing.assert_array_equal(along, [[inf, 13.0, inf, 29.0], [inf, inf, inf, 16.0], [1.0, 14.0, inf, 30.0]])
    assert np.isinf(table).all(), "the scratch table is left as found"


def test_the_corridor_holds_vehicles_ahead_the_same_way_on_the_same_level() -> None:
    """From NPC 0 at the origin: 1 is 10 m ahead in the corridor; 2 as far but 5 m aside; 3 as far but
    oncoming; 4 as far but 10 m higher (a bridge); 5 15 m ahead, 11 m bumper to bumper: within a 12 m look-ahead,
    not a 10 m one."""
    x = np.array([0.0, 10.0, 10.0, 10.0, 10.0, 15.0])
    y = np.array([0.0, 0.0, 5.0, 0.0, 0.0, 0.0])
    z = np.array([0.0, 0.0, 0.0, 0.0, 10.0, 0.0])
    yaw = np.array([0.0, 0.0, 0.0, 180.0, 0.0, 0.0])
    length = np.full(6, 4.0)
    cols = columns(np.zeros(7, np.int64), 0.0, np.append(x, 100.0), np.append(y, 100.0), np.append(yaw, 0.0), 0.0)
    sur = surroundings(x, y, z, np.cos(np.radians(yaw)), np.sin(np.radians(yaw)), length, cols, 0.0)
    ahead = corridor_ahead(sur, np.full(6, 2.0), cols, 12.0, 0.3)
    np.testing.assert_array_equal(ahead[0], [np.inf, 10.0, np.inf, np.inf, np.inf, 15.0, np.inf])
    assert np.isinf(corridor_ahead(sur, np.full(6, 2.0), cols, 10.0, 0.3)[0, 5])
    assert sur.half_len[0, 1] == 4.0 and not sur.level[0, 4] and not sur.same_way[0, 3]


def test_lead_gaps_are_bumper_to_bumper_at_the_leaders_speed_along_the_heading() -> None:
    x = np.array([0.0, 10.0, 20.0])
    yaw = np.array([0.0, 0.0, 180.0])
    cols = columns(np.zeros(4, np.int64), 0.0, np.append(x, 100.0), 0.0, np.append(yaw, 0.0), [3.0, 6.0, 5.0, 0.0])
    sur = surroundings(x, np.zeros(3), np.zeros(3), np.cos(np.radians(yaw)), np.sin(np.radians(yaw)), np.full(3, 4.0), cols, 0.0)
    along_path = np.full((3, 4), np.inf)
    along_path[0, 2] = 20.0  # the oncoming car on the plan (a car standing across, say)
    ahead = corridor_ahead(sur, np.full(3, 2.0), cols, 12.0, 0.3)
    gap, v_lead = lead_gaps(along_path, ahead, sur, cols.speed_mps)
    assert (gap[0, 1], v_lead[0, 1]) == (6.0, 6.0)
    assert (gap[0, 2], v_lead[0, 2]) == (16.0, 0.0), "an oncoming leader counts as standing"
    assert np.isinf(gap[1, 0]), "nothing behind"


def test_walkers_count_where_their_next_second_crosses_the_corridor() -> None:
    """NPC at the origin (4 x 2 m); corridor half width 1 + 0.6 m. A walker 10 m ahead, 5 m aside, walking
    at 4 m/s towards the lane reaches 1 m aside within the second: gap 10 - (4 + 0.5) / 2; standing there,
    or behind, or beyond the 25 m look-ahead it does not count."""
    xy = np.array([[10.0, 5.0], [10.0, 5.0], [-5.0, 0.0], [30.0, 0.0], [10.0, -1.0]])
    vxy = np.array([[0.0, -4.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    gaps = walker_gaps(
        np.zeros(1), np.zeros(1), np.ones(1), np.zeros(1), np.full(1, 4.0), np.full(1, 2.0), xy, vxy, 25.0, 1.0, 0.6, 0.5
    )
    np.testing.assert_array_equal(gaps[0], [7.75, np.inf, np.inf, np.inf, 7.75])


def ego_at(x: float, y: float, yaw_deg: float) -> EgoOnGraph:
    return EgoOnGraph(x, y, yaw_deg, 0.0, 4.9, 2.1)


def test_touching_ego_is_box_overlap() -> None:
    x = np.array([2.0, 10.0])
    touching = touching_ego(x, np.zeros(2), np.zeros(2), np.full(2, 4.0), np.full(2, 2.0), ego_at(0.0, 0.0, 90.0))
    np.testing.assert_array_equal(touching, [True, False])


class StraightLanes:
    """Segments laid end to end along +x, segment k starting at 100 k [m]."""

    length_m = np.full(4, 100.0)

    @staticmethod
    def pose_at(seg: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return 100.0 * seg + s, np.zeros_like(s), np.zeros_like(s)


@pytest.mark.parametrize(("ego_x", "expected"), [(15.0, 13.0), (40.0, np.inf)])
def test_ego_across_the_plan_is_seen_where_its_grown_box_covers_the_path(ego_x: float, expected: float) -> None:
    """The ego standing across the lane at x: its box (4.9 x 2.1 m, grown by 1 + 0.3 m) covers the path from
    x - 2.35 m, so the first 1 m path sample inside is at 13 m; beyond the 20 m reach it is not seen."""
    plan = np.array([[0, 1, 2]])
    offs = plan_offsets_m(StraightLanes.length_m[plan], np.zeros(1))
    got = ego_on_plan(
        StraightLanes, plan, np.full(1, 2.0), offs, ego_at(ego_x, 0.0, 90.0), np.array([True]), np.array([20.0]), 0.3
    )
    assert got[0] == expected
    not_candidate = ego_on_plan(
        StraightLanes, plan, np.full(1, 2.0), offs, ego_at(ego_x, 0.0, 90.0), np.array([False]), np.array([20.0]), 0.3
    )
    assert np.isinf(not_candidate[0])


def test_ego_on_plan_follows_the_plan_into_the_next_segment() -> None:
    """NPC 95 m along segment 0; the ego across segment 1 at 8 m from its start: 13 m along the plan."""
    net = SimpleNamespace(length_m=StraightLanes.length_m, pose_at=StraightLanes.pose_at)
    plan = np.array([[0, 1, 2]])
    offs = plan_offsets_m(net.length_m[plan], np.array([95.0]))
    got = ego_on_plan(net, plan, np.full(1, 2.0), offs, ego_at(108.0, 0.0, 90.0), np.array([True]), np.array([20.0]), 0.3)
    assert got[0] == 11.0
