"""First stage of an NPC step: what lies ahead of each NPC, as gaps [m] from its front bumper.

Vectorised over NPCs (rows) and the vehicles they may follow (columns: every NPC, then the ego
last). World frame (CARLA's, left-handed: x east, y south, yaw clockwise from x), SI units.
A vehicle ahead counts when it is on the NPC's plan (`distances_along_plans`), or in a short
straight corridor ahead heading the same way on the same level (`corridor_ahead`); the ego at
any other heading when its box covers the NPC's planned path (`ego_on_plan`). Walkers count when
their next second crosses the corridor (`walker_gaps`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from leaderboard_adapter.geometry import boxes_overlap
from leaderboard_adapter.world_view import LEVEL_SEPARATION_M

PATH_SAMPLE_M = 1.0
"""Spacing [m] of the path points tested against the ego's box (`ego_on_plan`)."""


class Columns(NamedTuple):
    """The vehicles an NPC may follow, one column each: the NPCs, then the ego last.

    `segment` is the canonical segment (the network's segment count for the ego off the lanes),
    `s_m` the arc length on it [m], `cos_yaw`/`sin_yaw` of the heading, `speed_mps` >= 0.
    """

    segment: np.ndarray
    s_m: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    cos_yaw: np.ndarray
    sin_yaw: np.ndarray
    speed_mps: np.ndarray
    length_m: np.ndarray
    width_m: np.ndarray


class Surroundings(NamedTuple):
    """Every column seen from each NPC (rows), (N, M) arrays: offsets `dx`, `dy` [m] in the world frame,
    `along` and `lat` [m] in the NPC's frame, `cos_rel` of the heading difference, `same_way`
    (within 60°), `level` (within LEVEL_SEPARATION_M in height) and `half_len` [m], half the two
    lengths (centre to centre minus this is bumper to bumper along a lane)."""

    dx: np.ndarray
    dy: np.ndarray
    along: np.ndarray
    lat: np.ndarray
    cos_rel: np.ndarray
    same_way: np.ndarray
    level: np.ndarray
    half_len: np.ndarray


def plan_offsets_m(plan_lengths_m: np.ndarray, s_m: np.ndarray) -> np.ndarray:
    """(N, K) arc length [m] from each NPC (at `s_m` on its first plan segment) to the start of each of
    its K plan segments (lengths `plan_lengths_m`); the first is -s."""
    offs = np.empty_like(plan_lengths_m)
    offs[:, 0] = -s_m
    offs[:, 1:] = np.cumsum(plan_lengths_m[:, :-1], axis=1) - s_m[:, None]
    return offs


def distances_along_plans(
    table: np.ndarray, plan: np.ndarray, offs: np.ndarray, columns: Columns
) -> np.ndarray:
    """(N, M) distance [m] along each NPC's plan, centre to centre, to every column on it; inf for
    columns not on it, behind it, and the NPC itself.

    `table` is a scratch (N, segment count + 1) array of inf, left as found: the plan offsets are
    scattered into it by (NPC, segment), gathered at the columns' segments, then cleared.
    """
    n = plan.shape[0]
    ar = np.arange(n)
    rows = np.broadcast_to(ar[:, None], plan.shape)
    table[rows[:, ::-1], plan[:, ::-1]] = offs[:, ::-1]  # reversed: the nearest repeat of a segment wins
    along_path = table[:, columns.segment] + columns.s_m[None, :]
    table[rows, plan] = np.inf
    along_path[ar, ar] = np.inf
    along_path[along_path <= 0.0] = np.inf
    return along_path


def surroundings(
    x_m: np.ndarray,
    y_m: np.ndarray,
    z_m: np.ndarray,
    cos_yaw: np.ndarray,
    sin_yaw: np.ndarray,
    length_m: np.ndarray,
    columns: Columns,
    ego_z_m: float,
) -> Surroundings:
    """Every column relative to each NPC at (`x_m`, `y_m`, `z_m`) heading (`cos_yaw`, `sin_yaw`)."""
    half_len = 0.5 * (length_m[:, None] + columns.length_m[None, :])
    c = cos_yaw[:, None]
    sn = sin_yaw[:, None]
    dx = columns.x_m[None, :] - x_m[:, None]
    dy = columns.y_m[None, :] - y_m[:, None]
    along = dx * c + dy * sn
    lat = dy * c - dx * sn
    cos_rel = c * columns.cos_yaw[None, :] + sn * columns.sin_yaw[None, :]
    same_way = cos_rel > 0.5
    level = np.abs(np.append(z_m, ego_z_m)[None, :] - z_m[:, None]) <= LEVEL_SEPARATION_M
    return Surroundings(dx, dy, along, lat, cos_rel, same_way, level, half_len)


def corridor_ahead(
    sur: Surroundings, width_m: np.ndarray, columns: Columns, lookahead_m: float, lateral_margin_m: float
) -> np.ndarray:
    """(N, M) distance [m] ahead, centre to centre, to the columns in each NPC's straight corridor: ahead
    within `lookahead_m` (bumper to bumper), laterally overlapping its width grown by `lateral_margin_m`,
    heading the same way, on the same level; inf for the others and the NPC itself."""
    n = width_m.shape[0]
    corridor = (
        (sur.along > 0.0)
        & (sur.along < lookahead_m + sur.half_len)
        & (np.abs(sur.lat) < 0.5 * (width_m[:, None] + columns.width_m[None, :]) + lateral_margin_m)
        & sur.same_way
        & sur.level
    )
    corridor[np.arange(n), np.arange(n)] = False
    return np.where(corridor, sur.along, np.inf)


def ego_on_plan(
    net,
    plan: np.ndarray,
    width_m: np.ndarray,
    offs: np.ndarray,
    ego,
    candidates: np.ndarray,
    reach_m: np.ndarray,
    lateral_margin_m: float,
) -> np.ndarray:
    """(N,) distance [m] along each candidate's plan to the first of its path points (every
    `PATH_SAMPLE_M`, up to `reach_m`) that the ego's box, grown by the NPC's half width and
    `lateral_margin_m`, covers; inf for the others and where none is covered.

    `net` is the DrivingNetwork, `ego` the `EgoOnGraph`; `offs` as from `plan_offsets_m`.
    """
    out = np.full(plan.shape[0], np.inf)
    idx = np.flatnonzero(candidates)
    if not idx.size:
        return out
    d = np.arange(PATH_SAMPLE_M, float(reach_m[idx].max()) + PATH_SAMPLE_M, PATH_SAMPLE_M)
    o = offs[idx]
    rows = np.arange(idx.size)[:, None]
    col = np.clip((o[:, :, None] <= d[None, None, :]).sum(axis=1) - 1, 0, o.shape[1] - 1)
    seg = plan[idx][rows, col]
    s_local = np.minimum(d[None, :] - o[rows, col], net.length_m[seg])
    x, y, _ = net.pose_at(seg.ravel(), s_local.ravel())
    yaw = np.radians(ego.yaw_deg)
    ex = (x - ego.x_m) * np.cos(yaw) + (y - ego.y_m) * np.sin(yaw)
    ey = (y - ego.y_m) * np.cos(yaw) - (x - ego.x_m) * np.sin(yaw)
    grow = (0.5 * width_m[idx] + lateral_margin_m)[:, None]
    inside = (
        (np.abs(ex.reshape(seg.shape)) < 0.5 * ego.length_m + grow)
        & (np.abs(ey.reshape(seg.shape)) < 0.5 * ego.width_m + grow)
        & (d[None, :] < reach_m[idx, None])
    )
    out[idx] = np.where(inside.any(axis=1), d[inside.argmax(axis=1)], np.inf)
    return out


def touching_ego(
    x_m: np.ndarray, y_m: np.ndarray, yaw_deg: np.ndarray, length_m: np.ndarray, width_m: np.ndarray, ego
) -> np.ndarray:
    """(N,) bool: NPCs whose box overlaps the ego's (`ego`: an `EgoOnGraph`)."""
    near = np.flatnonzero(
        np.hypot(x_m - ego.x_m, y_m - ego.y_m)
        < 0.5 * (np.hypot(length_m, width_m) + math.hypot(ego.length_m, ego.width_m))
    )
    touching = np.zeros(x_m.shape[0], dtype=bool)
    touching[near] = boxes_overlap(
        ego.x_m, ego.y_m, np.radians(ego.yaw_deg), ego.length_m, ego.width_m,
        x_m[near], y_m[near], np.radians(yaw_deg[near]), length_m[near], width_m[near],
    )
    return touching


def lead_gaps(
    along_path: np.ndarray, ahead: np.ndarray, sur: Surroundings, speed_mps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(gap [m] bumper to bumper, speed [m/s] along the NPC's heading, >= 0), both (N, M): each column as a
    leader, at the nearer of its distance along the plan and in the corridor (inf where neither)."""
    gap = np.minimum(along_path, ahead) - sur.half_len
    v_lead = np.maximum(speed_mps[None, :] * sur.cos_rel, 0.0)
    return gap, v_lead


def walker_gaps(
    x_m: np.ndarray,
    y_m: np.ndarray,
    cos_yaw: np.ndarray,
    sin_yaw: np.ndarray,
    length_m: np.ndarray,
    width_m: np.ndarray,
    walker_xy: np.ndarray,
    walker_vxy: np.ndarray,
    lookahead_m: float,
    prediction_s: float,
    lateral_margin_m: float,
    walker_length_m: float,
) -> np.ndarray:
    """(N, W) gap [m] from each NPC's front bumper to each walker whose lateral offset now or
    `prediction_s` from now (at its velocity `walker_vxy`) reaches the corridor (half the NPC's width
    plus `lateral_margin_m`), within `lookahead_m` ahead; inf for the others."""
    c = cos_yaw[:, None]
    sn = sin_yaw[:, None]
    wdx = walker_xy[None, :, 0] - x_m[:, None]
    wdy = walker_xy[None, :, 1] - y_m[:, None]
    w_along = wdx * c + wdy * sn
    w_lat = wdy * c - wdx * sn
    w_lat2 = w_lat + (walker_vxy[None, :, 1] * c - walker_vxy[None, :, 0] * sn) * prediction_s
    thr = (0.5 * width_m + lateral_margin_m)[:, None]
    hit = (
        (w_along > 0.0)
        & (w_along < lookahead_m)
        & (np.minimum(w_lat, w_lat2) < thr)
        & (np.maximum(w_lat, w_lat2) > -thr)
    )
    return np.where(hit, w_along - 0.5 * (length_m[:, None] + walker_length_m), np.inf)
