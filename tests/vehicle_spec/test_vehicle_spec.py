"""The ego's one spec and the one tick length: every package's defaults read them, and they say what they claim."""

from __future__ import annotations

import math

import pytest

from expert import ForecastParams
from leaderboard_adapter.control.controller import ControllerParams
from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.embedded.ego import EgoParams
from leaderboard_adapter.tick import TICK_HZ, TICK_S
from leaderboard_adapter.vehicle_spec import (
    EGO_HEIGHT_M,
    EGO_LENGTH_M,
    EGO_MAX_WHEEL_ANGLE_DEG,
    EGO_MAX_WHEEL_RATE_DPS,
    EGO_WHEELBASE_M,
    EGO_WIDTH_M,
)


def test_the_ego_is_a_lincoln_mkz_of_4_90_by_2_12_m_with_a_2_85_m_wheelbase() -> None:
    assert (EGO_LENGTH_M, EGO_WIDTH_M, EGO_HEIGHT_M, EGO_WHEELBASE_M) == (4.90, 2.12, 1.52, 2.85)
    assert EGO_WHEELBASE_M < EGO_LENGTH_M


def test_its_kinematic_steering_lock_turns_the_rear_axle_on_a_4_9_m_radius() -> None:
    radius_m = EGO_WHEELBASE_M / math.tan(math.radians(EGO_MAX_WHEEL_ANGLE_DEG))
    assert radius_m == pytest.approx(4.94, abs=0.01)


def test_the_embedded_ego_and_the_expert_forecast_default_to_the_spec() -> None:
    ego = EgoParams()
    assert (ego.length_m, ego.width_m, ego.height_m, ego.wheelbase_m) == (
        EGO_LENGTH_M, EGO_WIDTH_M, EGO_HEIGHT_M, EGO_WHEELBASE_M
    )
    assert (ego.max_steer_deg, ego.max_steer_rate_dps) == (EGO_MAX_WHEEL_ANGLE_DEG, EGO_MAX_WHEEL_RATE_DPS)
    forecast = ForecastParams()
    assert (forecast.wheelbase_m, forecast.max_wheel_angle_deg, forecast.max_wheel_rate_dps) == (
        EGO_WHEELBASE_M, EGO_MAX_WHEEL_ANGLE_DEG, EGO_MAX_WHEEL_RATE_DPS
    )


def test_one_tick_is_a_twentieth_of_a_second_and_the_world_and_controller_step_by_it() -> None:
    assert (TICK_HZ, TICK_S) == (20, 0.05)
    assert TICK_S == 1.0 / TICK_HZ
    assert WorldConfig().dt_s == TICK_S and ControllerParams().dt_s == TICK_S
