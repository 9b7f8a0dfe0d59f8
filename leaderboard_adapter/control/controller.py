"""VehicleController: an Action and the ego's speed to a clipped `carla.VehicleControl`, once per tick.

The same controller drives the expert and every LLM policy, in the embedded world and on a
CARLA server. It is stateful (the PIDs' error windows): call `control` once per simulation
step of `params.dt_s` seconds, and `reset()` between routes.
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Annotated

import carla
from pydantic.dataclasses import dataclass

from leaderboard_adapter.control.action import Action
from leaderboard_adapter.control.lateral import LateralController, LateralParams
from leaderboard_adapter.control.longitudinal import LongitudinalController, LongitudinalParams
from leaderboard_adapter.settings import STRICT_SETTINGS, must_be, one_line_validator
from leaderboard_adapter.tick import TICK_S


@dataclass(frozen=True, config=STRICT_SETTINGS)
class ControllerParams:
    """Lateral and longitudinal settings and the control step.

    dt_s: seconds between `control` calls [s] (the leaderboard's step, `tick.TICK_S`).

    The defaults were chosen by closed-loop measurement in the embedded world at 20 Hz; see
    `LateralParams` and `LongitudinalParams` for why, and tests/control/test_control_tracking.py
    for the figures they reach.
    """

    lateral: LateralParams = field(default_factory=LateralParams)
    longitudinal: LongitudinalParams = field(default_factory=LongitudinalParams)
    dt_s: Annotated[float, must_be(lambda dt: math.isfinite(dt) and dt > 0.0, "positive")] = TICK_S

    _one_line = one_line_validator(qualify=True)


def _unit(value: float, low: float, high: float) -> float:
    """`value` clipped to [low, high]; NaN reads as 0."""
    return 0.0 if math.isnan(value) else min(max(value, low), high)


class VehicleController:
    """Action + speed -> carla.VehicleControl (throttle, brake in [0, 1], steer in [-1, 1], never throttle and brake)."""

    def __init__(self, params: ControllerParams | None = None):
        self.params = params if params is not None else ControllerParams()
        self.lateral = LateralController(self.params.lateral)
        self.longitudinal = LongitudinalController(self.params.longitudinal)

    def reset(self) -> None:
        """Forget both PIDs' memories (call at the start of a route)."""
        self.lateral.reset()
        self.longitudinal.reset()

    def control(self, action: Action, speed_mps: float) -> carla.VehicleControl:
        """The control for this tick. `speed_mps`: the ego's planar speed [m/s] (a NaN speed brakes)."""
        if not isinstance(action, Action):
            raise TypeError(f"action must be an Action, got {type(action).__name__}")
        dt = self.params.dt_s
        steer = self.lateral.step(action.steer_deg, dt)
        pedals = self.longitudinal.step(action.target_speed_mps, speed_mps, dt)
        return carla.VehicleControl(
            throttle=_unit(pedals.throttle, 0.0, 1.0),
            steer=_unit(steer, -1.0, 1.0),
            brake=_unit(pedals.brake, 0.0, 1.0),
            hand_brake=False,
            reverse=False,
            manual_gear_shift=False,
        )
