"""Obstacles along the ego's path: what the expert slows or stops for, and the on-path actor test.

An `Obstacle` is a gap [m] from the ego's front bumper along its path to something it must not
reach, that thing's speed along the path [m/s], the IDM parameters for its kind, and a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expert.path import EgoPath
from leaderboard_adapter.control.idm import IdmParams


@dataclass(frozen=True)
class Obstacle:
    """Something ahead on the path: gap from the front bumper [m], its speed along the path [m/s], why."""

    gap_m: float
    speed_mps: float
    idm: IdmParams
    reason: str
    actor_id: int | None = None


def actor_columns(records: list[dict]) -> np.ndarray:
    """(N, 8) columns of observation actor records: x, y, heading [deg], vx, vy, length, width, id."""
    if not records:
        return np.zeros((0, 8))
    return np.array(
        [
            (r["x_m"], r["y_m"], r["heading_deg"], r["vx_mps"], r["vy_mps"], r["length_m"], r["width_m"], r["id"])
            for r in records
        ],
        dtype=float,
    )


def on_path_obstacles(
    path: EgoPath,
    cols: np.ndarray,
    ego_length_m: float,
    ego_width_m: float,
    lateral_margin_m: float,
    follow_max_heading_deg: float,
    idm: IdmParams,
    kind: str,
    aligned_only: bool = False,
) -> list[Obstacle]:
    """Actors whose centre lies on the ego's path ahead of its front bumper.

    Those heading along the path within `follow_max_heading_deg` are followed at their speed
    along the path; the others (crossing, oncoming, standing across) count as standing still,
    or are left out with `aligned_only` (for vehicles, whose boxes the collision forecast tests
    exactly: a car waiting across a junction may leave room to pass).
    """
    if cols.shape[0] == 0:
        return []
    s, lateral = path.project(cols[:, 0], cols[:, 1])
    _, _, path_heading = path.pose_at(s)
    rel = np.radians(cols[:, 2]) - path_heading
    cos_rel, sin_rel = np.abs(np.cos(rel)), np.abs(np.sin(rel))
    # the actor's half extent across the path and along it
    half_across = 0.5 * (cols[:, 5] * sin_rel + cols[:, 6] * cos_rel)
    half_along = 0.5 * (cols[:, 5] * cos_rel + cols[:, 6] * sin_rel)
    front = 0.5 * ego_length_m
    on_path = (np.abs(lateral) <= 0.5 * ego_width_m + half_across + lateral_margin_m) & (s > 0.0)
    on_path &= s < path.length_m + 1.0
    aligned = np.cos(rel) >= np.cos(np.radians(follow_max_heading_deg))
    out = []
    hdg = np.stack([np.cos(path_heading), np.sin(path_heading)], axis=1)
    along_speed = (cols[:, 3:5] * hdg).sum(axis=1)
    if aligned_only:
        on_path &= aligned
    for i in np.flatnonzero(on_path):
        gap = float(s[i] - front - half_along[i])
        speed = float(max(along_speed[i], 0.0)) if aligned[i] else 0.0
        out.append(Obstacle(gap, speed, idm, kind, int(cols[i, 7])))
    return out
