"""Forecast collisions: where along its path the ego would first touch an actor if it drove on as planned.

The ego follows its path at a planned speed profile; vehicles and walkers keep their velocity
(standing vehicles near a stop-sign junction may be assumed to start). Boxes carry margins.
Ego frame, metres, seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expert.actors import Actors
from expert.forecast import ego_distance_profile, ego_rollout
from expert.params import ForecastParams
from expert.path import EgoPath
from leaderboard_adapter.geometry import boxes_overlap


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
    actors: Actors,
    margin_m: np.ndarray,
    params: ForecastParams,
    start_accel_mps2: np.ndarray | None = None,
    yaw_rate_dps: float = 0.0,
) -> list[PredictedHit]:
    """First contacts of the ego's forecast with `actors`.

    `margin_m` (N, 2) is each actor's box margin (length, width) [m]. Actors whose centre is behind the
    ego's centre are ignored (what comes from behind is theirs to avoid), except those alongside it in
    another lane, less than a car length back and more than a car width aside: a car the ego would
    turn across. `start_accel_mps2` (N,), where given, is an acceleration along each
    actor's heading added to its constant velocity (standing vehicles that may start).
    The ego's boxes are at the poses of `ego_rollout` (which starts from its turn rate
    `yaw_rate_dps` [deg/s], positive left).
    """
    # ahead of the ego's centre, or alongside it in another lane (a car the ego would turn across)
    alongside = (actors.x_m > -ego_length_m) & (np.abs(actors.y_m) > ego_width_m)
    ahead = (actors.x_m > 0.0) | alongside
    if not np.any(ahead):
        return []
    actors = actors.take(ahead)
    margin_m = margin_m[ahead]
    times = forecast_times(params)
    dist = ego_distance_profile(speed_mps, planned_speed_mps, times, params.ego_accel_mps2, params.ego_decel_mps2)
    t = times[None]
    ax = actors.x_m[:, None] + actors.vx_mps[:, None] * t
    ay = actors.y_m[:, None] + actors.vy_mps[:, None] * t
    heading = actors.heading_rad[:, None]
    if start_accel_mps2 is not None:
        extra = 0.5 * start_accel_mps2[ahead][:, None] * t * t
        ax = ax + extra * np.cos(heading)
        ay = ay + extra * np.sin(heading)
    ego = ego_rollout(path, times, dist, yaw_rate_dps, params)
    return _first_contacts(ego, times, dist, ego_length_m, ego_width_m, actors, margin_m, ax, ay)


def swept_hits(
    path: EgoPath,
    ego_length_m: float,
    ego_width_m: float,
    actors: Actors,
    margin_m: np.ndarray,
    params: ForecastParams,
    yaw_rate_dps: float = 0.0,
) -> list[PredictedHit]:
    """First contacts of the ground the ego sweeps over its next `params.sweep_reach_m` metres with
    standing `actors` (where they stand, boxes grown by `margin_m`), whenever it gets there.

    The time-based forecast sees only as far as the ego gets within its horizon; this sees a car
    standing where the ego's body will swing through a tight corner while the ego can still wait
    before the junction. The ego is rolled out at `sweep_speed_mps` (tight corners are taken slowly;
    the speed sets the look-ahead it steers by); `time_s` of a hit is when it would arrive at that
    speed.
    """
    ahead = actors.x_m > 0.0
    if not np.any(ahead):
        return []
    actors = actors.take(ahead)
    dist = np.arange(0.0, params.sweep_reach_m + 1e-9, params.sweep_step_m)
    times = dist / params.sweep_speed_mps
    ax = np.broadcast_to(actors.x_m[:, None], (len(actors), len(dist)))
    ay = np.broadcast_to(actors.y_m[:, None], (len(actors), len(dist)))
    ego = ego_rollout(path, times, dist, yaw_rate_dps, params)
    return _first_contacts(ego, times, dist, ego_length_m, ego_width_m, actors, margin_m[ahead], ax, ay)


def _first_contacts(
    ego: tuple[np.ndarray, np.ndarray, np.ndarray],
    times: np.ndarray,
    dist: np.ndarray,
    ego_length_m: float,
    ego_width_m: float,
    actors: Actors,
    margin_m: np.ndarray,
    ax: np.ndarray,
    ay: np.ndarray,
) -> list[PredictedHit]:
    """The first instant each actor's box (at `ax`, `ay` per instant) overlaps the ego's at its poses `ego`."""
    ex, ey, eh = ego
    hit = boxes_overlap(
        ex[None],
        ey[None],
        eh[None],
        ego_length_m,
        ego_width_m,
        ax,
        ay,
        actors.heading_rad[:, None],
        actors.length_m[:, None] + margin_m[:, 0:1],
        actors.width_m[:, None] + margin_m[:, 1:2],
    )
    out = []
    for i in np.flatnonzero(hit.any(axis=1)):
        k = int(np.argmax(hit[i]))
        out.append(PredictedHit(int(actors.id[i]), float(times[k]), float(dist[k])))
    return out
