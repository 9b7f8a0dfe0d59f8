"""ego_distance_profile: the ego's distance along its path under a ramp to the planned speed, in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from expert.forecast import ego_distance_profile

T = np.arange(0.0, 10.0 + 1e-9, 0.05)


def test_constant_speed_is_v_times_t() -> None:
    np.testing.assert_allclose(ego_distance_profile(8.0, 8.0, T, 1.5, 3.0), 8.0 * T)


def test_speeding_up_is_a_parabola_then_a_line() -> None:
    """0 -> 10 m/s at 2 m/s^2: t_ramp = 5 s, 25 m; then 10 m/s."""
    d = ego_distance_profile(0.0, 10.0, np.array([0.0, 3.0, 5.0, 7.0]), 2.0, 3.0)
    np.testing.assert_allclose(d, [0.0, 9.0, 25.0, 45.0])


def test_slowing_down_uses_the_deceleration() -> None:
    """10 -> 4 m/s at 3 m/s^2: t_ramp = 2 s, 14 m; then 4 m/s. The acceleration argument is not used."""
    d = ego_distance_profile(10.0, 4.0, np.array([1.0, 2.0, 4.0]), 99.0, 3.0)
    np.testing.assert_allclose(d, [8.5, 14.0, 22.0])


def test_stopping_saturates_at_the_braking_distance() -> None:
    d = ego_distance_profile(12.0, 0.0, T, 1.5, 4.0)
    assert d[-1] == pytest.approx(12.0**2 / (2 * 4.0))
    assert (np.diff(d) >= 0.0).all()
    np.testing.assert_allclose(d[T >= 3.0], 18.0)


def test_profile_is_continuous_and_monotonic_for_random_cases() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(0.0, 3.0 + 1e-9, 0.01)
    for _ in range(200):
        v0, v1 = rng.uniform(0, 20, 2)
        accel, decel = rng.uniform(0.5, 4.0, 2)
        d = ego_distance_profile(v0, v1, t, accel, decel)
        steps = np.diff(d)
        assert (steps >= -1e-12).all()
        # no jump: a step never exceeds the faster of the two speeds times dt
        assert steps.max() <= max(v0, v1) * 0.01 + 1e-9


def test_negative_speeds_read_as_standstill() -> None:
    np.testing.assert_allclose(ego_distance_profile(-3.0, -1.0, T, 1.5, 3.0), 0.0)
    np.testing.assert_allclose(
        ego_distance_profile(-3.0, 4.0, T, 2.0, 3.0), ego_distance_profile(0.0, 4.0, T, 2.0, 3.0)
    )
