"""The Intelligent Driver Model (Treiber et al.), vectorised, for the NPCs and the expert alike.

    a = a_max · (1 − (v/v0)^δ − (s*/s)²),   s* = s0 + max(0, v·T + v·Δv / (2·√(a_max·b)))

with v the follower's speed [m/s], v0 its desired speed, s the gap [m] from its front bumper to
the obstacle, Δv = v − v_obstacle the closing speed (a stop line stands: v_obstacle = 0), s0 the
standstill gap, T the time headway [s], b the comfortable deceleration [m/s²].

One `IdmParams` describes the model towards one kind of obstacle. The two users keep their own
defaults as named instances: `NPC_IDM` (the embedded world's NPCs following a vehicle; walkers and
stop lines differ in s0 and T only) and `EXPERT_IDM` (the expert following a vehicle; it holds one
instance per obstacle kind in `ExpertParams`). Vectorised functions (`desired_gap_m`,
`interaction`, `acceleration`) take arrays that broadcast, or floats; `idm_acceleration` and
`idm_target_speed` are the scalar wrappers the expert calls per obstacle.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import STRICT_SETTINGS, one_line_validator

_NonNegative = Annotated[float, Field(ge=0)]
_Positive = Annotated[float, Field(gt=0)]

_MIN_DESIRED_SPEED_MPS = 0.1
"""The desired speed v0 counts as at least this [m/s] (a v0 of 0 would divide by zero)."""


@dataclass(frozen=True, config=STRICT_SETTINGS)
class IdmParams:
    """IDM towards one kind of obstacle (SI units); the defaults besides s0 and T are the expert's."""

    min_gap_m: _NonNegative
    """s0: the standstill gap [m], front bumper to the obstacle."""
    time_headway_s: _NonNegative
    """T: the time headway [s]."""
    max_accel_mps2: _Positive = 3.0
    comfort_decel_mps2: _Positive = 3.5
    delta: _Positive = 4.0
    """The free-road exponent δ [1]."""
    max_decel_mps2: float = math.inf
    """The acceleration is clipped to [−max_decel_mps2, max_accel_mps2] [m/s²]; at least `comfort_decel_mps2`."""
    gap_floor_m: _Positive = 1e-3
    """Gaps below this [m] count as this in s*/s, so the interaction stays finite at contact."""
    saturated: bool = False
    """The NPCs' form: the free-road term a_max·(1 − (v/v0)^δ) is floored at −comfort_decel_mps2 (a car
    above its desired speed, after a speed-limit drop, slows at most comfortably) before the
    interaction is taken off, and s* is summed as s0 + max(0, …). False: the textbook sum, with s* as
    max(s0 + v·T + …, s0), the same number up to rounding; each user keeps its own arithmetic so that
    its figures stay bit for bit what they were."""

    _one_line = one_line_validator(qualify=True)

    @model_validator(mode="after")
    def _decel_limits(self) -> IdmParams:
        if not self.max_decel_mps2 >= self.comfort_decel_mps2:
            raise ValueError(
                f"IdmParams.max_decel_mps2 must be at least comfort_decel_mps2 ({self.comfort_decel_mps2!r}),"
                f" got {self.max_decel_mps2!r}"
            )
        return self


NPC_IDM = IdmParams(
    min_gap_m=2.5,
    time_headway_s=1.0,
    max_accel_mps2=2.0,
    comfort_decel_mps2=3.0,
    max_decel_mps2=8.0,
    gap_floor_m=0.05,
    saturated=True,
)
"""The embedded world's NPCs following a vehicle (`TrafficParams.vehicle_idm`)."""

EXPERT_IDM = IdmParams(min_gap_m=3.0, time_headway_s=0.5)
"""The expert following a vehicle (`ExpertParams.leader`); its other obstacle kinds change s0, T and b."""


def desired_gap_m(p: IdmParams, v_mps: np.ndarray, closing_mps: np.ndarray) -> np.ndarray:
    """s* [m] at speed `v_mps` closing in at `closing_mps` (v − v_obstacle); broadcastable arrays or floats."""
    dynamic = v_mps * closing_mps / (2.0 * np.sqrt(p.max_accel_mps2 * p.comfort_decel_mps2))
    if p.saturated:
        return p.min_gap_m + np.maximum(0.0, v_mps * p.time_headway_s + dynamic)
    return np.maximum(p.min_gap_m + v_mps * p.time_headway_s + dynamic, p.min_gap_m)


def interaction(p: IdmParams, v_mps: np.ndarray, closing_mps: np.ndarray, gap_m: np.ndarray) -> np.ndarray:
    """s*/s [1] for each (follower, obstacle) pair; broadcastable arrays or floats; an inf gap gives 0."""
    return desired_gap_m(p, v_mps, closing_mps) / np.maximum(gap_m, p.gap_floor_m)


def acceleration(p: IdmParams, v_mps: np.ndarray, v0_mps: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """IDM acceleration [m/s²] at speed `v_mps` towards desired speed `v0_mps`, given the interaction
    `ratio` s*/s (the strongest over obstacles, the "minimum over candidates" rule; 0 on a free road)."""
    a = p.max_accel_mps2
    free = 1.0 - (v_mps / np.maximum(v0_mps, _MIN_DESIRED_SPEED_MPS)) ** p.delta
    if p.saturated:
        acc = np.maximum(a * free, -p.comfort_decel_mps2) - a * ratio * ratio
    else:
        acc = a * (free - ratio**2)
    return np.clip(acc, -p.max_decel_mps2, a)


def idm_acceleration(
    speed_mps: float, desired_speed_mps: float, gap_m: float, obstacle_speed_mps: float, params: IdmParams
) -> float:
    """IDM acceleration [m/s²] of a vehicle at `speed_mps` with an obstacle `gap_m` ahead moving at `obstacle_speed_mps`."""
    v = max(speed_mps, 0.0)
    ratio = interaction(params, v, v - obstacle_speed_mps, gap_m)
    return float(acceleration(params, v, desired_speed_mps, ratio))


def idm_target_speed(
    speed_mps: float,
    desired_speed_mps: float,
    gap_m: float,
    obstacle_speed_mps: float,
    params: IdmParams,
    horizon_s: float,
) -> float:
    """The speed [m/s] IDM asks for `horizon_s` from now, in [0, desired]; 0 when the gap is at or below `min_gap_m`.

    IDM brakes late and hard for a standing obstacle approached slowly; the target is also kept
    under the speed from which braking at `comfort_decel_mps2` stops `min_gap_m` short of it
    (for an obstacle moving along the path, that gap grows by its own braking distance).
    """
    if gap_m <= params.min_gap_m and obstacle_speed_mps < 0.5:
        return 0.0
    a = idm_acceleration(speed_mps, desired_speed_mps, gap_m, obstacle_speed_mps, params)
    target = min(max(speed_mps + a * horizon_s, 0.0), desired_speed_mps)
    b = params.comfort_decel_mps2
    room = gap_m - params.min_gap_m + max(obstacle_speed_mps, 0.0) ** 2 / (2.0 * b)
    return min(target, math.sqrt(2.0 * b * max(room, 0.0)))
