"""WindowedPID: a PID whose integral and memory cover only the last N errors (as PDM-Lite's controllers).

PDM-Lite (carla_garage `team_code/lateral_controller.py`, `PIDController`) keeps a window of
recent errors and uses their mean as the integral and the last difference as the derivative,
both per tick. Here the same window is written with the step explicit, so gains keep their
meaning at any rate: integral = sum of error * dt over the window [error * s], derivative =
(error - previous error) / dt [error / s]. `PIDParams.from_per_tick` converts per-tick gains.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import STRICT_SETTINGS, must_be, one_line_validator


def _window(window: Any) -> Any:
    """Before pydantic's own int check, so that 2.5 and True get this message too."""
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"must be an int >= 1, got {window!r}")
    return window


Gain = Annotated[float, must_be(lambda gain: math.isfinite(gain) and gain >= 0.0, "finite and >= 0")]
"""A PID gain: finite and >= 0."""


@dataclass(frozen=True, config=STRICT_SETTINGS)
class PIDParams:
    """Gains of a windowed PID: output = kp * e + ki * sum(e_i * dt_i) + kd * de/dt.

    kp: proportional gain [output / error].
    ki: integral gain [output / (error * s)]; the integral covers the last `window` steps only,
        so it forgets (no wind-up beyond `window * dt` seconds of error).
    kd: derivative gain [output * s / error]; the derivative is the last backward difference.
    window: how many recent errors are kept (>= 1).
    """

    kp: Gain
    ki: Gain
    kd: Gain
    window: Annotated[int, BeforeValidator(_window)]

    _one_line = one_line_validator(qualify=True)

    @classmethod
    def from_per_tick(cls, kp: float, ki_mean: float, kd_step: float, window: int, dt_s: float) -> PIDParams:
        """Gains of a PDM-Lite-style PID (integral = mean of a full window, derivative = last difference,
        both per tick of `dt_s` seconds) in this class's units: ki = ki_mean / (window * dt), kd = kd_step * dt."""
        if not dt_s > 0.0:
            raise ValueError(f"dt_s must be positive, got {dt_s}")
        return cls(kp=kp, ki=ki_mean / (window * dt_s), kd=kd_step * dt_s, window=window)


class WindowedPID:
    """A PID over the last `params.window` errors; `step(error, dt_s)` once per tick, `reset()` to forget."""

    def __init__(self, params: PIDParams):
        self.params = params
        self._errors: deque[float] = deque(maxlen=params.window)
        self._dts: deque[float] = deque(maxlen=params.window)

    @property
    def errors(self) -> tuple[float, ...]:
        """The remembered errors, oldest first."""
        return tuple(self._errors)

    @property
    def integral(self) -> float:
        """Sum of error * dt over the remembered window [error * s]."""
        return math.fsum(e * dt for e, dt in zip(self._errors, self._dts, strict=True))

    def reset(self) -> None:
        """Forget every remembered error (the integral and derivative restart from zero)."""
        self._errors.clear()
        self._dts.clear()

    def step(self, error: float, dt_s: float) -> float:
        """Remember `error` (held for `dt_s` seconds) and return the PID output.

        The derivative is 0 on the first step after construction or `reset()`. Raises
        ValueError on a non-finite error or a non-positive step, leaving the memory unchanged.
        """
        error = float(error)
        if not math.isfinite(error):
            raise ValueError(f"PID error must be finite, got {error}")
        if not (math.isfinite(dt_s) and dt_s > 0.0):
            raise ValueError(f"dt_s must be positive and finite, got {dt_s}")
        derivative = (error - self._errors[-1]) / dt_s if self._errors else 0.0
        self._errors.append(error)
        self._dts.append(float(dt_s))
        p = self.params
        return p.kp * error + p.ki * self.integral + p.kd * derivative
