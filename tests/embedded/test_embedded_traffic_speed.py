"""The last stages of an NPC step (traffic_speed): the desired speed, the IDM command and the integration."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from leaderboard_adapter.embedded.traffic import TrafficParams
from leaderboard_adapter.embedded.traffic_speed import desired_speed_mps, integrate, speed_command

P = TrafficParams()
NET = SimpleNamespace(speed_limit_mps=np.array([13.0, 13.0, 13.0]), curve_cap_mps=np.array([20.0, 6.0, 11.0]))


def command(v, v0, lead_gap, lead_speed, walker_gap, line_gap):
    return speed_command(
        P.vehicle_idm, P.walker_idm, P.stop_line_idm, np.asarray(v, float), np.asarray(v0, float),
        np.asarray(lead_gap, float), np.asarray(lead_speed, float), np.asarray(walker_gap, float),
        np.asarray(line_gap, float),
    )


def test_desired_speed_is_the_limit_capped_by_curves_here_and_near_ahead_times_the_factor() -> None:
    """Plan 0 then the tight 1 (6 m/s): 15 m before it (bumper) the cap applies, 30 m before it not; on 2
    its own curve (11 m/s) caps it."""
    plan = np.array([[0, 1], [0, 1], [2, 0]])
    offs = np.array([[-10.0, 17.0], [-10.0, 32.0], [-5.0, 40.0]])
    got = desired_speed_mps(NET, plan, offs, np.full(3, 4.0), np.array([1.0, 0.8, 1.0]))
    np.testing.assert_allclose(got, [6.0, 0.8 * 13.0, 11.0])


def test_free_road_gives_max_acceleration_and_the_strongest_obstacle_wins() -> None:
    free = command([0.0], [10.0], [[np.inf]], [[0.0]], np.zeros((1, 0)), [np.inf])
    assert free[0] == P.vehicle_idm.max_accel_mps2
    leader_only = command([8.0], [10.0], [[30.0]], [[8.0]], [[np.inf]], [np.inf])[0]
    with_walker = command([8.0], [10.0], [[30.0]], [[8.0]], [[12.0]], [np.inf])[0]
    with_line = command([8.0], [10.0], [[30.0]], [[8.0]], [[np.inf]], [6.0])[0]
    assert with_walker < leader_only and with_line < leader_only
    # the walker's and the line's own gaps and headways, not the vehicles'
    assert with_walker != command([8.0], [10.0], [[12.0]], [[0.0]], [[np.inf]], [np.inf])[0]


def test_braking_is_bounded_by_max_decel() -> None:
    assert command([10.0], [10.0], [[0.1]], [[0.0]], np.zeros((1, 0)), [np.inf])[0] == -P.vehicle_idm.max_decel_mps2


def test_integration_at_constant_speed_covers_speed_times_time() -> None:
    """A car at 20 m/s for 2 s (dt 0.05 s) ends 40 m on."""
    v, s = np.array([20.0]), np.array([0.0])
    for _ in range(40):
        v, acc, s = integrate(v, np.zeros(1), s, 0.05)
    assert s[0] == pytest.approx(40.0) and acc[0] == 0.0


def test_integration_stops_at_zero_and_reports_the_realised_deceleration() -> None:
    v, acc, s = integrate(np.array([0.2, 5.0]), np.array([-8.0, -8.0]), np.array([10.0, 10.0]), 0.05)
    np.testing.assert_allclose(v, [0.0, 4.6])
    np.testing.assert_allclose(acc, [-4.0, -8.0])
    np.testing.assert_allclose(s, [10.0, 10.23])
