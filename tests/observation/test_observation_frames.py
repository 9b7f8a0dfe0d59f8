"""Ego-frame conventions: ahead is +x, left is +y, headings and velocities counter-clockwise positive, on every heading."""

from __future__ import annotations

import math

import numpy as np
import pytest
from observation_helpers import WorldViewTestDouble, actor, straight_route

from leaderboard_adapter.geometry import wrap_deg_up_to_180
from leaderboard_adapter.observation import EgoFrame, ObservationBuilder
from leaderboard_adapter.world_view import ActorState

HEADINGS_DEG = [0.0, 30.0, 45.0, 90.0, 135.0, 180.0, -180.0, -135.0, -90.0, -45.0, 270.0, 725.0]
EGO_XY = (12.5, -7.25)


def _forward(yaw_deg: float) -> tuple[float, float]:
    """Unit vector along a CARLA yaw, world frame."""
    return math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))


def _left(yaw_deg: float) -> tuple[float, float]:
    """Unit vector to the left of a CARLA yaw, world frame (CARLA's y points right/south)."""
    return math.sin(math.radians(yaw_deg)), -math.cos(math.radians(yaw_deg))


def _scene(yaw_deg: float, others: list[ActorState], **hero_kwargs) -> dict:
    hero = ActorState(0, 0, EGO_XY[0], EGO_XY[1], 0.0, yaw_deg, 0.0, 0.0, 4.9, 2.12, **hero_kwargs)
    view = WorldViewTestDouble(hero, straight_route(), others)
    return ObservationBuilder(view).build(view)


@pytest.mark.parametrize("yaw_deg", HEADINGS_DEG)
def test_actor_ten_metres_ahead_is_at_plus_x(yaw_deg: float) -> None:
    fx, fy = _forward(yaw_deg)
    obs = _scene(yaw_deg, [actor(7, EGO_XY[0] + 10 * fx, EGO_XY[1] + 10 * fy, yaw_deg=yaw_deg)])
    (v,) = obs["vehicles"]
    assert (v["x_m"], v["y_m"]) == pytest.approx((10.0, 0.0), abs=1e-3)
    assert v["heading_deg"] == pytest.approx(0.0, abs=1e-3)
    assert v["distance_m"] == pytest.approx(10.0, abs=1e-3)


@pytest.mark.parametrize("yaw_deg", HEADINGS_DEG)
def test_actor_five_metres_left_is_at_plus_y(yaw_deg: float) -> None:
    lx, ly = _left(yaw_deg)
    obs = _scene(yaw_deg, [actor(7, EGO_XY[0] + 5 * lx, EGO_XY[1] + 5 * ly)])
    (v,) = obs["vehicles"]
    assert (v["x_m"], v["y_m"]) == pytest.approx((0.0, 5.0), abs=1e-3)


@pytest.mark.parametrize("yaw_deg", HEADINGS_DEG)
def test_relative_heading_is_counter_clockwise_positive(yaw_deg: float) -> None:
    # CARLA yaw is clockwise: an actor whose yaw is 30 deg smaller points 30 deg to the ego's left
    fx, fy = _forward(yaw_deg)
    others = [
        actor(1, EGO_XY[0] + 10 * fx, EGO_XY[1] + 10 * fy, yaw_deg=yaw_deg - 30.0),
        actor(2, EGO_XY[0] + 20 * fx, EGO_XY[1] + 20 * fy, yaw_deg=yaw_deg + 100.0),
        actor(3, EGO_XY[0] + 30 * fx, EGO_XY[1] + 30 * fy, yaw_deg=yaw_deg + 180.0),
    ]
    headings = [v["heading_deg"] for v in _scene(yaw_deg, others)["vehicles"]]
    assert headings == pytest.approx([30.0, -100.0, 180.0], abs=1e-3)


@pytest.mark.parametrize("yaw_deg", HEADINGS_DEG)
def test_actor_velocity_forward_and_left_positive(yaw_deg: float) -> None:
    fx, fy = _forward(yaw_deg)
    lx, ly = _left(yaw_deg)
    others = [
        actor(1, EGO_XY[0] + 10 * fx, EGO_XY[1] + 10 * fy, vx_mps=3 * fx, vy_mps=3 * fy),
        actor(2, EGO_XY[0] + 20 * fx, EGO_XY[1] + 20 * fy, vx_mps=2 * lx, vy_mps=2 * ly),
    ]
    ahead, crossing = _scene(yaw_deg, others)["vehicles"]
    assert (ahead["vx_mps"], ahead["vy_mps"], ahead["speed_mps"]) == pytest.approx((3.0, 0.0, 3.0), abs=1e-3)
    assert (crossing["vx_mps"], crossing["vy_mps"], crossing["speed_mps"]) == pytest.approx(
        (0.0, 2.0, 2.0), abs=1e-3
    )


@pytest.mark.parametrize("yaw_deg", [0.0, 90.0, -135.0])
def test_ego_motion_in_the_ego_frame(yaw_deg: float) -> None:
    fx, fy = _forward(yaw_deg)
    lx, ly = _left(yaw_deg)
    # driving forward at 5 m/s, braking at 2 m/s^2, turning right (CARLA yaw rate positive = clockwise)
    # with 1.5 m/s^2 of centripetal acceleration to the right
    obs = _scene(
        yaw_deg,
        [],
        ax_mps2=-2 * fx - 1.5 * lx,
        ay_mps2=-2 * fy - 1.5 * ly,
        yaw_rate_dps=17.0,
    )
    hero_v = ActorState(0, 0, EGO_XY[0], EGO_XY[1], 0.0, yaw_deg, 5 * fx, 5 * fy, 4.9, 2.12)
    view = WorldViewTestDouble(hero_v, straight_route())
    moving = ObservationBuilder(view).build(view)["ego"]
    assert (moving["vx_mps"], moving["vy_mps"], moving["speed_mps"]) == pytest.approx(
        (5.0, 0.0, 5.0), abs=1e-3
    )
    ego = obs["ego"]
    assert ego["accel_mps2"] == pytest.approx(-2.0, abs=1e-3)
    assert ego["lateral_accel_mps2"] == pytest.approx(-1.5, abs=1e-3)
    assert ego["yaw_rate_dps"] == pytest.approx(-17.0, abs=1e-3)
    assert ego["yaw_deg"] == pytest.approx(float(wrap_deg_up_to_180(yaw_deg)), abs=1e-3)
    assert (ego["x_m"], ego["y_m"]) == EGO_XY


def test_ego_yaw_reported_in_minus_180_exclusive_to_180() -> None:
    for yaw, expected in [
        (-180.0, 180.0),
        (180.0, 180.0),
        (-179.9999, 180.0),
        (540.0, 180.0),
        (-190.0, 170.0),
    ]:
        hero = ActorState(0, 0, 0.0, 0.0, 0.0, yaw, 0.0, 0.0, 4.9, 2.12)
        view = WorldViewTestDouble(hero, straight_route())
        assert ObservationBuilder(view).build(view)["ego"]["yaw_deg"] == expected


def test_wrap_deg_range() -> None:
    angles = np.array([-540.0, -180.0, -179.0, 0.0, 179.0, 180.0, 181.0, 360.0, 900.0])
    assert wrap_deg_up_to_180(angles).tolist() == [180.0, 180.0, -179.0, 0.0, 179.0, 180.0, -179.0, 0.0, 180.0]


def test_frame_formulas_match_the_contract() -> None:
    rng = np.random.default_rng(4)
    ex, ey, psi = 3.0, -4.0, 63.0
    frame = EgoFrame(ex, ey, psi)
    xw, yw = rng.uniform(-50, 50, 20), rng.uniform(-50, 50, 20)
    x, y = frame.points(xw, yw)
    c, s = math.cos(math.radians(psi)), math.sin(math.radians(psi))
    np.testing.assert_allclose(x, (xw - ex) * c + (yw - ey) * s)
    np.testing.assert_allclose(y, (xw - ex) * s - (yw - ey) * c)
    # distances are preserved (a rotation plus a reflection of y)
    np.testing.assert_allclose(np.hypot(x, y), np.hypot(xw - ex, yw - ey))
    z = frame.mirrored_points(xw - 1j * yw)
    np.testing.assert_allclose(z.real, x, atol=1e-12)
    np.testing.assert_allclose(z.imag, y, atol=1e-12)
    np.testing.assert_allclose(frame.headings([psi - 30.0, psi + 200.0]), [30.0, 160.0])
