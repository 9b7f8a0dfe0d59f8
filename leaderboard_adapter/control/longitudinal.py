"""Longitudinal control: a PID on the speed error giving throttle, or brake, never both.

Three regimes, checked in order each tick:
  stop   target below `stop_speed_mps`: no throttle, `stop_brake` (firm), PID memory cleared
         so that the next start does not inherit a stale integral; the brake stays on at
         standstill, so the car holds;
  brake  speed above target by more than `brake_margin_mps`: no throttle, brake proportional
         to the excess (`brake_gain`, capped at `max_brake`); the PID forgets (no wind-down);
  drive  otherwise: throttle = PID(target - speed) clipped to [0, max_throttle], no brake
         (a small excess inside the margin coasts on the car's own resistance).
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Annotated, NamedTuple

from pydantic.dataclasses import dataclass

from leaderboard_adapter.control.pid import PIDParams, WindowedPID
from leaderboard_adapter.settings import STRICT_SETTINGS, must_be, one_line_validator


class Pedals(NamedTuple):
    """Throttle and brake in [0, 1]; at most one of them is non-zero."""

    throttle: float
    brake: float


def _default_speed_pid() -> PIDParams:
    return PIDParams(kp=3.0, ki=3.0, kd=0.0, window=10)


_Pedal = Annotated[float, must_be(lambda pedal: math.isfinite(pedal) and 0.0 < pedal <= 1.0, "in (0, 1]")]
"""A pedal's cap or setting [1]."""
_Margin = Annotated[float, must_be(lambda mps: math.isfinite(mps) and mps >= 0.0, "finite and >= 0")]
"""A speed threshold [m/s]."""


@dataclass(frozen=True, config=STRICT_SETTINGS)
class LongitudinalParams:
    """Speed control settings.

    pid: gains on the speed error target - speed [m/s] -> throttle [1].
    max_throttle: throttle cap [1] (PDM-Lite and LangProp: 0.75).
    stop_speed_mps: targets below this mean stop [m/s].
    stop_brake: brake while stopping and standing [1].
    brake_margin_mps: how far the speed may exceed the target before braking [m/s].
    brake_gain: brake per m/s of excess beyond the margin [1 / (m/s)].
    max_brake: cap of the proportional brake [1] (the stop brake is separate).

    Defaults, tuned in the embedded world at 20 Hz (PDM-Lite's throttle is a regression fitted
    to CARLA's engine, which the embedded ego does not have, so a PID replaces it):
    - kp 3 /(m/s): the ego accelerates 3.8 m/s^2 per unit throttle, so the discrete speed loop's
      pole is 1 - 3.8 * 3 * 0.05 = 0.43, well damped with room for CARLA's slower engine;
    - ki 3 /s over a 10-tick (0.5 s) window: trims the steady-state error to about 0.05 m/s at
      8 to 12 m/s; windows of 2 s wound up during the throttle-capped climb and overshot into the
      brake; measured: 0 to 8 m/s settles within 0.3 m/s after 3.2 s (the 0.75 cap sets that
      time) with 0.12 m/s of overshoot;
    - brake margin 0.3 m/s: ordinary overshoot coasts instead of touching the brake;
    - brake gain 0.5 /(m/s): full brake is 8 m/s^2, so the excess decays with a 0.25 s time
      constant; 10 to 5 m/s settles within 0.3 m/s after 1.0 s, 0.06 m/s under;
    - stop: full brake below 0.05 m/s of target (as PDM-Lite's brake flag); from 10 m/s the
      car stands after 1.2 s and the brake holds it.
    """

    pid: PIDParams = field(default_factory=_default_speed_pid)
    max_throttle: _Pedal = 0.75
    stop_speed_mps: _Margin = 0.05
    stop_brake: _Pedal = 1.0
    brake_margin_mps: _Margin = 0.3
    brake_gain: Annotated[float, must_be(lambda gain: math.isfinite(gain) and gain > 0.0, "positive")] = 0.5
    max_brake: _Pedal = 1.0

    _one_line = one_line_validator(qualify=True)


class LongitudinalController:
    """(target speed, speed) [m/s] -> Pedals, stateful (the speed PID's window)."""

    def __init__(self, params: LongitudinalParams):
        self.params = params
        self.pid = WindowedPID(params.pid)

    def reset(self) -> None:
        """Forget the speed PID's error window."""
        self.pid.reset()

    def step(self, target_speed_mps: float, speed_mps: float, dt_s: float) -> Pedals:
        """Pedals for one tick of `dt_s` seconds.

        `speed_mps` is the planar speed (its magnitude is used). A non-finite target or speed
        cannot be tracked: it gives the stop regime (no throttle, the stop brake).
        """
        p = self.params
        target = float(target_speed_mps)
        speed = abs(float(speed_mps))
        if not (math.isfinite(target) and math.isfinite(speed)) or target < p.stop_speed_mps:
            self.pid.reset()
            return Pedals(0.0, p.stop_brake)
        excess = speed - target
        if excess > p.brake_margin_mps:
            self.pid.reset()
            return Pedals(0.0, min(p.brake_gain * (excess - p.brake_margin_mps), p.max_brake))
        throttle = self.pid.step(target - speed, dt_s)
        return Pedals(min(max(throttle, 0.0), p.max_throttle), 0.0)
