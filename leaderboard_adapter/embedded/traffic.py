"""NPC vehicles: lane following on the DrivingNetwork with IDM, lights, stop signs and junction right of way.

Each vehicle holds a plan of the next few canonical segments (random successors from the
seeded generator) and an arc length on the first. Every step, vectorised over vehicles, in stages
(each a module):
1. obstacles (`traffic_gaps.py`): vehicles (NPCs and the ego) on the plan, vehicles in a short straight corridor
   ahead (heading within 60°), the ego at any other heading where its box covers the planned
   path within that reach (vehicles on another level, see LEVEL_SEPARATION_M, are none of these),
   and walkers whose next second crosses the corridor; an NPC whose box
   already overlaps the ego's (they collided) no longer treats the ego as an obstacle, so it drives
   on and the two part (as CARLA's physics parts them) instead of waiting for each other for good;
2. the next junction entry (`right_of_way.py`): a stop line unless the vehicle holds a claim on that junction lane.
   A claim is granted, first come first served (longest wait, then lowest index), when the
   vehicle is first in its lane, within braking range, its light is green (or yellow too late
   to stop), a stop sign there has seen it stand still (< 0.1 m/s within 3 m of the line), and
   no other vehicle (the ego included) occupies or claims a conflicting lane of the junction;
3. IDM with the strongest interaction, then the integration along the lanes (`traffic_speed.py`);
   the desired speed is the speed limit times a per-vehicle factor, capped by lane curvature ahead.

Dead ends (lanes with no successor, e.g. highway merge lanes): a plan reaching one is padded
by repeating that segment, so the vehicle drives to the lane's end; there it leaves and comes
back, at once, at the start of another ordinary lane clear of the ego and the others (drawn
from the same generator: same seed, same traffic), so the fleet keeps its size.
Deadlocks with the ego: an NPC that has stood `ego_deadlock_s` close to the standing ego, facing
across or against it, leaves the same way (see `TrafficParams.ego_deadlock_s`).
Heights: `z_m` is the lane centre's height at each vehicle's position.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from leaderboard_adapter.control.idm import NPC_IDM, IdmParams
from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.embedded.right_of_way import (
    JunctionEntry,
    approaching,
    ego_deadlock_ticks,
    first_in_lane,
    grant_claims,
    light_allows,
    next_junction_entry,
    release_claims,
    stop_sign_clearance,
)
from leaderboard_adapter.embedded.traffic_gaps import (
    Columns,
    Surroundings,
    corridor_ahead,
    distances_along_plans,
    ego_on_plan,
    lead_gaps,
    plan_offsets_m,
    surroundings,
    touching_ego,
    walker_gaps,
)
from leaderboard_adapter.embedded.traffic_speed import desired_speed_mps, integrate, speed_command
from leaderboard_adapter.settings import STRICT_SETTINGS, one_line_validator
from leaderboard_adapter.vehicle_spec import EGO_LENGTH_M, EGO_WIDTH_M

#: (full length, full width) [m] of the NPC body styles drawn at spawn (the first: the MKZ, the ego's)
VEHICLE_SIZES_M = np.array([[EGO_LENGTH_M, EGO_WIDTH_M], [4.45, 1.82], [5.10, 2.20], [4.00, 1.80]])
_MAX_SPAWN_TRIES = 200

_Positive = Annotated[float, Field(gt=0)]


@checked_dataclass(frozen=True, config=STRICT_SETTINGS)
class TrafficParams:
    """NPC traffic behaviour (SI units): plans of at least 3 segments, 0 < speed_factor_min <= speed_factor_max,
    and walker and stop-line IDMs that differ from the vehicle IDM in s0 and T only."""

    plan_segments: Annotated[int, Field(ge=3)] = 4
    spawn_clearance_from_ego_m: _Positive = 20.0
    spawn_min_spacing_m: _Positive = 10.0
    speed_factor_min: _Positive = 0.8
    speed_factor_max: float = 1.0
    vehicle_lookahead_m: _Positive = 12.0
    vehicle_lateral_margin_m: float = 0.3
    walker_lookahead_m: _Positive = 25.0
    walker_prediction_s: float = 1.0
    walker_lateral_margin_m: float = 0.6
    walker_length_m: float = 0.5
    claim_margin_m: _Positive = 4.0
    yellow_max_decel_mps2: _Positive = 4.0
    stop_speed_mps: float = 0.1
    stop_distance_m: _Positive = 3.0
    ego_deadlock_s: _Positive = 20.0
    """An NPC standing this long [s] within `ego_deadlock_radius_m` of the standing ego, at a crossing or
    opposing heading, leaves (comes back elsewhere, as from a dead end): the two wait for each other, and
    a kinematic world has no physics to push one past (CARLA's would, after a collision)."""
    ego_deadlock_radius_m: _Positive = 10.0
    vehicle_idm: IdmParams = NPC_IDM
    """IDM towards a vehicle ahead; its dynamics (accelerations, exponent) set every NPC's acceleration."""
    walker_idm: IdmParams = replace(NPC_IDM, min_gap_m=4.0, time_headway_s=0.5)
    """IDM towards a walker crossing ahead: `vehicle_idm` with its own s0 and T."""
    stop_line_idm: IdmParams = replace(NPC_IDM, min_gap_m=2.5, time_headway_s=0.1)
    """IDM towards the stop line of a junction lane not yet claimed: `vehicle_idm` with its own s0 and T."""

    _one_line = one_line_validator(qualify=True)

    @model_validator(mode="after")
    def _consistent(self) -> TrafficParams:
        if not self.speed_factor_min <= self.speed_factor_max:
            raise ValueError(
                f"TrafficParams.speed_factor_max must be at least speed_factor_min ({self.speed_factor_min!r}),"
                f" got {self.speed_factor_max!r}"
            )
        dynamics = replace(self.vehicle_idm, min_gap_m=0.0, time_headway_s=0.0)
        for name in ("walker_idm", "stop_line_idm"):
            if replace(getattr(self, name), min_gap_m=0.0, time_headway_s=0.0) != dynamics:
                raise ValueError(f"TrafficParams.{name} may differ from vehicle_idm in min_gap_m and time_headway_s only")
        return self


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
        size_m: tuple[float, float] = (EGO_LENGTH_M, EGO_WIDTH_M),
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
        """Advance every NPC by `dt_s`; `light_state`/`stop_mask` are per canonical segment.

        The stages, in order: what lies ahead (`traffic_gaps`), who may enter the next junction
        (`right_of_way`), the IDM command and the integration along the lanes (`traffic_speed`),
        then NPCs deadlocked with the ego or past a dead end come back elsewhere (`_respawn`).
        """
        n = len(self)
        if n == 0:
            return
        p = self.params
        net = self.net
        plan = self.plan
        v = self.speed_mps
        offs = plan_offsets_m(net.length_m[plan], self.s_m)
        yaw = np.radians(self.yaw_deg)
        cos_yaw, sin_yaw = np.cos(yaw), np.sin(yaw)
        columns = self._columns(ego, cos_yaw, sin_yaw)
        along_path = distances_along_plans(self._offset_table, plan, offs, columns)
        sur = surroundings(self.x_m, self.y_m, self.z_m, cos_yaw, sin_yaw, self.length_m, columns, ego.z_m)
        ahead = corridor_ahead(sur, self.width_m, columns, p.vehicle_lookahead_m, p.vehicle_lateral_margin_m)
        self._place_ego(along_path, ahead, sur, offs, ego)
        self.deadlock_ticks = ego_deadlock_ticks(
            self.deadlock_ticks,
            v,
            ego.speed_mps,
            sur.same_way[:, n],
            sur.level[:, n],
            np.hypot(sur.dx[:, n], sur.dy[:, n]),
            p.stop_speed_mps,
            p.ego_deadlock_radius_m,
        )
        lead_gap, lead_speed = lead_gaps(along_path, ahead, sur, columns.speed_mps)
        walker_gap = np.zeros((n, 0))
        if walker_xy.shape[0]:
            walker_gap = walker_gaps(
                self.x_m, self.y_m, cos_yaw, sin_yaw, self.length_m, self.width_m, walker_xy, walker_vxy,
                p.walker_lookahead_m, p.walker_prediction_s, p.walker_lateral_margin_m, p.walker_length_m,
            )
        entry = next_junction_entry(plan, net.is_junction[plan], offs, self.length_m, self.stop_setback_m)
        line_gap = self._right_of_way(entry, along_path, light_state, stop_mask, ego)
        v0 = desired_speed_mps(net, plan, offs, self.length_m, self.speed_factor)
        acc = speed_command(
            p.vehicle_idm, p.walker_idm, p.stop_line_idm, v, v0, lead_gap, lead_speed, walker_gap, line_gap
        )
        self.speed_mps, self.accel_mps2, self.s_m = integrate(v, acc, self.s_m, dt_s)
        for i in np.flatnonzero(self.deadlock_ticks * dt_s >= p.ego_deadlock_s):
            self._respawn(int(i), rng, ego)
        self._advance(rng, ego)
        self._update_pose()

    def _columns(self, ego: EgoOnGraph, cos_yaw: np.ndarray, sin_yaw: np.ndarray) -> Columns:
        """The vehicles to follow, in the scratch buffers: the NPCs (headings `cos_yaw`, `sin_yaw`), then the ego."""
        n = len(self)
        seg, s, x, y, c, sn, v, length, width = self._buffers(n + 1)
        seg[:n] = self.plan[:, 0]
        seg[n] = ego.segment if ego.segment >= 0 else self.net.count
        s[:n] = self.s_m
        s[n] = ego.s_m
        x[:n] = self.x_m
        x[n] = ego.x_m
        y[:n] = self.y_m
        y[n] = ego.y_m
        c[:n] = cos_yaw
        sn[:n] = sin_yaw
        ego_yaw = np.radians(ego.yaw_deg)
        c[n] = np.cos(ego_yaw)
        sn[n] = np.sin(ego_yaw)
        v[:n] = self.speed_mps
        v[n] = max(ego.speed_mps, 0.0)
        length[:n] = self.length_m
        length[n] = ego.length_m
        width[:n] = self.width_m
        width[n] = ego.width_m
        return Columns(seg, s, x, y, c, sn, v, length, width)

    def _place_ego(
        self, along_path: np.ndarray, ahead: np.ndarray, sur: Surroundings, offs: np.ndarray, ego: EgoOnGraph
    ) -> None:
        """The ego's column (the last) of `along_path` and `ahead`, updated in place: the ego at any other
        heading counts where its box covers an NPC's planned path; an NPC already touching the ego drives
        on past it (CARLA's physics would part the two; here both would wait for the other for good, and
        the ego be "blocked")."""
        p = self.params
        n = len(self)
        reach = p.vehicle_lookahead_m + sur.half_len[:, n]
        near_ego = ~sur.same_way[:, n] & sur.level[:, n] & (
            np.hypot(sur.dx[:, n], sur.dy[:, n]) < reach + 0.5 * (ego.length_m + ego.width_m)
        )
        on_plan = ego_on_plan(self.net, self.plan, self.width_m, offs, ego, near_ego, reach, p.vehicle_lateral_margin_m)
        ahead[:, n] = np.minimum(ahead[:, n], on_plan)
        touching = touching_ego(self.x_m, self.y_m, self.yaw_deg, self.length_m, self.width_m, ego) & sur.level[:, n]
        ahead[touching, n] = np.inf
        along_path[touching, n] = np.inf

    def _right_of_way(
        self,
        entry: JunctionEntry,
        along_path: np.ndarray,
        light_state: np.ndarray,
        stop_mask: np.ndarray,
        ego: EgoOnGraph,
    ) -> np.ndarray:
        """Claims, stop-sign clearances and waits updated for the next junction entries; returns the (N,)
        gap [m] to the stop line of those without a claim (inf for the others)."""
        p = self.params
        v = self.speed_mps
        self.claim = release_claims(self.claim, entry, self.plan[:, 0])
        light_ok = light_allows(entry, v, light_state, p.yellow_max_decel_mps2)
        stop_ok, self.stop_cleared = stop_sign_clearance(
            entry, v, stop_mask, self.stop_cleared, p.stop_speed_mps, p.stop_distance_m
        )
        near = approaching(entry, self.claim, v, p.vehicle_idm.comfort_decel_mps2, p.claim_margin_m)
        wants = near & light_ok & stop_ok & first_in_lane(entry, along_path)
        if wants.any():
            self.claim = grant_claims(
                wants, entry, self.claim, self.wait_ticks, self.plan[:, 0], (ego.segment, ego.claim_segment),
                self.conflicts,
            )
        self.wait_ticks = np.where(near & (self.claim != entry.segment), self.wait_ticks + 1, 0)
        return np.where(entry.has_entry & (self.claim != entry.segment), entry.line_gap_m, np.inf)

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
