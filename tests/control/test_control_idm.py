"""The Intelligent Driver Model: closed forms of the acceleration, and the target speed built on it.

a = a_max (1 - (v/v0)^delta - (s*/s)^2), s* = s0 + v T + v (v - v_obstacle) / (2 sqrt(a_max b)).
The expert's textbook form through the scalar wrappers; the NPCs' saturated form vectorised.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from leaderboard_adapter.control import idm
from leaderboard_adapter.control.idm import EXPERT_IDM, NPC_IDM, IdmParams, idm_acceleration, idm_target_speed

P = IdmParams(min_gap_m=4.0, time_headway_s=1.0, max_accel_mps2=3.0, comfort_decel_mps2=3.5, delta=4.0)
FAR_M = 1e6
"""A gap so long the obstacle does not matter [m]."""


def desired_gap_m(v: float, v_obstacle: float, p: IdmParams = P) -> float:
    return (
        p.min_gap_m
        + v * p.time_headway_s
        + v * (v - v_obstacle) / (2 * math.sqrt(p.max_accel_mps2 * p.comfort_decel_mps2))
    )


def test_free_road_from_standstill_gives_max_acceleration() -> None:
    assert idm_acceleration(0.0, 13.89, FAR_M, 0.0, P) == pytest.approx(P.max_accel_mps2, abs=1e-9)


def test_at_desired_speed_on_a_free_road_acceleration_is_zero() -> None:
    assert idm_acceleration(13.89, 13.89, FAR_M, 13.89, P) == pytest.approx(0.0, abs=1e-9)
    # above it the model brakes
    assert idm_acceleration(16.0, 13.89, FAR_M, 16.0, P) < -1.0


@pytest.mark.parametrize("v", [2.0, 6.0, 10.0, 13.0])
def test_standing_obstacle_at_the_desired_gap_brakes_by_the_free_term(v: float) -> None:
    """At s = s*(v) the interaction term is 1, so a = -a_max (v/v0)^delta."""
    v0 = 13.89
    gap = desired_gap_m(v, 0.0)
    expected = -P.max_accel_mps2 * (v / v0) ** P.delta
    assert idm_acceleration(v, v0, gap, 0.0, P) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_following_at_equal_speed_at_the_headway_gap() -> None:
    """Same speed as the leader: s* = s0 + v T, and again a = -a_max (v/v0)^delta there."""
    v, v0 = 8.0, 13.89
    gap = P.min_gap_m + v * P.time_headway_s
    assert idm_acceleration(v, v0, gap, v, P) == pytest.approx(-P.max_accel_mps2 * (v / v0) ** 4)


def test_acceleration_grows_with_the_gap_and_falls_with_the_closing_speed() -> None:
    gaps = [5.0, 10.0, 20.0, 40.0, 80.0]
    by_gap = [idm_acceleration(10.0, 13.89, g, 0.0, P) for g in gaps]
    assert by_gap == sorted(by_gap) and by_gap[0] < -10.0 < 0.0 < by_gap[-1]
    by_leader_speed = [idm_acceleration(10.0, 13.89, 20.0, vl, P) for vl in (0.0, 5.0, 10.0, 15.0)]
    assert by_leader_speed == sorted(by_leader_speed)


@pytest.mark.parametrize("gap", [P.min_gap_m, 0.5 * P.min_gap_m, 0.0, -1.0])
@pytest.mark.parametrize("speed", [0.0, 3.0, 12.0])
def test_target_is_zero_at_or_inside_the_min_gap_of_a_standing_obstacle(gap: float, speed: float) -> None:
    assert idm_target_speed(speed, 13.89, gap, 0.0, P, 0.5) == 0.0


def test_target_just_outside_the_min_gap_lets_a_standing_car_creep() -> None:
    assert 0.0 < idm_target_speed(0.0, 13.89, P.min_gap_m + 0.5, 0.0, P, 0.5) < 2.0


def test_target_stays_within_zero_and_the_desired_speed() -> None:
    rng = np.random.default_rng(2)
    for _ in range(3000):
        speed = rng.uniform(0.0, 25.0)
        desired = rng.uniform(0.0, 20.0)
        gap = rng.uniform(-5.0, 150.0)
        v_obstacle = rng.uniform(0.0, 20.0)
        horizon = rng.uniform(0.05, 2.0)
        target = idm_target_speed(speed, desired, gap, v_obstacle, P, horizon)
        assert 0.0 <= target <= desired + 1e-12
        # and never above the speed that stops min_gap short of where the obstacle can stop, braking at b
        room = gap - P.min_gap_m + v_obstacle**2 / (2 * P.comfort_decel_mps2)
        assert target <= math.sqrt(2 * P.comfort_decel_mps2 * max(room, 0.0)) + 1e-9


def test_target_on_a_free_road_follows_the_acceleration_over_the_horizon() -> None:
    """From standstill the target is v + a_max * horizon; at the desired speed it holds it."""
    assert idm_target_speed(0.0, 13.89, FAR_M, 0.0, P, 0.5) == pytest.approx(0.5 * P.max_accel_mps2)
    assert idm_target_speed(13.89, 13.89, FAR_M, 13.89, P, 0.5) == pytest.approx(13.89)


def test_target_falls_as_a_standing_obstacle_comes_closer() -> None:
    targets = [idm_target_speed(10.0, 13.89, g, 0.0, P, 0.5) for g in (60.0, 30.0, 15.0, 8.0, 4.5)]
    assert targets == sorted(targets, reverse=True)
    assert targets[0] > 10.0 and targets[-1] < 2.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_gap_m": -1.0, "time_headway_s": 1.0},
        {"min_gap_m": 1.0, "time_headway_s": -0.1},
        {"min_gap_m": 1.0, "time_headway_s": 1.0, "max_accel_mps2": 0.0},
        {"min_gap_m": 1.0, "time_headway_s": 1.0, "comfort_decel_mps2": -2.0},
        {"min_gap_m": 1.0, "time_headway_s": 1.0, "delta": 0.0},
    ],
)
def test_invalid_params_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="IdmParams"):
        IdmParams(**kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_gap_m": 1.0, "time_headway_s": 1.0, "comfort_decel_mps2": 3.0, "max_decel_mps2": 2.0},
        {"min_gap_m": 1.0, "time_headway_s": 1.0, "gap_floor_m": 0.0},
    ],
)
def test_invalid_limits_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="IdmParams"):
        IdmParams(**kwargs)


def test_the_named_instances_keep_the_npcs_and_the_experts_figures() -> None:
    assert (NPC_IDM.min_gap_m, NPC_IDM.time_headway_s, NPC_IDM.max_accel_mps2, NPC_IDM.comfort_decel_mps2) == (
        2.5,
        1.0,
        2.0,
        3.0,
    )
    assert (NPC_IDM.max_decel_mps2, NPC_IDM.delta, NPC_IDM.gap_floor_m, NPC_IDM.saturated) == (8.0, 4.0, 0.05, True)
    assert IdmParams(min_gap_m=3.0, time_headway_s=0.5, max_accel_mps2=3.0, comfort_decel_mps2=3.5) == EXPERT_IDM
    assert (EXPERT_IDM.max_decel_mps2, EXPERT_IDM.saturated) == (math.inf, False)


def test_the_scalar_wrapper_is_the_vectorised_model_at_one_point() -> None:
    v = np.array([0.0, 4.0, 9.0, 14.0])
    gaps = np.array([60.0, 12.0, 20.0, 8.0])
    lead = np.array([0.0, 5.0, 3.0, 14.0])
    vectorised = idm.acceleration(P, v, 13.89, idm.interaction(P, v, v - lead, gaps))
    scalar = [idm_acceleration(float(a), 13.89, float(g), float(b), P) for a, g, b in zip(v, gaps, lead, strict=True)]
    np.testing.assert_array_equal(vectorised, scalar)


def test_npc_form_floors_the_free_term_at_the_comfortable_deceleration_and_clips_at_max_decel() -> None:
    """Far above the desired speed on a free road the NPC slows at b, the textbook form much harder;
    with an obstacle at contact the NPC's braking stops at max_decel."""
    free_road = idm.acceleration(NPC_IDM, np.array(20.0), np.array(10.0), np.array(0.0))
    assert free_road == pytest.approx(-NPC_IDM.comfort_decel_mps2)
    assert idm_acceleration(20.0, 10.0, FAR_M, 20.0, P) < -10.0
    at_contact = idm.acceleration(NPC_IDM, np.array(10.0), np.array(10.0), idm.interaction(NPC_IDM, 10.0, 10.0, 0.0))
    assert at_contact == -NPC_IDM.max_decel_mps2


def test_npc_form_free_road_and_an_infinite_gap_do_not_interact() -> None:
    assert idm.interaction(NPC_IDM, np.array([5.0]), np.array([5.0]), np.array([np.inf]))[0] == 0.0
    assert idm.acceleration(NPC_IDM, np.array(0.0), np.array(10.0), np.array(0.0)) == NPC_IDM.max_accel_mps2


@pytest.mark.parametrize("p", [NPC_IDM, P], ids=["npc", "expert"])
def test_a_follower_closing_on_a_standing_obstacle_stops_about_s0_before_it(p: IdmParams) -> None:
    """Closed loop (dt 0.05 s) from 10 m/s, 80 m away: it stops without contact, within 1 m of s0 short of it."""
    dt, x, v, obstacle = 0.05, 0.0, 10.0, 80.0
    for _ in range(2000):
        acc = idm.acceleration(p, v, 13.89, idm.interaction(p, v, v, obstacle - x))
        v = max(v + float(acc) * dt, 0.0)
        x += v * dt
    assert v < 0.05
    assert obstacle - x > 0.0 and abs(obstacle - x - p.min_gap_m) < 1.0
