"""The ego vehicle: a kinematic bicycle model of CARLA's vehicle.lincoln.mkz_2017 driven by VehicleControl.

Reference point: the bounding-box centre (as CARLA reports a vehicle's location), with
the centre of gravity assumed midway between the axles. World frame: CARLA's, left-handed
(x east, y south, yaw clockwise from above), so a positive steer (right) increases yaw.
Speed is signed: negative while reversing.
"""

from __future__ import annotations

import math
from typing import Annotated

import carla
import numpy as np
from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.geometry import box_corners, wrap_deg, wrap_rad
from leaderboard_adapter.settings import STRICT_SETTINGS, one_line_validator
from leaderboard_adapter.vehicle_spec import (
    EGO_HEIGHT_M,
    EGO_LENGTH_M,
    EGO_MAX_WHEEL_ANGLE_DEG,
    EGO_MAX_WHEEL_RATE_DPS,
    EGO_TYPE_ID,
    EGO_WHEELBASE_M,
    EGO_WIDTH_M,
)
from leaderboard_adapter.world_view import ActorKind, ActorState

LEFT_FIRST = np.array([1, 0, 3, 2])
"""Reorders `geometry.box_corners` (front-right first) into this world's corner order: front-left,
front-right, rear-right, rear-left."""

_Positive = Annotated[float, Field(gt=0)]
_NonNegative = Annotated[float, Field(ge=0)]


@dataclass(frozen=True, config=STRICT_SETTINGS)
class EgoParams:
    """Dimensions and dynamics of the ego (defaults: `leaderboard_adapter.vehicle_spec`, a Lincoln MKZ).

    `max_steer_deg` is the front-wheel angle at steer = ±1 (the spec's kinematic 30°, not CARLA's 70°).
    The wheelbase is shorter than the length.
    """

    length_m: _Positive = EGO_LENGTH_M
    width_m: _Positive = EGO_WIDTH_M
    height_m: _Positive = EGO_HEIGHT_M
    wheelbase_m: _Positive = EGO_WHEELBASE_M
    max_steer_deg: _Positive = EGO_MAX_WHEEL_ANGLE_DEG
    max_steer_rate_dps: _Positive = EGO_MAX_WHEEL_RATE_DPS
    max_accel_mps2: _Positive = 3.8
    top_speed_mps: _Positive = 45.0
    max_brake_mps2: _Positive = 8.0
    hand_brake_mps2: _NonNegative = 5.0
    rolling_decel_mps2: _NonNegative = 0.25
    engine_brake_per_s: _NonNegative = 0.04
    drag_per_m: _NonNegative = 4e-4
    max_reverse_speed_mps: _Positive = 8.0
    type_id: str = EGO_TYPE_ID

    _one_line = one_line_validator(qualify=True)

    @model_validator(mode="after")
    def _wheelbase_within_body(self) -> EgoParams:
        if self.wheelbase_m >= self.length_m:
            raise ValueError(
                f"EgoParams.wheelbase_m must be shorter than length_m ({self.length_m!r}), got {self.wheelbase_m!r}"
            )
        return self


def clamped(control: carla.VehicleControl) -> carla.VehicleControl:
    """A copy of `control` with throttle and brake in [0, 1] and steer in [-1, 1] (NaN reads as 0)."""

    def clip(v: float, lo: float, hi: float) -> float:
        v = float(v)
        return 0.0 if math.isnan(v) else min(max(v, lo), hi)

    return carla.VehicleControl(
        throttle=clip(control.throttle, 0.0, 1.0),
        steer=clip(control.steer, -1.0, 1.0),
        brake=clip(control.brake, 0.0, 1.0),
        hand_brake=bool(control.hand_brake),
        reverse=bool(control.reverse),
    )


class EgoVehicle:
    """Mutable ego state advanced by `step(control, dt_s)`."""

    def __init__(
        self, params: EgoParams, x_m: float, y_m: float, z_m: float, yaw_deg: float, speed_mps: float = 0.0
    ):
        self.params = params
        self.x_m = float(x_m)
        self.y_m = float(y_m)
        self.z_m = float(z_m)
        self.yaw_rad = math.radians(yaw_deg)
        self.speed_mps = float(speed_mps)
        self.steer_rad = 0.0
        self.accel_mps2 = 0.0
        self.yaw_rate_rps = 0.0
        self.slip_rad = 0.0
        self.last_control = carla.VehicleControl()
        self._half_wb = params.wheelbase_m / 2

    @property
    def yaw_deg(self) -> float:
        """Heading in [-180, 180) degrees."""
        return wrap_deg(math.degrees(self.yaw_rad))

    def step(self, control: carla.VehicleControl, dt_s: float) -> None:
        p = self.params
        c = clamped(control)
        self.last_control = c
        # steering with a rate limit on the front-wheel angle
        target = c.steer * math.radians(p.max_steer_deg)
        max_step = math.radians(p.max_steer_rate_dps) * dt_s
        self.steer_rad += min(max(target - self.steer_rad, -max_step), max_step)
        # longitudinal: drive force, then resistances that pull speed towards zero without crossing it
        v = self.speed_mps
        direction = -1.0 if c.reverse else 1.0
        drive = direction * c.throttle * p.max_accel_mps2 * max(0.0, 1.0 - (v / p.top_speed_mps) ** 2)
        resist = (
            p.rolling_decel_mps2
            + p.engine_brake_per_s * abs(v)
            + p.drag_per_m * v * v
            + c.brake * p.max_brake_mps2
            + (p.hand_brake_mps2 if c.hand_brake else 0.0)
        )
        v_new = v + drive * dt_s
        if v_new > 0.0:
            v_new = max(0.0, v_new - resist * dt_s)
        elif v_new < 0.0:
            v_new = min(0.0, v_new + resist * dt_s)
        v_new = min(max(v_new, -p.max_reverse_speed_mps), p.top_speed_mps)
        self.accel_mps2 = (v_new - v) / dt_s
        # kinematic bicycle about the centre (lr = lf = wheelbase / 2)
        beta = math.atan(0.5 * math.tan(self.steer_rad))
        v_mid = 0.5 * (v + v_new)
        self.yaw_rate_rps = v_mid / self._half_wb * math.sin(beta)
        yaw_mid = self.yaw_rad + 0.5 * self.yaw_rate_rps * dt_s
        self.x_m += v_mid * math.cos(yaw_mid + beta) * dt_s
        self.y_m += v_mid * math.sin(yaw_mid + beta) * dt_s
        self.yaw_rad = wrap_rad(self.yaw_rad + self.yaw_rate_rps * dt_s)
        self.speed_mps = v_new
        self.slip_rad = beta

    def velocity_mps(self) -> tuple[float, float]:
        """World-frame velocity (vx, vy) [m/s] of the reference point."""
        heading = self.yaw_rad + self.slip_rad
        return self.speed_mps * math.cos(heading), self.speed_mps * math.sin(heading)

    def state(self, actor_id: int) -> ActorState:
        p = self.params
        vx, vy = self.velocity_mps()
        ca, sa = math.cos(self.yaw_rad), math.sin(self.yaw_rad)
        # longitudinal acceleration plus centripetal v * yaw_rate, in the world frame
        a_lat = self.speed_mps * self.yaw_rate_rps
        return ActorState(
            actor_id,
            ActorKind.VEHICLE,
            self.x_m,
            self.y_m,
            self.z_m,
            self.yaw_deg,
            vx,
            vy,
            p.length_m,
            p.width_m,
            p.height_m,
            ax_mps2=self.accel_mps2 * ca - a_lat * sa,
            ay_mps2=self.accel_mps2 * sa + a_lat * ca,
            yaw_rate_dps=math.degrees(self.yaw_rate_rps),
            type_id=p.type_id,
        )

    def corners(self) -> np.ndarray:
        """(4, 2) box corners [m]: front-left, front-right, rear-right, rear-left (world frame)."""
        return box_corners(
            self.x_m, self.y_m, math.radians(self.yaw_deg), self.params.length_m, self.params.width_m
        )[LEFT_FIRST]
