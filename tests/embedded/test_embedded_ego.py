"""Ego bicycle model: coasting, braking distance, turning radius, control clamping."""

from __future__ import annotations

import math

import carla
import numpy as np
import pytest

from leaderboard_adapter.embedded.ego import EgoParams, EgoVehicle

DT = 0.05


def _ego(speed: float = 0.0) -> EgoVehicle:
    return EgoVehicle(EgoParams(), 0.0, 0.0, 0.0, 0.0, speed)


def test_coasting_decelerates_gently() -> None:
    ego = _ego(10.0)
    speeds = []
    for _ in range(40):
        ego.step(carla.VehicleControl(), DT)
        speeds.append(ego.speed_mps)
    assert all(b < a for a, b in zip(speeds, speeds[1:], strict=False))
    # 2 s of coasting: slower, but nothing like braking (rolling + engine + drag ~0.7 m/s²)
    assert 8.0 < speeds[-1] < 9.9


def test_full_brake_from_10_mps_stops_in_plausible_distance() -> None:
    ego = _ego(10.0)
    for _ in range(100):
        ego.step(carla.VehicleControl(brake=1.0), DT)
    assert ego.speed_mps == 0.0
    # v²/(2·8 m/s²) = 6.25 m, a little less with rolling resistance
    assert 5.0 < ego.x_m < 6.6
    assert abs(ego.y_m) < 1e-9


def test_full_throttle_acceleration_is_about_4_mps2_and_falls_with_speed() -> None:
    ego = _ego(0.0)
    ego.step(carla.VehicleControl(throttle=1.0), DT)
    assert 3.3 < ego.accel_mps2 < 4.0
    fast = _ego(25.0)
    fast.step(carla.VehicleControl(throttle=1.0), DT)
    assert fast.accel_mps2 < ego.accel_mps2 - 1.0


def test_steering_drives_a_circle_of_the_bicycle_radius() -> None:
    params = EgoParams()
    ego = _ego(5.0)
    xs, ys = [], []
    for i in range(400):
        ego.speed_mps = 5.0  # hold speed: the radius of a kinematic bicycle does not depend on it
        ego.step(carla.VehicleControl(steer=0.5), DT)
        if i > 40:  # past the steering-rate limit
            xs.append(ego.x_m)
            ys.append(ego.y_m)
    x, y = np.array(xs), np.array(ys)
    # algebraic circle fit: x² + y² + D x + E y + F = 0
    a = np.stack([x, y, np.ones_like(x)], axis=1)
    d, e, f = np.linalg.lstsq(a, -(x**2 + y**2), rcond=None)[0]
    radius = math.sqrt(d * d / 4 + e * e / 4 - f)
    delta = math.radians(0.5 * params.max_steer_deg)
    expected = (params.wheelbase_m / 2) / math.sin(math.atan(0.5 * math.tan(delta)))
    assert radius == pytest.approx(expected, rel=0.03)
    # positive steer turns right: in CARLA's frame the centre lies at +y (south) of a car heading east
    assert -e / 2 > 0


def test_controls_are_clamped() -> None:
    ego = _ego(0.0)
    ego.step(carla.VehicleControl(throttle=5.0, steer=-3.0, brake=-1.0), DT)
    c = ego.last_control
    assert (c.throttle, c.steer, c.brake) == (1.0, -1.0, 0.0)
    assert ego.accel_mps2 <= EgoParams().max_accel_mps2 + 1e-9
    for _ in range(100):
        ego.step(carla.VehicleControl(throttle=1.0, steer=-3.0), DT)
    assert abs(ego.steer_rad) <= math.radians(EgoParams().max_steer_deg) + 1e-9


def test_steering_rate_is_limited() -> None:
    ego = _ego(5.0)
    ego.step(carla.VehicleControl(steer=1.0), DT)
    assert math.degrees(ego.steer_rad) == pytest.approx(EgoParams().max_steer_rate_dps * DT)


def test_reverse_drives_backwards() -> None:
    ego = _ego(0.0)
    for _ in range(20):
        ego.step(carla.VehicleControl(throttle=0.5, reverse=True), DT)
    assert ego.speed_mps < -1.0
    assert ego.x_m < 0.0


def test_invalid_params_raise() -> None:
    with pytest.raises(ValueError, match="wheelbase"):
        EgoParams(wheelbase_m=6.0)
    with pytest.raises(ValueError, match="max_brake_mps2"):
        EgoParams(max_brake_mps2=0.0)
