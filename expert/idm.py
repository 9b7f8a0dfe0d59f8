"""The Intelligent Driver Model: an acceleration towards an obstacle ahead, and the target speed it implies.

IDM (Treiber et al.): a = a_max · (1 - (v/v0)^δ - (s*/s)^2) with the desired gap
s* = s0 + v·T + v·Δv / (2·sqrt(a_max·b)). A stopped obstacle (a stop line) has speed 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class IdmParams:
    """IDM for one kind of obstacle: standstill gap `min_gap_m` [m] (front bumper to obstacle) and headway [s]."""

    min_gap_m: float
    time_headway_s: float
    max_accel_mps2: float = 3.0
    comfort_decel_mps2: float = 3.5
    delta: float = 4.0

    def __post_init__(self) -> None:
        if self.min_gap_m < 0 or self.time_headway_s < 0:
            raise ValueError("IdmParams: min_gap_m and time_headway_s must be >= 0")
        if self.max_accel_mps2 <= 0 or self.comfort_decel_mps2 <= 0 or self.delta <= 0:
            raise ValueError("IdmParams: max_accel_mps2, comfort_decel_mps2 and delta must be positive")


def idm_acceleration(
    speed_mps: float, desired_speed_mps: float, gap_m: float, obstacle_speed_mps: float, params: IdmParams
) -> float:
    """IDM acceleration [m/s^2] of a vehicle at `speed_mps` with an obstacle `gap_m` ahead moving at `obstacle_speed_mps`."""
    v = max(speed_mps, 0.0)
    free = (v / max(desired_speed_mps, 0.1)) ** params.delta
    s_star = params.min_gap_m + v * params.time_headway_s
    s_star += v * (v - obstacle_speed_mps) / (2.0 * math.sqrt(params.max_accel_mps2 * params.comfort_decel_mps2))
    s_star = max(s_star, params.min_gap_m)
    interaction = (s_star / max(gap_m, 1e-3)) ** 2
    return params.max_accel_mps2 * (1.0 - free - interaction)


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
