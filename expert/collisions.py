"""Forecast collisions: where along its path the ego would first touch an actor if it drove on as planned.

The ego follows its path at a planned speed profile; vehicles and walkers keep their velocity
(standing vehicles near a stop-sign junction may be assumed to start). Boxes carry margins.
Ego frame, metres, seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expert.boxes import boxes_overlap
from expert.forecast import ego_distance_profile
from expert.params import ForecastParams
from expert.path import EgoPath


@dataclass(frozen=True)
class PredictedHit:
    """The first forecast contact with one actor: its id, the time [s] and the ego's distance along its path [m]."""

    actor_id: int
    time_s: float
    ego_distance_m: float


def forecast_times(params: ForecastParams) -> np.ndarray:
    """The forecast instants [s], from 0 to the horizon."""
    return np.arange(0.0, params.horizon_s + 1e-9, params.step_s)


def predicted_hits(
    path: EgoPath,
    speed_mps: float,
    planned_speed_mps: float,
    ego_length_m: float,
    ego_width_m: float,
    cols: np.ndarray,
    margin_m: np.ndarray,
    params: ForecastParams,
    start_accel_mps2: np.ndarray | None = None,
) -> list[PredictedHit]:
    """First contacts of the ego's forecast with actors `cols` (see `obstacles.actor_columns`).

    `margin_m` (N, 2) is each actor's box margin (length, width) [m]. Actors whose centre is behind the ego's centre are ignored (what comes from behind is
    theirs to avoid). `start_accel_mps2` (N,), where given, is an acceleration along each
    actor's heading added to its constant velocity (standing vehicles that may start).
    """
    ahead = cols[:, 0] > 0.0
    if not np.any(ahead):
        return []
    cols = cols[ahead]
    margin_m = margin_m[ahead]
    times = forecast_times(params)
    dist = ego_distance_profile(speed_mps, planned_speed_mps, times, params.ego_accel_mps2, params.ego_decel_mps2)
    ex, ey, eh = path.pose_at(dist)
    t = times[None]
    ax = cols[:, 0:1] + cols[:, 3:4] * t
    ay = cols[:, 1:2] + cols[:, 4:5] * t
    heading = np.radians(cols[:, 2:3])
    if start_accel_mps2 is not None:
        extra = 0.5 * start_accel_mps2[ahead][:, None] * t * t
        ax = ax + extra * np.cos(heading)
        ay = ay + extra * np.sin(heading)
    hit = boxes_overlap(
        ex[None],
        ey[None],
        eh[None],
        ego_length_m,
        ego_width_m,
        ax,
        ay,
        heading,
        cols[:, 5:6] + margin_m[:, 0:1],
        cols[:, 6:7] + margin_m[:, 1:2],
    )
    out = []
    for i in np.flatnonzero(hit.any(axis=1)):
        k = int(np.argmax(hit[i]))
        out.append(PredictedHit(int(cols[i, 7]), float(times[k]), float(dist[k])))
    return out
