"""The observation's `vehicles` and `pedestrians`: actors within ACTOR_RANGE_M on the ego's level, in the ego
frame, nearest first (a car on a bridge above or a road below is left out: see LEVEL_SEPARATION_M).

One vectorised pass over `WorldView.actors()`: distances, the range mask, the sort and the
ego-frame transform (`frames`) are numpy operations on the actors in range, stacked into
one array that is rounded once and turned into lists once; the dicts are built from those
columns. Ties in distance are broken by id, so the order is deterministic.
"""

from __future__ import annotations

import numpy as np

from leaderboard_adapter.world_view import ActorArrays, ActorKind

from .frames import EgoFrame
from .rounding import round_array
from .schema import ACTOR_RANGE_M

_WALKER = int(ActorKind.WALKER)


def nearby_actors(
    frame: EgoFrame, actors: ActorArrays, hero_z_m: float, range_m: float = ACTOR_RANGE_M
) -> tuple[list[dict], list[dict]]:
    """(vehicles, pedestrians) whose centre is within `range_m` [m] of the ego's centre and on the level of
    `hero_z_m` [m], as ACTOR dicts, nearest first."""
    if len(actors) == 0:
        return [], []
    dx = actors.x_m - frame.x_m
    dy = actors.y_m - frame.y_m
    d2 = dx * dx + dy * dy
    near = np.flatnonzero((d2 <= range_m * range_m) & actors.on_level_of(hero_z_m))
    if near.size == 0:
        return [], []
    dist = np.sqrt(d2[near])
    order = np.lexsort((actors.ids[near], dist))
    sel = near[order]
    vxw, vyw = actors.vx_mps[sel], actors.vy_mps[sel]
    cols = np.empty((9, sel.size))
    cols[0], cols[1] = frame.vectors(dx[sel], dy[sel])
    cols[2] = frame.headings(actors.yaw_deg[sel])
    cols[3], cols[4] = frame.vectors(vxw, vyw)
    cols[5] = np.hypot(vxw, vyw)
    cols[6] = actors.length_m[sel]
    cols[7] = actors.width_m[sel]
    cols[8] = dist[order]
    cols = round_array(cols)
    heading = cols[2]
    heading[heading <= -180.0] = 180.0  # (-180, 180] after rounding too
    x, y, h, vx, vy, speed, length, width, d = cols.tolist()
    rows = [
        {
            "id": i,
            "x_m": px,
            "y_m": py,
            "heading_deg": hd,
            "vx_mps": u,
            "vy_mps": v,
            "speed_mps": sp,
            "length_m": ln,
            "width_m": wd,
            "distance_m": dd,
        }
        for i, px, py, hd, u, v, sp, ln, wd, dd in zip(
            actors.ids[sel].tolist(), x, y, h, vx, vy, speed, length, width, d, strict=True
        )
    ]
    kinds = actors.kinds[sel]
    if not (kinds == _WALKER).any():
        return rows, []
    is_walker = (kinds == _WALKER).tolist()
    vehicles = [r for r, w in zip(rows, is_walker, strict=True) if not w]
    pedestrians = [r for r, w in zip(rows, is_walker, strict=True) if w]
    return vehicles, pedestrians
