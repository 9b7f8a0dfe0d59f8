"""WindowedPID: the integral covers only the last `window` errors, dt is explicit, reset forgets."""

from __future__ import annotations

import pytest

from leaderboard_adapter.control import PIDParams, WindowedPID


def test_integral_forgets_errors_older_than_the_window() -> None:
    pid = WindowedPID(PIDParams(kp=0.0, ki=1.0, kd=0.0, window=3))
    outputs = [pid.step(e, 0.1) for e in (1.0, 2.0, 3.0, 4.0)]
    # integral = sum(e * dt) over the last 3 errors: 0.1, 0.3, 0.6, then (2 + 3 + 4) * 0.1
    assert outputs == pytest.approx([0.1, 0.3, 0.6, 0.9])
    assert pid.errors == (2.0, 3.0, 4.0)


def test_integral_weights_each_error_by_its_own_step() -> None:
    pid = WindowedPID(PIDParams(kp=0.0, ki=2.0, kd=0.0, window=5))
    pid.step(1.0, 0.05)
    assert pid.step(1.0, 0.2) == pytest.approx(2.0 * (0.05 + 0.2))


def test_derivative_is_the_last_difference_over_dt_and_zero_at_first() -> None:
    pid = WindowedPID(PIDParams(kp=0.0, ki=0.0, kd=0.5, window=4))
    assert pid.step(1.0, 0.05) == 0.0
    assert pid.step(1.5, 0.05) == pytest.approx(0.5 * 0.5 / 0.05)
    assert pid.step(1.5, 0.05) == pytest.approx(0.0)


def test_proportional_term() -> None:
    assert WindowedPID(PIDParams(kp=2.5, ki=0.0, kd=0.0, window=1)).step(-0.4, 0.05) == pytest.approx(-1.0)


def test_reset_clears_integral_and_derivative_memory() -> None:
    params = PIDParams(kp=1.0, ki=1.0, kd=1.0, window=10)
    used, fresh = WindowedPID(params), WindowedPID(params)
    for e in (3.0, -2.0, 5.0):
        used.step(e, 0.05)
    used.reset()
    assert used.errors == () and used.integral == 0.0
    assert used.step(0.7, 0.05) == fresh.step(0.7, 0.05)


def test_invalid_inputs_leave_memory_unchanged() -> None:
    pid = WindowedPID(PIDParams(kp=1.0, ki=1.0, kd=0.0, window=3))
    pid.step(1.0, 0.05)
    with pytest.raises(ValueError, match="error must be finite"):
        pid.step(float("nan"), 0.05)
    with pytest.raises(ValueError, match="dt_s must be positive"):
        pid.step(1.0, 0.0)
    assert pid.errors == (1.0,)


def test_from_per_tick_matches_a_mean_window_pid_on_a_full_window() -> None:
    """PDM-Lite style: ki_mean * mean(window) + kd_step * (e[-1] - e[-2]) with a full window."""
    window, dt = 6, 0.05
    params = PIDParams.from_per_tick(kp=3.0, ki_mean=0.6, kd_step=1.4, window=window, dt_s=dt)
    assert params.ki == pytest.approx(0.6 / (window * dt)) and params.kd == pytest.approx(1.4 * dt)
    pid = WindowedPID(params)
    errors = [0.1, 0.3, -0.2, 0.5, 0.4, 0.2, 0.6, -0.1]
    for k, e in enumerate(errors):
        out = pid.step(e, dt)
        if k >= window - 1:
            recent = errors[k - window + 1 : k + 1]
            expected = 3.0 * e + 0.6 * sum(recent) / window + 1.4 * (e - errors[k - 1])
            assert out == pytest.approx(expected)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kp": -1.0, "ki": 0.0, "kd": 0.0, "window": 1}, r"PIDParams\.kp must be finite and >= 0"),
        ({"kp": 1.0, "ki": float("nan"), "kd": 0.0, "window": 1}, r"PIDParams\.ki must be finite"),
        ({"kp": 1.0, "ki": 0.0, "kd": 0.0, "window": 0}, r"PIDParams\.window must be an int >= 1"),
        ({"kp": 1.0, "ki": 0.0, "kd": 0.0, "window": 2.5}, r"PIDParams\.window must be an int >= 1"),
    ],
)
def test_params_validation(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        PIDParams(**kwargs)
