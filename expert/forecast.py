"""Forecasts over a short horizon: the ego along its path at a planned speed, other actors at constant velocity.

Ego frame throughout (x forward, y left, headings counter-clockwise [rad]); times [s] from now.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expert.path import EgoPath


@dataclass(frozen=True)
class Forecast:
    """Poses of N boxes at T times: x, y, heading of shape (N, T); full length and width of shape (N, 1)."""

    x_m: np.ndarray
    y_m: np.ndarray
    heading_rad: np.ndarray
    length_m: np.ndarray
    width_m: np.ndarray

    def __len__(self) -> int:
        return int(self.x_m.shape[0])


def ego_distance_profile(
    speed_mps: float, planned_speed_mps: float, times_s: np.ndarray, accel_mps2: float, decel_mps2: float
) -> np.ndarray:
    """Distance [m] travelled at `times_s` when the speed moves from `speed_mps` to `planned_speed_mps`
    at a constant `accel_mps2` (or `decel_mps2` when slowing down) and then holds it."""
    v0, v1 = max(speed_mps, 0.0), max(planned_speed_mps, 0.0)
    rate = accel_mps2 if v1 >= v0 else -decel_mps2
    t_ramp = abs(v1 - v0) / max(abs(rate), 1e-6)
    t = np.asarray(times_s, float)
    tr = np.minimum(t, t_ramp)
    return v0 * tr + 0.5 * rate * tr * tr + v1 * np.maximum(t - t_ramp, 0.0)


def forecast_ego(
    path: EgoPath, distances_m: np.ndarray, length_m: float, width_m: float
) -> Forecast:
    """The ego's boxes (1, T) at the given distances along its path (its centre follows the path)."""
    x, y, heading = path.pose_at(distances_m)
    return Forecast(x[None], y[None], heading[None], np.array([[length_m]]), np.array([[width_m]]))


def forecast_actors(records: list[dict], times_s: np.ndarray, margin_m: tuple[float, float]) -> Forecast:
    """Constant-velocity forecasts of observation actor records, boxes grown by (length, width) margins [m]."""
    if not records:
        empty = np.zeros((0, len(times_s)))
        return Forecast(empty, empty, empty, np.zeros((0, 1)), np.zeros((0, 1)))
    cols = np.array(
        [(r["x_m"], r["y_m"], r["heading_deg"], r["vx_mps"], r["vy_mps"], r["length_m"], r["width_m"]) for r in records],
        dtype=float,
    )
    t = np.asarray(times_s, float)[None]
    x = cols[:, 0:1] + cols[:, 3:4] * t
    y = cols[:, 1:2] + cols[:, 4:5] * t
    heading = np.broadcast_to(np.radians(cols[:, 2:3]), x.shape)
    return Forecast(x, y, heading, cols[:, 5:6] + margin_m[0], cols[:, 6:7] + margin_m[1])
