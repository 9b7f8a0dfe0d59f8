"""The Intelligent Driver Model (Treiber et al.), vectorised over vehicles, with per-obstacle-kind gaps.

Acceleration = max(a·(1 − (v/v0)^δ), −b) − a·max_k (s*_k / s_k)², clipped to
[−max_decel, a], where each obstacle k (leading vehicle, walker, stop line) has its own
minimum gap s0 and time headway T: s* = s0 + max(0, v·T + v·Δv / (2·√(a·b))).
Taking the strongest interaction is the "minimum over candidates" rule PDM-Lite uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class IdmParams:
    """IDM parameters for NPC vehicles (SI units)."""

    max_accel_mps2: float = 2.0
    comfort_decel_mps2: float = 3.0
    max_decel_mps2: float = 8.0
    exponent: float = 4.0
    vehicle_gap_m: float = 2.5
    vehicle_headway_s: float = 1.0
    walker_gap_m: float = 4.0
    walker_headway_s: float = 0.5
    stop_line_gap_m: float = 2.5
    stop_line_headway_s: float = 0.1

    def __post_init__(self) -> None:
        for name in ("max_accel_mps2", "comfort_decel_mps2", "max_decel_mps2", "exponent"):
            if getattr(self, name) <= 0:
                raise ValueError(f"IdmParams.{name} must be positive, got {getattr(self, name)}")
        for name in (
            "vehicle_gap_m",
            "vehicle_headway_s",
            "walker_gap_m",
            "walker_headway_s",
            "stop_line_gap_m",
            "stop_line_headway_s",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"IdmParams.{name} must be >= 0, got {getattr(self, name)}")
        if self.max_decel_mps2 < self.comfort_decel_mps2:
            raise ValueError("max_decel_mps2 must be at least comfort_decel_mps2")


def gap_ratio(
    p: IdmParams, v_mps: np.ndarray, dv_mps: np.ndarray, gap_m: np.ndarray, s0_m: float, headway_s: float
) -> np.ndarray:
    """s*/s for each (follower, obstacle) pair; broadcastable arrays; inf gaps give 0."""
    s_star = s0_m + np.maximum(
        0.0, v_mps * headway_s + v_mps * dv_mps / (2.0 * np.sqrt(p.max_accel_mps2 * p.comfort_decel_mps2))
    )
    return s_star / np.maximum(gap_m, 0.05)


def acceleration(p: IdmParams, v_mps: np.ndarray, v0_mps: np.ndarray, max_ratio: np.ndarray) -> np.ndarray:
    """IDM acceleration [m/s²] given the strongest interaction ratio per vehicle (0 for a free road)."""
    free = p.max_accel_mps2 * (1.0 - (v_mps / np.maximum(v0_mps, 0.1)) ** p.exponent)
    acc = np.maximum(free, -p.comfort_decel_mps2) - p.max_accel_mps2 * max_ratio * max_ratio
    return np.clip(acc, -p.max_decel_mps2, p.max_accel_mps2)
