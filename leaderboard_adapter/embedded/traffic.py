"""NPC vehicles: lane following on the DrivingNetwork with IDM, lights, stop signs and junction right of way.

Each vehicle holds a plan of the next few canonical segments (random successors from the
seeded generator) and an arc length on the first. Every step, vectorised over vehicles:
1. obstacles: vehicles (NPCs and the ego) on the plan, vehicles in a short straight corridor
   ahead (heading within 60°), the ego at any other heading where its box covers the planned
   path within that reach (vehicles on another level, see LEVEL_SEPARATION_M, are none of these),
   and walkers whose next second crosses the corridor; an NPC whose box
   already overlaps the ego's (they collided) no longer treats the ego as an obstacle, so it drives
   on and the two part (as CARLA's physics parts them) instead of waiting for each other for good;
2. the next junction entry: a stop line unless the vehicle holds a claim on that junction lane.
   A claim is granted, first come first served (longest wait, then lowest index), when the
   vehicle is first in its lane, within braking range, its light is green (or yellow too late
   to stop), a stop sign there has seen it stand still (< 0.1 m/s within 3 m of the line), and
   no other vehicle (the ego included) occupies or claims a conflicting lane of the junction;
3. IDM with the strongest interaction; the desired speed is the speed limit times a
   per-vehicle factor, capped by lane curvature ahead.

Dead ends (lanes with no successor, e.g. highway merge lanes): a plan reaching one is padded
by repeating that segment, so the vehicle drives to the lane's end; there it leaves and comes
back, at once, at the start of another ordinary lane clear of the ego and the others (drawn
from the same generator: same seed, same traffic), so the fleet keeps its size.
Deadlocks with the ego: an NPC that has stood `ego_deadlock_s` close to the standing ego, facing
across or against it, leaves the same way (see `TrafficParams.ego_deadlock_s`).
Heights: `z_m` is the lane centre's height at each vehicle's position.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from leaderboard_adapter.control import idm
from leaderboard_adapter.control.idm import NPC_IDM, IdmParams
from leaderboard_adapter.criteria.geometry import obb_overlap_one_vs_many
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.traffic_lights import YELLOW
from leaderboard_adapter.world_view import LEVEL_SEPARATION_M

#: (full length, full width) [m] of the NPC body styles drawn at spawn
VEHICLE_SIZES_M = np.array([[4.90, 2.12], [4.45, 1.82], [5.10, 2.20], [4.00, 1.80]])
_NEXT_CAP_LOOKAHEAD_M = 20.0
#: spacing [m] of the path points tested against the ego's box
_PATH_SAMPLE_M = 1.0
_MAX_SPAWN_TRIES = 200


@dataclass(frozen=True)
class TrafficParams:
    """NPC traffic behaviour (SI units)."""

    plan_segments: int = 4
    spawn_clearance_from_ego_m: float = 20.0
    spawn_min_spacing_m: float = 10.0
    speed_factor_min: float = 0.8
    speed_factor_max: float = 1.0
    vehicle_lookahead_m: float = 12.0
    vehicle_lateral_margin_m: float = 0.3
    walker_lookahead_m: float = 25.0
    walker_prediction_s: float = 1.0
    walker_lateral_margin_m: float = 0.6
    walker_length_m: float = 0.5
    claim_margin_m: float = 4.0
    yellow_max_decel_mps2: float = 4.0
    stop_speed_mps: float = 0.1
    stop_distance_m: float = 3.0
    ego_deadlock_s: float = 20.0
    """An NPC standing this long [s] within `ego_deadlock_radius_m` of the standing ego, at a crossing or
    opposing heading, leaves (comes back elsewhere, as from a dead end): the two wait for each other, and
    a kinematic world has no physics to push one past (CARLA's would, after a collision)."""
    ego_deadlock_radius_m: float = 10.0
    vehicle_idm: IdmParams = NPC_IDM
    """IDM towards a vehicle ahead; its dynamics (accelerations, exponent) set every NPC's acceleration."""
    walker_idm: IdmParams = replace(NPC_IDM, min_gap_m=4.0, time_headway_s=0.5)
    """IDM towards a walker crossing ahead: `vehicle_idm` with its own s0 and T."""
    stop_line_idm: IdmParams = replace(NPC_IDM, min_gap_m=2.5, time_headway_s=0.1)
    """IDM towards the stop line of a junction lane not yet claimed: `vehicle_idm` with its own s0 and T."""

    def __post_init__(self) -> None:
        if self.plan_segments < 3:
            raise ValueError(f"plan_segments must be at least 3, got {self.plan_segments}")
        if not 0 < self.speed_factor_min <= self.speed_factor_max:
            raise ValueError("need 0 < speed_factor_min <= speed_factor_max")
        for name in (
            "spawn_clearance_from_ego_m",
            "spawn_min_spacing_m",
            "vehicle_lookahead_m",
            "walker_lookahead_m",
            "claim_margin_m",
            "yellow_max_decel_mps2",
            "stop_distance_m",
            "ego_deadlock_s",
            "ego_deadlock_radius_m",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"TrafficParams.{name} must be positive, got {getattr(self, name)}")
        for name in ("walker_idm", "stop_line_idm"):
            kind = getattr(self, name)
            if replace(kind, min_gap_m=0.0, time_headway_s=0.0) != replace(
                self.vehicle_idm, min_gap_m=0.0, time_headway_s=0.0
            ):
                raise ValueError(f"TrafficParams.{name} may differ from vehicle_idm in min_gap_m and time_headway_s only")


@dataclass
class EgoOnGraph:
    """What NPCs need to know about the ego this step (world frame, SI units).

    `segment` is the ego's canonical segment (-2 when off the lanes), `claim_segment` the
    junction lane it is about to enter (-1 if none).
    """

    x_m: float
    y_m: float
    yaw_deg: float
    speed_mps: float
    length_m: float
    width_m: float
    segment: int = -2
    s_m: float = 0.0
    claim_segment: int = -1
    z_m: float = 0.0
    """Height [m]: NPCs on another level (LEVEL_SEPARATION_M) neither wait for the ego nor touch it."""


class TrafficFleet:
    """NPC vehicles as parallel arrays; `step` advances them all."""

    def __init__(
        self,
        network: DrivingNetwork,
        conflicts: np.ndarray,
        params: TrafficParams,
        stop_setback_m: np.ndarray,
    ):
        """`stop_setback_m` (per segment, see `stop_setback.py`): how much further back than usual an
        NPC waits before entering that junction lane."""
        self.net = network
        self.conflicts = conflicts
        self.params = params
        self.stop_setback_m = stop_setback_m
        k = params.plan_segments
        self.plan = np.zeros((0, k), dtype=np.int64)
        self.s_m = np.zeros(0)
        self.speed_mps = np.zeros(0)
        self.accel_mps2 = np.zeros(0)
        self.speed_factor = np.zeros(0)
        self.length_m = np.zeros(0)
        self.width_m = np.zeros(0)
        self.claim = np.zeros(0, dtype=np.int64)
        self.stop_cleared = np.zeros(0, dtype=np.int64)
        self.wait_ticks = np.zeros(0, dtype=np.int64)
        self.deadlock_ticks = np.zeros(0, dtype=np.int64)
        self.x_m = np.zeros(0)
        self.y_m = np.zeros(0)
        self.z_m = np.zeros(0)
        self.yaw_deg = np.zeros(0)
        #: vehicles that reached the end of a dead-end lane and came back elsewhere
        self.respawns = 0
        self._buf_size = -1
        self._buf: tuple[np.ndarray, ...] = ()
        self._offset_table = np.zeros((0, 0))

    def __len__(self) -> int:
        return int(self.s_m.shape[0])

    # ------------------------------------------------------------------ spawning
    def add(
        self,
        segment: int,
        s_m: float,
        rng: np.random.Generator,
        speed_mps: float = 0.0,
        speed_factor: float = 1.0,
        size_m: tuple[float, float] = (4.90, 2.12),
        path: list[int] | None = None,
    ) -> int:
        """Add one vehicle on `segment` at arc length `s_m`; `path` fixes its first segments. Returns its index."""
        seg = int(self.net.canonical[segment])
        plan = [seg] + [
            int(self.net.canonical[p]) for p in (path or [])[1 if path and path[0] == segment else 0 :]
        ]
        plan = self._extend_plan(plan[: self.params.plan_segments], rng)
        self.plan = np.vstack([self.plan, np.array(plan, dtype=np.int64)[None, :]])
        self.s_m = np.append(self.s_m, float(s_m))
        self.speed_mps = np.append(self.speed_mps, float(speed_mps))
        self.accel_mps2 = np.append(self.accel_mps2, 0.0)
        self.speed_factor = np.append(self.speed_factor, float(speed_factor))
        self.length_m = np.append(self.length_m, float(size_m[0]))
        self.width_m = np.append(self.width_m, float(size_m[1]))
        self.claim = np.append(self.claim, -1)
        self.stop_cleared = np.append(self.stop_cleared, -1)
        self.wait_ticks = np.append(self.wait_ticks, 0)
        self.deadlock_ticks = np.append(self.deadlock_ticks, 0)
        self._update_pose()
        return len(self) - 1

    def _extend_plan(self, plan: list[int], rng: np.random.Generator) -> list[int]:
        """`plan` extended to `plan_segments` with random successors; past a dead end, its last segment repeats."""
        net = self.net
        while len(plan) < self.params.plan_segments:
            last = plan[-1]
            count = net.successor_count[last]
            plan.append(int(net.successors[last, rng.integers(0, count)]) if count else last)
        return plan

    def spawn_random(self, count: int, rng: np.random.Generator, avoid_xy: np.ndarray) -> None:
        """Add `count` vehicles on ordinary (non-junction) lanes, clear of `avoid_xy` (the ego start) and each other."""
        net = self.net
        candidates = self._spawn_candidates()
        if count == 0 or candidates.size == 0:
            return
        weights = net.length_m[candidates] / net.length_m[candidates].sum()
        p = self.params
        for _ in range(count):
            for _attempt in range(_MAX_SPAWN_TRIES):
                seg = int(rng.choice(candidates, p=weights))
                size = VEHICLE_SIZES_M[rng.integers(0, len(VEHICLE_SIZES_M))]
                margin = size[0] / 2 + 0.5
                if net.length_m[seg] <= 2 * margin:
                    continue
                s = float(rng.uniform(margin, net.length_m[seg] - margin))
                x, y, _ = net.pose_at(np.array([seg]), np.array([s]))
                if np.hypot(x[0] - avoid_xy[0], y[0] - avoid_xy[1]) < p.spawn_clearance_from_ego_m:
                    continue
                if len(self) and np.min(np.hypot(self.x_m - x[0], self.y_m - y[0])) < p.spawn_min_spacing_m:
                    continue
                factor = float(rng.uniform(p.speed_factor_min, p.speed_factor_max))
                self.add(seg, s, rng, 0.0, factor, (float(size[0]), float(size[1])))
                break

    def _spawn_candidates(self) -> np.ndarray:
        """Canonical ordinary (non-junction) lanes that lead on: where vehicles spawn and respawn."""
        net = self.net
        return np.flatnonzero(net.is_canonical & ~net.is_junction & (net.successor_count > 0))

    # ------------------------------------------------------------------ stepping
    def step(
        self,
        dt_s: float,
        ego: EgoOnGraph,
        walker_xy: np.ndarray,
        walker_vxy: np.ndarray,
        light_state: np.ndarray,
        stop_mask: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        """Advance every NPC by `dt_s`; `light_state`/`stop_mask` are per canonical segment."""
        n = len(self)
        if n == 0:
            return
        p = self.params
        ip = p.vehicle_idm
        net = self.net
        ar = np.arange(n)
        plan = self.plan
        s = self.s_m
        v = self.speed_mps
        length = self.length_m
        lens = net.length_m[plan]
        offs = np.empty_like(lens)
        offs[:, 0] = -s
        offs[:, 1:] = np.cumsum(lens[:, :-1], axis=1) - s[:, None]

        # --- vehicles: NPCs and the ego (last column)
        m = n + 1
        buf = self._buffers(m)
        seg_all, s_all, x_all, y_all, c_all, s_all_sin, v_all, len_all, wid_all = buf
        seg_all[:n] = plan[:, 0]
        seg_all[n] = ego.segment if ego.segment >= 0 else net.count
        s_all[:n] = s
        s_all[n] = ego.s_m
        x_all[:n] = self.x_m
        x_all[n] = ego.x_m
        y_all[:n] = self.y_m
        y_all[n] = ego.y_m
        yaw = np.radians(self.yaw_deg)
        c1 = np.cos(yaw)
        s1 = np.sin(yaw)
        c_all[:n] = c1
        s_all_sin[:n] = s1
        ego_yaw = np.radians(ego.yaw_deg)
        c_all[n] = np.cos(ego_yaw)
        s_all_sin[n] = np.sin(ego_yaw)
        v_all[:n] = v
        v_all[n] = max(ego.speed_mps, 0.0)
        len_all[:n] = length
        len_all[n] = ego.length_m
        wid_all[:n] = self.width_m
        wid_all[n] = ego.width_m
        # distance along each plan to every vehicle on it: scatter plan offsets into a (vehicle, segment)
        # table, gather at the others' segments, then clear the scattered cells again
        table = self._offset_table
        rows = np.broadcast_to(ar[:, None], plan.shape)
        table[rows[:, ::-1], plan[:, ::-1]] = offs[:, ::-1]  # reversed: the nearest repeat of a segment wins
        along_path = table[:, seg_all] + s_all[None, :]
        table[rows, plan] = np.inf
        along_path[ar, ar] = np.inf
        along_path[along_path <= 0.0] = np.inf
        half_len = 0.5 * (length[:, None] + len_all[None, :])
        c = c1[:, None]
        sn = s1[:, None]
        dx = x_all[None, :] - self.x_m[:, None]
        dy = y_all[None, :] - self.y_m[:, None]
        along = dx * c + dy * sn
        lat = dy * c - dx * sn
        cos_rel = c * c_all[None, :] + sn * s_all_sin[None, :]
        same_way = cos_rel > 0.5
        level = np.abs(np.append(self.z_m, ego.z_m)[None, :] - self.z_m[:, None]) <= LEVEL_SEPARATION_M
        corridor = (
            (along > 0.0)
            & (along < p.vehicle_lookahead_m + half_len)
            & (np.abs(lat) < 0.5 * (self.width_m[:, None] + wid_all[None, :]) + p.vehicle_lateral_margin_m)
            & same_way
            & level
        )
        corridor[ar, ar] = False
        ahead = np.where(corridor, along, np.inf)
        # the ego at any other heading: where its box covers the NPC's planned path
        reach = p.vehicle_lookahead_m + half_len[:, n]
        near_ego = ~same_way[:, n] & level[:, n] & (
            np.hypot(dx[:, n], dy[:, n]) < reach + 0.5 * (ego.length_m + ego.width_m)
        )
        ahead[:, n] = np.minimum(ahead[:, n], self._ego_on_plan(offs, ego, near_ego, reach))
        # an NPC already touching the ego drives on past it (CARLA's physics would part the two; here both
        # would wait for the other for good, and the ego be "blocked")
        touching = self._touching_ego(ego) & level[:, n]
        ahead[touching, n] = np.inf
        along_path[touching, n] = np.inf
        facing_ego = (
            (v < p.stop_speed_mps)
            & (ego.speed_mps < p.stop_speed_mps)
            & ~same_way[:, n]
            & level[:, n]
            & (np.hypot(dx[:, n], dy[:, n]) < p.ego_deadlock_radius_m)
        )
        self.deadlock_ticks = np.where(facing_ego, self.deadlock_ticks + 1, 0)
        gap = np.minimum(along_path, ahead) - half_len
        v_lead = np.maximum(v_all[None, :] * cos_rel, 0.0)
        ratio = idm.interaction(ip, v[:, None], v[:, None] - v_lead, gap).max(axis=1)

        # --- walkers crossing the corridor within the prediction horizon
        if walker_xy.shape[0]:
            wdx = walker_xy[None, :, 0] - self.x_m[:, None]
            wdy = walker_xy[None, :, 1] - self.y_m[:, None]
            w_along = wdx * c + wdy * sn
            w_lat = wdy * c - wdx * sn
            w_lat2 = (
                w_lat + (walker_vxy[None, :, 1] * c - walker_vxy[None, :, 0] * sn) * p.walker_prediction_s
            )
            thr = (0.5 * self.width_m + p.walker_lateral_margin_m)[:, None]
            hit = (
                (w_along > 0.0)
                & (w_along < p.walker_lookahead_m)
                & (np.minimum(w_lat, w_lat2) < thr)
                & (np.maximum(w_lat, w_lat2) > -thr)
            )
            w_gap = np.where(hit, w_along - 0.5 * (length[:, None] + p.walker_length_m), np.inf)
            w_ratio = idm.interaction(p.walker_idm, v[:, None], v[:, None], w_gap)
            ratio = np.maximum(ratio, w_ratio.max(axis=1))

        # --- next junction entry: lights, stop signs, right of way
        is_j = net.is_junction[plan]
        entry = is_j[:, 1:] & ~is_j[:, :-1]
        has_j = entry.any(axis=1)
        k_j = entry.argmax(axis=1) + 1
        junc = np.where(has_j, plan[ar, k_j], -1)
        jc = np.maximum(junc, 0)
        centre_to_line = offs[ar, k_j]
        # front bumper to where the NPC waits: the junction entry, or further back behind a tight turn's swing
        d_line = np.where(has_j, centre_to_line - 0.5 * length - self.stop_setback_m[jc], np.inf)
        in_junction = is_j[:, 0]
        release = (self.claim >= 0) & (self.claim != junc) & (self.claim != plan[:, 0])
        self.claim[release] = -1
        code = np.where(has_j, light_state[jc], -1)
        need_decel = v * v / (2.0 * np.maximum(d_line, 0.1))
        light_ok = (code < 0) | (code == 0) | ((code == YELLOW) & (need_decel > p.yellow_max_decel_mps2))
        at_stop = has_j & stop_mask[jc]
        halted = at_stop & (v < p.stop_speed_mps) & (d_line < p.stop_distance_m)
        self.stop_cleared[halted] = junc[halted]
        stop_ok = ~at_stop | (self.stop_cleared == junc)
        unclaimed = has_j & (self.claim != junc)
        near = unclaimed & (d_line < v * v / (2.0 * ip.comfort_decel_mps2) + p.claim_margin_m)
        first_in_line = ~(along_path < centre_to_line[:, None]).any(axis=1)
        wants = near & light_ok & stop_ok & first_in_line
        if wants.any():
            holders = self.claim >= 0
            occ_seg = np.concatenate(
                [plan[in_junction, 0], self.claim[holders], [ego.segment, ego.claim_segment]]
            )
            occ_own = np.concatenate([ar[in_junction], ar[holders], [n, n]])
            valid = occ_seg >= 0
            occ_seg, occ_own = occ_seg[valid], occ_own[valid]
            idx = np.flatnonzero(wants)
            if occ_seg.size:
                blocked = (
                    self.conflicts[junc[idx][:, None], occ_seg[None, :]] & (occ_own[None, :] != idx[:, None])
                ).any(axis=1)
                idx = idx[~blocked]
            if idx.size:
                cw = self.conflicts[junc[idx][:, None], junc[idx][None, :]]
                wi = self.wait_ticks[idx]
                higher = (wi[None, :] > wi[:, None]) | (
                    (wi[None, :] == wi[:, None]) & (idx[None, :] < idx[:, None])
                )
                granted = idx[~(cw & higher).any(axis=1)]
                self.claim[granted] = junc[granted]
        self.wait_ticks = np.where(near & (self.claim != junc), self.wait_ticks + 1, 0)
        line_gap = np.where(has_j & (self.claim != junc), d_line, np.inf)
        ratio = np.maximum(ratio, idm.interaction(p.stop_line_idm, v, v, line_gap))

        # --- desired speed and integration
        seg0 = plan[:, 0]
        v0 = np.minimum(net.speed_limit_mps[seg0], net.curve_cap_mps[seg0])
        next_cap = np.where(
            offs[:, 1] - 0.5 * length < _NEXT_CAP_LOOKAHEAD_M, net.curve_cap_mps[plan[:, 1]], np.inf
        )
        v0 = self.speed_factor * np.minimum(v0, next_cap)
        acc = idm.acceleration(ip, v, v0, ratio)
        v_new = np.maximum(v + acc * dt_s, 0.0)
        self.accel_mps2 = (v_new - v) / dt_s
        self.speed_mps = v_new
        self.s_m = s + v_new * dt_s
        for i in np.flatnonzero(self.deadlock_ticks * dt_s >= p.ego_deadlock_s):
            self._respawn(int(i), rng, ego)
        self._advance(rng, ego)
        self._update_pose()

    def _touching_ego(self, ego: EgoOnGraph) -> np.ndarray:
        """(N,) bool: NPCs whose box overlaps the ego's."""
        near = np.flatnonzero(
            np.hypot(self.x_m - ego.x_m, self.y_m - ego.y_m)
            < 0.5 * (np.hypot(self.length_m, self.width_m) + math.hypot(ego.length_m, ego.width_m))
        )
        touching = np.zeros(len(self), dtype=bool)
        touching[near] = obb_overlap_one_vs_many(
            ego.x_m, ego.y_m, ego.yaw_deg, ego.length_m, ego.width_m,
            self.x_m[near], self.y_m[near], self.yaw_deg[near], self.length_m[near], self.width_m[near],
        )
        return touching

    def _ego_on_plan(
        self, offs: np.ndarray, ego: EgoOnGraph, candidates: np.ndarray, reach_m: np.ndarray
    ) -> np.ndarray:
        """Distance [m] along each candidate's plan to the first of its path points (every
        `_PATH_SAMPLE_M`, up to `reach_m`) that the ego's box, grown by the NPC's half width and
        the lateral margin, covers; inf for the others and where none is covered.

        `offs` holds each plan segment's start relative to the NPC (the first is -s).
        """
        out = np.full(len(self), np.inf)
        idx = np.flatnonzero(candidates)
        if not idx.size:
            return out
        d = np.arange(_PATH_SAMPLE_M, float(reach_m[idx].max()) + _PATH_SAMPLE_M, _PATH_SAMPLE_M)
        o = offs[idx]
        rows = np.arange(idx.size)[:, None]
        col = np.clip((o[:, :, None] <= d[None, None, :]).sum(axis=1) - 1, 0, o.shape[1] - 1)
        seg = self.plan[idx][rows, col]
        s_local = np.minimum(d[None, :] - o[rows, col], self.net.length_m[seg])
        x, y, _ = self.net.pose_at(seg.ravel(), s_local.ravel())
        yaw = np.radians(ego.yaw_deg)
        ex = (x - ego.x_m) * np.cos(yaw) + (y - ego.y_m) * np.sin(yaw)
        ey = (y - ego.y_m) * np.cos(yaw) - (x - ego.x_m) * np.sin(yaw)
        grow = (0.5 * self.width_m[idx] + self.params.vehicle_lateral_margin_m)[:, None]
        inside = (
            (np.abs(ex.reshape(seg.shape)) < 0.5 * ego.length_m + grow)
            & (np.abs(ey.reshape(seg.shape)) < 0.5 * ego.width_m + grow)
            & (d[None, :] < reach_m[idx, None])
        )
        out[idx] = np.where(inside.any(axis=1), d[inside.argmax(axis=1)], np.inf)
        return out

    def _buffers(self, m: int) -> tuple[np.ndarray, ...]:
        """Scratch arrays for the (NPCs + ego) columns, and the plan-offset table, sized for `m` vehicles."""
        if self._buf_size != m:
            self._buf = (np.zeros(m, dtype=np.int64),) + tuple(np.zeros(m) for _ in range(8))
            # one extra segment column stands for "not on any lane" (the ego off the road)
            self._offset_table = np.full((m - 1, self.net.count + 1), np.inf)
            self._buf_size = m
        return self._buf

    def _advance(self, rng: np.random.Generator, ego: EgoOnGraph) -> None:
        """Move vehicles that ran past their segment's end onto the next one, extending plans at random;
        those past the end of a dead-end lane respawn elsewhere (`_respawn`)."""
        net = self.net
        over = np.flatnonzero(self.s_m > net.length_m[self.plan[:, 0]])
        while over.size:
            dead = over[net.successor_count[self.plan[over, 0]] == 0]
            for i in dead:
                self._respawn(int(i), rng, ego)
            over = over[self.s_m[over] > net.length_m[self.plan[over, 0]]]
            if not over.size:
                break
            self.s_m[over] -= net.length_m[self.plan[over, 0]]
            last = self.plan[over, -1]
            count = net.successor_count[last]
            pick = rng.integers(0, np.maximum(count, 1))
            self.plan[over, :-1] = self.plan[over, 1:]
            self.plan[over, -1] = np.where(count > 0, net.successors[last, pick], last)
            over = over[self.s_m[over] > net.length_m[self.plan[over, 0]]]

    def _respawn(self, i: int, rng: np.random.Generator, ego: EgoOnGraph) -> None:
        """Put vehicle `i` (at the end of a dead-end lane, or deadlocked with the ego) back, standing, at the start of a random ordinary
        lane at least `spawn_clearance_from_ego_m` from the ego and `spawn_min_spacing_m` from the others
        (the best-spaced of `_MAX_SPAWN_TRIES` draws when none is)."""
        net = self.net
        p = self.params
        candidates = self._spawn_candidates()
        if candidates.size == 0:  # no lane leads on: keep it standing at the end of its lane
            self.s_m[i] = net.length_m[self.plan[i, 0]]
            self.speed_mps[i] = 0.0
            return
        others = np.arange(len(self)) != i
        s0 = 0.5 * self.length_m[i]
        best_seg, best_room = -1, -np.inf
        for _ in range(_MAX_SPAWN_TRIES):
            seg = int(rng.choice(candidates))
            x, y, _ = net.pose_at(np.array([seg]), np.array([min(s0, net.length_m[seg])]))
            ego_room = np.hypot(x[0] - ego.x_m, y[0] - ego.y_m) - p.spawn_clearance_from_ego_m
            d_others = np.hypot(self.x_m[others] - x[0], self.y_m[others] - y[0])
            gap_room = (d_others.min() if d_others.size else np.inf) - p.spawn_min_spacing_m
            room = min(ego_room, gap_room)
            if room > best_room:
                best_seg, best_room = seg, room
            if room >= 0.0:
                break
        self.plan[i] = self._extend_plan([best_seg], rng)
        self.s_m[i] = min(s0, net.length_m[best_seg])
        self.speed_mps[i] = 0.0
        self.accel_mps2[i] = 0.0
        self.claim[i] = -1
        self.stop_cleared[i] = -1
        self.wait_ticks[i] = 0
        self.deadlock_ticks[i] = 0
        self.respawns += 1

    def _update_pose(self) -> None:
        x, y, yaw = self.net.pose_at(self.plan[:, 0], self.s_m)
        self.x_m, self.y_m, self.yaw_deg = x, y, yaw
        self.z_m = self.net.z_at(self.plan[:, 0], self.s_m)
