"""The right-of-way stage of an NPC step (right_of_way): junction entries, lights, stop signs, claims, on
small constructed plans. Segments 5 to 7 are junction lanes; 5 conflicts with 6, 7 with nothing."""

from __future__ import annotations

import numpy as np

from leaderboard_adapter.embedded.right_of_way import (
    JunctionEntry,
    approaching,
    ego_deadlock_ticks,
    first_in_lane,
    grant_claims,
    light_allows,
    next_junction_entry,
    release_claims,
    stop_sign_clearance,
)
from leaderboard_adapter.embedded.traffic_lights import GREEN, NO_LIGHT, RED, YELLOW

IS_JUNCTION = np.array([False] * 5 + [True] * 3)
CONFLICTS = np.zeros((8, 8), bool)
CONFLICTS[5, 6] = CONFLICTS[6, 5] = True
INF = np.inf


def entry_of(segment: list[int], line_gap_m: list[float], in_junction: list[bool] | None = None) -> JunctionEntry:
    n = len(segment)
    return JunctionEntry(
        np.array(segment), np.array(line_gap_m) + 2.0, np.array(line_gap_m, float),
        np.array(in_junction if in_junction is not None else [False] * n),
    )


def test_next_junction_entry_is_the_first_step_from_a_lane_into_a_junction() -> None:
    """NPC 0 enters junction lane 5 after its lane: its line is 8 m from its centre, 8 - 2 - 1.5 (setback)
    from its bumper; NPC 1's plan has no junction; NPC 2 is inside junction lane 6 and enters none."""
    plan = np.array([[0, 5, 1], [1, 2, 3], [6, 4, 2]])
    offs = np.array([[-2.0, 8.0, 18.0], [-1.0, 9.0, 19.0], [-3.0, 7.0, 17.0]])
    setback = np.zeros(8)
    setback[5] = 1.5
    e = next_junction_entry(plan, IS_JUNCTION[plan], offs, np.full(3, 4.0), setback)
    np.testing.assert_array_equal(e.segment, [5, -1, -1])
    np.testing.assert_array_equal(e.line_gap_m, [4.5, INF, INF])
    assert e.centre_to_line_m[0] == 8.0
    np.testing.assert_array_equal(e.in_junction, [False, False, True])
    np.testing.assert_array_equal(e.has_entry, [True, False, False])


def test_claims_are_released_once_the_npc_is_through_the_lane() -> None:
    e = entry_of([5, 6, -1], [3.0, 3.0, INF])
    claim = np.array([5, 7, 7])
    # NPC 0 holds its next lane, NPC 1 a lane it has left, NPC 2 the lane it is on
    np.testing.assert_array_equal(release_claims(claim, e, np.array([0, 1, 7])), [5, -1, 7])


def test_the_light_lets_go_on_green_none_or_a_yellow_too_late_to_stop() -> None:
    e = entry_of([5, 5, 5, 6, 7, -1], [10.0, 10.0, 10.0, 10.0, 10.0, INF])
    light_state = np.full(8, NO_LIGHT)
    speed = np.array([5.0, 5.0, 12.0, 5.0, 5.0, 5.0])
    for state, expected in [(GREEN, [True, True, True]), (RED, [False, False, False])]:
        light_state[5] = state
        np.testing.assert_array_equal(light_allows(e, speed, light_state, 4.0)[:3], expected)
    light_state[5] = YELLOW  # 5 m/s stops in 10 m at 1.25 m/s², 12 m/s needs 7.2 m/s²
    light_state[6] = RED
    np.testing.assert_array_equal(light_allows(e, speed, light_state, 4.0), [False, False, True, False, True, True])


def test_a_stop_sign_lets_go_once_the_npc_has_stood_at_its_line() -> None:
    stop_mask = np.zeros(8, bool)
    stop_mask[5] = True
    e = entry_of([5, 5, 5, 6], [2.0, 2.0, 8.0, 2.0])
    speed = np.array([3.0, 0.05, 0.05, 3.0])
    ok, cleared = stop_sign_clearance(e, speed, stop_mask, np.array([-1, -1, -1, -1]), 0.1, 3.0)
    np.testing.assert_array_equal(ok, [False, True, False, True])
    np.testing.assert_array_equal(cleared, [-1, 5, -1, -1])
    # once cleared it may go, moving again
    ok, cleared = stop_sign_clearance(e, np.full(4, 3.0), stop_mask, cleared, 0.1, 3.0)
    np.testing.assert_array_equal(ok, [False, True, False, True])


def test_approaching_means_within_braking_range_without_a_claim() -> None:
    e = entry_of([5, 5, 5, -1], [10.0, 20.0, 10.0, INF])
    # 10 m/s brakes in 10 m / 3 m/s² = 16.7 m, plus the 4 m margin
    near = approaching(e, np.array([-1, -1, 5, -1]), np.full(4, 10.0), 3.0, 4.0)
    np.testing.assert_array_equal(near, [True, True, False, False])
    assert not approaching(e, np.full(4, -1), np.full(4, 10.0), 3.0, 2.0)[1]


def test_first_in_lane_means_no_vehicle_before_the_junction() -> None:
    e = entry_of([5, 5], [10.0, 10.0])  # the junction lane starts 12 m ahead of each centre
    along_path = np.array([[INF, 8.0, INF], [INF, INF, 14.0]])
    np.testing.assert_array_equal(first_in_lane(e, along_path), [False, True])


def test_conflicting_claims_go_to_the_longest_waiting_then_the_lowest_index() -> None:
    """NPCs 0 and 1 want conflicting lanes 5 and 6, NPC 2 lane 7: 1 has waited longer and goes, and so does 2."""
    e = entry_of([5, 6, 7], [3.0, 3.0, 3.0])
    wants = np.ones(3, bool)
    none = np.full(3, -1)
    lanes = np.zeros(3, np.int64)
    claim = grant_claims(wants, e, none, np.array([5, 9, 0]), lanes, (-2, -1), CONFLICTS)
    np.testing.assert_array_equal(claim, [-1, 6, 7])
    claim = grant_claims(wants, e, none, np.array([4, 4, 0]), lanes, (-2, -1), CONFLICTS)
    np.testing.assert_array_equal(claim, [5, -1, 7])


def test_no_claim_conflicting_with_an_occupied_lane_the_ego_or_a_holder() -> None:
    e = entry_of([5, 7], [3.0, 3.0])
    wants = np.array([True, True])
    lanes = np.zeros(2, np.int64)
    # the ego about to enter 6
    np.testing.assert_array_equal(
        grant_claims(wants, e, np.full(2, -1), np.zeros(2), lanes, (1, 6), CONFLICTS), [-1, 7]
    )
    # an NPC inside lane 6 (NPC 1, whose next entry is 7)
    inside = entry_of([5, 7], [3.0, 3.0], in_junction=[False, True])
    np.testing.assert_array_equal(
        grant_claims(wants, inside, np.full(2, -1), np.zeros(2), np.array([0, 6]), (-2, -1), CONFLICTS), [-1, 7]
    )
    # its own claim does not block itself
    np.testing.assert_array_equal(
        grant_claims(wants, e, np.array([5, -1]), np.zeros(2), lanes, (-2, -1), CONFLICTS), [5, 7]
    )


def test_deadlock_ticks_count_only_standing_face_to_face_with_the_standing_ego() -> None:
    ticks = np.array([3, 3, 3, 3, 3])
    speed = np.array([0.0, 0.0, 2.0, 0.0, 0.0])
    same_way = np.array([False, True, False, False, False])
    level = np.array([True, True, True, False, True])
    distance = np.array([5.0, 5.0, 5.0, 5.0, 15.0])
    got = ego_deadlock_ticks(ticks, speed, 0.0, same_way, level, distance, 0.1, 10.0)
    np.testing.assert_array_equal(got, [4, 0, 0, 0, 0])
    np.testing.assert_array_equal(ego_deadlock_ticks(ticks, speed, 1.0, same_way, level, distance, 0.1, 10.0), 0)
