"""Obstacles along the ego's path: what the expert slows or stops for, and the on-path actor test.

An `Obstacle` is a gap [m] from the ego's front bumper along its path to something it must not
reach, that thing's speed along the path [m/s], the IDM parameters for its kind, and a reason.
Actors come as `Actors` columns (ego frame).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from expert.actors import Actors
from expert.path import EgoPath
from expert.reasons import ExpertReason
from leaderboard_adapter.control.idm import IdmParams


@dataclass(frozen=True)
class Obstacle:
    """Something ahead on the path: gap from the front bumper [m], its speed along the path [m/s], why."""

    gap_m: float
    speed_mps: float
    idm: IdmParams
    reason: ExpertReason
    actor_id: int | None = None


def on_path_obstacles(
    path: EgoPath,
    actors: Actors,
    ego_length_m: float,
    ego_width_m: float,
    lateral_margin_m: float,
    follow_max_heading_deg: float,
    idm: IdmParams,
    kind: ExpertReason,
    aligned_only: bool = False,
) -> list[Obstacle]:
    """Actors whose centre lies on the ego's path ahead of its front bumper.

    Those heading along the path within `follow_max_heading_deg` are followed at their speed
    along the path; the others (crossing, oncoming, standing across) count as standing still,
    or are left out with `aligned_only` (for vehicles, whose boxes the collision forecast tests
    exactly: a car waiting across a junction may leave room to pass).
    """
    if len(actors) == 0:
        return []
    s, lateral = path.project(actors.x_m, actors.y_m)
    _, _, path_heading = path.pose_at(s)
    rel = actors.heading_rad - path_heading
    cos_rel, sin_rel = np.abs(np.cos(rel)), np.abs(np.sin(rel))
    # the actor's half extent across the path and along it
    half_across = 0.5 * (actors.length_m * sin_rel + actors.width_m * cos_rel)
    half_along = 0.5 * (actors.length_m * cos_rel + actors.width_m * sin_rel)
    front = 0.5 * ego_length_m
    on_path = (np.abs(lateral) <= 0.5 * ego_width_m + half_across + lateral_margin_m) & (s > 0.0)
    on_path &= s < path.length_m + 1.0
    aligned = np.cos(rel) >= np.cos(np.radians(follow_max_heading_deg))
    out = []
    along_speed = actors.vx_mps * np.cos(path_heading) + actors.vy_mps * np.sin(path_heading)
    if aligned_only:
        on_path &= aligned
    for i in np.flatnonzero(on_path):
        gap = float(s[i] - front - half_along[i])
        speed = float(max(along_speed[i], 0.0)) if aligned[i] else 0.0
        out.append(Obstacle(gap, speed, idm, kind, int(actors.id[i])))
    return out
