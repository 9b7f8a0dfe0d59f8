"""Second stage of an NPC step: junctions, lights, stop signs and who may go first.

Each NPC looks at the next junction lane on its plan (`next_junction_entry`). It may claim that
lane when it is first in its lane, within braking range of its waiting point, its light lets it
go (`light_allows`), a stop sign there has seen it stand (`stop_sign_clearance`), and no one (the
ego included) occupies or claims a conflicting lane; among NPCs wanting conflicting lanes the one
waiting longest goes, then the lowest index (`grant_claims`). Without a claim it stops at the
line. A claim is dropped once the NPC is past that lane (`release_claims`). Separately, an NPC
standing face to face with the standing ego counts the ticks (`ego_deadlock_ticks`).
Segments are canonical segment indices (-1: none); SI units.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from leaderboard_adapter.embedded.traffic_lights import YELLOW


class JunctionEntry(NamedTuple):
    """Each NPC's next junction lane on its plan, (N,) arrays.

    `segment`: that lane (-1 if the plan enters none); `centre_to_line_m`: arc length [m] from the
    NPC's centre to the lane's start; `line_gap_m`: from its front bumper to where it waits (the
    lane's start, or further back behind a tight turn's swing; inf if none); `in_junction`: the NPC
    is on a junction lane now.
    """

    segment: np.ndarray
    centre_to_line_m: np.ndarray
    line_gap_m: np.ndarray
    in_junction: np.ndarray

    @property
    def has_entry(self) -> np.ndarray:
        return self.segment >= 0


def next_junction_entry(
    plan: np.ndarray,
    plan_is_junction: np.ndarray,
    offs: np.ndarray,
    length_m: np.ndarray,
    stop_setback_m: np.ndarray,
) -> JunctionEntry:
    """The first ordinary-to-junction step on each (N, K) `plan` (`plan_is_junction` per cell; `offs` as
    from `traffic_gaps.plan_offsets_m`); `stop_setback_m` per segment (see `stop_setback.py`)."""
    ar = np.arange(plan.shape[0])
    entry = plan_is_junction[:, 1:] & ~plan_is_junction[:, :-1]
    has_j = entry.any(axis=1)
    k_j = entry.argmax(axis=1) + 1
    junc = np.where(has_j, plan[ar, k_j], -1)
    centre_to_line = offs[ar, k_j]
    d_line = np.where(has_j, centre_to_line - 0.5 * length_m - stop_setback_m[np.maximum(junc, 0)], np.inf)
    return JunctionEntry(junc, centre_to_line, d_line, plan_is_junction[:, 0])


def release_claims(claim: np.ndarray, entry: JunctionEntry, segment_m: np.ndarray) -> np.ndarray:
    """`claim` with those dropped that are neither the next junction lane nor the lane the NPC is on
    (`segment_m`, its current segment): the NPC has driven through it."""
    release = (claim >= 0) & (claim != entry.segment) & (claim != segment_m)
    return np.where(release, -1, claim)


def approaching(
    entry: JunctionEntry, claim: np.ndarray, speed_mps: np.ndarray, comfort_decel_mps2: float, margin_m: float
) -> np.ndarray:
    """(N,) bool: NPCs without a claim on their next junction lane whose waiting point is within their
    braking distance at `comfort_decel_mps2` plus `margin_m`: they would claim it now (or wait)."""
    unclaimed = entry.has_entry & (claim != entry.segment)
    return unclaimed & (entry.line_gap_m < speed_mps * speed_mps / (2.0 * comfort_decel_mps2) + margin_m)


def first_in_lane(entry: JunctionEntry, along_path: np.ndarray) -> np.ndarray:
    """(N,) bool: no vehicle is between each NPC and its next junction lane (`along_path`: (N, M)
    distances along its plan, as from `traffic_gaps.distances_along_plans`)."""
    return ~(along_path < entry.centre_to_line_m[:, None]).any(axis=1)


def light_allows(
    entry: JunctionEntry, speed_mps: np.ndarray, light_state: np.ndarray, yellow_max_decel_mps2: float
) -> np.ndarray:
    """(N,) bool: no light governs the next junction lane, it is green, or it is yellow and stopping
    before the line would need more than `yellow_max_decel_mps2`. `light_state` per segment (-1: none)."""
    code = np.where(entry.has_entry, light_state[np.maximum(entry.segment, 0)], -1)
    need_decel = speed_mps * speed_mps / (2.0 * np.maximum(entry.line_gap_m, 0.1))
    return (code < 0) | (code == 0) | ((code == YELLOW) & (need_decel > yellow_max_decel_mps2))


def stop_sign_clearance(
    entry: JunctionEntry,
    speed_mps: np.ndarray,
    stop_mask: np.ndarray,
    stop_cleared: np.ndarray,
    stop_speed_mps: float,
    stop_distance_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """(may go, updated `stop_cleared`): an NPC standing (below `stop_speed_mps`) within `stop_distance_m`
    of a stop sign's line has cleared that junction lane; it may go where no stop sign is or once
    cleared. `stop_mask` per segment; `stop_cleared` per NPC, the lane it last stopped for (-1)."""
    at_stop = entry.has_entry & stop_mask[np.maximum(entry.segment, 0)]
    halted = at_stop & (speed_mps < stop_speed_mps) & (entry.line_gap_m < stop_distance_m)
    stop_cleared = np.where(halted, entry.segment, stop_cleared)
    return ~at_stop | (stop_cleared == entry.segment), stop_cleared


def grant_claims(
    wants: np.ndarray,
    entry: JunctionEntry,
    claim: np.ndarray,
    wait_ticks: np.ndarray,
    segment: np.ndarray,
    ego_segments: tuple[int, int],
    conflicts: np.ndarray,
) -> np.ndarray:
    """`claim` with the next junction lane granted to the NPCs in `wants` that may go first.

    Occupied are the junction lanes NPCs are on (`segment`, their current ones, where `entry.in_junction`),
    those claimed, and the ego's two (`ego_segments`: its lane and the junction lane it is about
    to enter, -1 for none); an NPC is blocked by anyone else's occupied lane conflicting with its own
    (`conflicts`: (S, S) bool). Of the rest, those wanting conflicting lanes go in order of
    `wait_ticks` (longest first), then index (lowest first); only the first of each conflict goes.
    """
    claim = claim.copy()
    n = claim.shape[0]
    ar = np.arange(n)
    junc = entry.segment
    holders = claim >= 0
    occ_seg = np.concatenate([segment[entry.in_junction], claim[holders], list(ego_segments)])
    occ_own = np.concatenate([ar[entry.in_junction], ar[holders], [n, n]])
    valid = occ_seg >= 0
    occ_seg, occ_own = occ_seg[valid], occ_own[valid]
    idx = np.flatnonzero(wants)
    if occ_seg.size:
        blocked = (conflicts[junc[idx][:, None], occ_seg[None, :]] & (occ_own[None, :] != idx[:, None])).any(axis=1)
        idx = idx[~blocked]
    if idx.size:
        cw = conflicts[junc[idx][:, None], junc[idx][None, :]]
        wi = wait_ticks[idx]
        higher = (wi[None, :] > wi[:, None]) | ((wi[None, :] == wi[:, None]) & (idx[None, :] < idx[:, None]))
        granted = idx[~(cw & higher).any(axis=1)]
        claim[granted] = junc[granted]
    return claim


def ego_deadlock_ticks(
    ticks: np.ndarray,
    speed_mps: np.ndarray,
    ego_speed_mps: float,
    ego_same_way: np.ndarray,
    ego_level: np.ndarray,
    ego_distance_m: np.ndarray,
    stop_speed_mps: float,
    radius_m: float,
) -> np.ndarray:
    """`ticks` plus one for each NPC standing (below `stop_speed_mps`, as the ego) within `radius_m` of the
    ego on its level and not heading its way (crossing or opposing); 0 for the others."""
    facing_ego = (
        (speed_mps < stop_speed_mps)
        & (ego_speed_mps < stop_speed_mps)
        & ~ego_same_way
        & ego_level
        & (ego_distance_m < radius_m)
    )
    return np.where(facing_ego, ticks + 1, 0)
