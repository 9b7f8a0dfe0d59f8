"""Lateral control: PDM-Lite's look-ahead in metres, and steer_deg (left positive) to CARLA steer (right positive)."""

from __future__ import annotations

import pytest

from leaderboard_adapter.control import LateralController, LateralParams, PIDParams, lookahead_distance_m


@pytest.mark.parametrize(
    ("speed_mps", "expected_m"),
    [
        (0.0, 2.4),  # clipped up
        (-3.0, 2.4),  # reversing reads as standing
        (6.0, 2.4),  # 0.09755 * 21.6 + 0.19 = 2.30: still clipped
        (8.0, 0.09755321901954155 * 28.8 + 0.19152884533402488),  # 3.00
        (10.0, 0.09755321901954155 * 36.0 + 0.19152884533402488),  # 3.70
        (29.0, 0.09755321901954155 * 104.4 + 0.19152884533402488),  # 10.38, just below the cap
        (30.0, 10.5),  # clipped down
        (100.0, 10.5),
    ],
)
def test_lookahead_follows_pdm_lite_in_metres(speed_mps, expected_m) -> None:
    assert lookahead_distance_m(speed_mps) == pytest.approx(expected_m)


def test_lookahead_stays_within_bounds_and_grows_with_speed() -> None:
    values = [lookahead_distance_m(v / 4) for v in range(0, 200)]
    assert min(values) == 2.4 and max(values) == 10.5
    assert all(b >= a for a, b in zip(values, values[1:], strict=False))


def test_lookahead_rejects_nan() -> None:
    with pytest.raises(ValueError, match="NaN"):
        lookahead_distance_m(float("nan"))


def test_steering_left_gives_negative_carla_steer() -> None:
    left, right = LateralController(LateralParams()), LateralController(LateralParams())
    steer_left = left.step(20.0, 0.05)
    assert steer_left < 0.0
    assert right.step(-20.0, 0.05) == pytest.approx(-steer_left)
    assert LateralController(LateralParams()).step(0.0, 0.05) == 0.0


def test_first_step_is_proportional_plus_one_tick_of_integral() -> None:
    pid = PIDParams(kp=2.0, ki=4.0, kd=1.0, window=6)
    steer = LateralController(LateralParams(pid=pid)).step(9.0, 0.05)  # error 0.1
    assert steer == pytest.approx(-(2.0 * 0.1 + 4.0 * 0.1 * 0.05))


def test_output_is_clipped_and_steer_beyond_90_degrees_counts_as_90() -> None:
    at_90 = LateralController(LateralParams()).step(90.0, 0.05)
    at_170 = LateralController(LateralParams()).step(170.0, 0.05)
    assert at_90 == at_170 == -1.0


def test_reset_forgets_the_window() -> None:
    used, fresh = LateralController(LateralParams()), LateralController(LateralParams())
    for _ in range(5):
        used.step(30.0, 0.05)
    used.reset()
    assert used.step(5.0, 0.05) == fresh.step(5.0, 0.05)


@pytest.mark.parametrize("limit", [0.0, -5.0, 200.0, float("nan")])
def test_params_reject_bad_steer_limit(limit) -> None:
    with pytest.raises(ValueError, match=r"LateralParams\.max_steer_deg must be in \(0, 180\]"):
        LateralParams(max_steer_deg=limit)


def test_params_reject_non_pid_gains() -> None:
    with pytest.raises(ValueError, match=r"LateralParams\.pid must be PIDParams, got tuple"):
        LateralParams(pid=(1.0, 0.0, 0.0, 6))  # type: ignore[arg-type]
