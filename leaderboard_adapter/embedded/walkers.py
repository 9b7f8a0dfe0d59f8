"""Walkers: pedestrians strolling along sidewalks, some crossing roads, some crossing in front of the ego.

Modes per walker: WALK (along a sidewalk polyline, turning back at the end of an open one),
CROSS (straight across the road to the sidewalk opposite, then WALK there) and WAIT (a
walker placed beside the ego's route, standing until the ego comes close).

Random crossings: each walking walker starts one with probability `crossing_rate_per_s · dt`
per step, if a sidewalk lies straight across and no vehicle is within `crossing_clearance_m`.
Ego crossings: a WAIT walker starts across the ego's road when the ego's distance along its
route to the walker falls to `max(trigger_min_distance_m, trigger_time_s × ego speed)`, so
at the trigger the ego is at least 25 m and (at constant speed) 4 s away: room for a careful
driver to stop.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.embedded.sidewalks import SidewalkNetwork
from leaderboard_adapter.geometry import wrap_deg
from leaderboard_adapter.settings import STRICT_SETTINGS, one_line_validator

WALK, CROSS, WAIT = 0, 1, 2

_Positive = Annotated[float, Field(gt=0)]
_NonNegative = Annotated[float, Field(ge=0)]
"""0 disables."""


@dataclass(frozen=True, config=STRICT_SETTINGS)
class WalkerParams:
    """Walker behaviour (SI units): 0 < speed_min_mps <= speed_max_mps, and the first ego crossing no nearer than
    `trigger_min_distance_m` (never spawn at the bumper)."""

    speed_min_mps: _Positive = 1.0
    speed_max_mps: _Positive = 1.6
    crossing_rate_per_s: _NonNegative = 0.01
    crossing_clearance_m: _Positive = 20.0
    spawn_radius_m: _Positive = 80.0
    length_m: _Positive = 0.5
    width_m: _Positive = 0.5
    ego_crossing_spacing_m: _NonNegative = 200.0
    ego_crossing_first_m: float = 50.0
    trigger_time_s: _Positive = 4.0
    trigger_min_distance_m: _Positive = 25.0
    max_sidewalk_offset_m: _Positive = 9.0

    _one_line = one_line_validator(qualify=True)

    @model_validator(mode="after")
    def _ordered(self) -> WalkerParams:
        if not self.speed_min_mps <= self.speed_max_mps:
            raise ValueError(
                f"WalkerParams.speed_max_mps must be at least speed_min_mps ({self.speed_min_mps!r}),"
                f" got {self.speed_max_mps!r}"
            )
        if not self.ego_crossing_first_m >= self.trigger_min_distance_m:
            raise ValueError(
                f"WalkerParams.ego_crossing_first_m must be at least trigger_min_distance_m"
                f" ({self.trigger_min_distance_m!r}; never spawn at the bumper), got {self.ego_crossing_first_m!r}"
            )
        return self


class WalkerCrowd:
    """All walkers as parallel arrays; `step` advances them."""

    def __init__(self, sidewalks: SidewalkNetwork, params: WalkerParams):
        self.sw = sidewalks
        self.params = params
        self._has_open_lines = bool((~sidewalks.closed).any())
        self.line = np.zeros(0, dtype=np.int64)
        self.s_m = np.zeros(0)
        self.direction = np.zeros(0)
        self.speed_mps = np.zeros(0)
        self.mode = np.zeros(0, dtype=np.int8)
        self.from_xy = np.zeros((0, 2))
        self.to_xy = np.zeros((0, 2))
        #: heights [m] of a crossing's start and end (the sidewalks' heights there)
        self.from_z_m = np.zeros(0)
        self.to_z_m = np.zeros(0)
        self.cross_len_m = np.zeros(0)
        self.cross_done_m = np.zeros(0)
        self.target_line = np.zeros(0, dtype=np.int64)
        self.target_s_m = np.zeros(0)
        self.trigger_progress_m = np.zeros(0)
        self.crossings_started = 0
        self.x_m = np.zeros(0)
        self.y_m = np.zeros(0)
        self.z_m = np.zeros(0)
        self.yaw_deg = np.zeros(0)
        self.vx_mps = np.zeros(0)
        self.vy_mps = np.zeros(0)

    def __len__(self) -> int:
        return int(self.s_m.shape[0])

    def _append(
        self,
        line: int,
        s: float,
        direction: float,
        speed: float,
        mode: int,
        target: tuple[int, float, float, float] | None,
        trigger_m: float,
    ) -> None:
        self.line = np.append(self.line, line)
        self.s_m = np.append(self.s_m, s)
        self.direction = np.append(self.direction, direction)
        self.speed_mps = np.append(self.speed_mps, speed)
        self.mode = np.append(self.mode, np.int8(mode))
        self.from_xy = np.vstack([self.from_xy, np.zeros((1, 2))])
        to = (target[2], target[3]) if target else (0.0, 0.0)
        self.to_xy = np.vstack([self.to_xy, np.array([to])])
        self.from_z_m = np.append(self.from_z_m, 0.0)
        self.to_z_m = np.append(self.to_z_m, 0.0)
        self.cross_len_m = np.append(self.cross_len_m, 0.0)
        self.cross_done_m = np.append(self.cross_done_m, 0.0)
        self.target_line = np.append(self.target_line, target[0] if target else -1)
        self.target_s_m = np.append(self.target_s_m, target[1] if target else 0.0)
        self.trigger_progress_m = np.append(self.trigger_progress_m, trigger_m)

    def spawn_random(self, count: int, rng: np.random.Generator, route_xy: np.ndarray) -> None:
        """Add `count` walkers on sidewalk points within `spawn_radius_m` of the route (anywhere if none)."""
        if count == 0 or len(self.sw) == 0:
            return
        p = self.params
        probe = route_xy[:: max(1, len(route_xy) // 200)]
        near = np.zeros(len(self.sw.x_m), dtype=bool)
        for px, py in probe:
            near |= (self.sw.x_m - px) ** 2 + (self.sw.y_m - py) ** 2 < p.spawn_radius_m**2
        candidates = np.flatnonzero(near) if near.any() else np.arange(len(self.sw.x_m))
        picks = rng.choice(candidates, size=count, replace=len(candidates) < count)
        for k in picks:
            self._append(
                int(self.sw.line[k]),
                float(self.sw.s_m[k]),
                float(rng.choice([-1.0, 1.0])),
                float(rng.uniform(p.speed_min_mps, p.speed_max_mps)),
                WALK,
                None,
                np.nan,
            )
        self._update_pose()

    def spawn_ego_crossers(
        self,
        route_xy: np.ndarray,
        route_yaw_deg: np.ndarray,
        route_s_m: np.ndarray,
        route_in_junction: np.ndarray,
        rng: np.random.Generator,
    ) -> int:
        """Place WAIT walkers on the sidewalk right of the route every `ego_crossing_spacing_m`; returns how many."""
        p = self.params
        if p.ego_crossing_spacing_m <= 0 or len(self.sw) == 0:
            return 0
        placed = 0
        for want in np.arange(p.ego_crossing_first_m, route_s_m[-1] - 10.0, p.ego_crossing_spacing_m):
            for shift in range(0, 60, 10):
                i = int(np.searchsorted(route_s_m, want + shift))
                if i >= len(route_s_m) or route_in_junction[i]:
                    continue
                x, y = route_xy[i]
                start = self.sw.across(
                    x, y, float(route_yaw_deg[i]), side=1, min_m=1.0, max_m=p.max_sidewalk_offset_m
                )
                if start is None:
                    continue
                target = self.sw.across(
                    start[2], start[3], float(route_yaw_deg[i]), side=-1, exclude_line=start[0]
                )
                if target is None:
                    continue
                self._append(
                    start[0],
                    start[1],
                    1.0,
                    float(rng.uniform(p.speed_min_mps, p.speed_max_mps)),
                    WAIT,
                    target,
                    float(route_s_m[i]),
                )
                placed += 1
                break
        self._update_pose()
        return placed

    def step(
        self,
        dt_s: float,
        rng: np.random.Generator,
        vehicle_xy: np.ndarray,
        ego_progress_m: float,
        ego_speed_mps: float,
    ) -> None:
        n = len(self)
        if n == 0:
            return
        p = self.params
        sw = self.sw
        walking = self.mode == WALK
        self.s_m = self.s_m + walking * self.direction * self.speed_mps * dt_s
        if self._has_open_lines:
            length = sw.length_m[self.line]
            open_line = ~sw.closed[self.line]
            low = open_line & (self.s_m < 0.0)
            high = open_line & (self.s_m > length)
            self.s_m = np.where(low, -self.s_m, np.where(high, 2 * length - self.s_m, self.s_m))
            self.direction = np.where(low, 1.0, np.where(high, -1.0, self.direction))

        crossing = self.mode == CROSS
        self.cross_done_m = self.cross_done_m + crossing * self.speed_mps * dt_s
        arrived = np.flatnonzero(crossing & (self.cross_done_m >= self.cross_len_m))
        if arrived.size:
            self.mode[arrived] = WALK
            self.line[arrived] = self.target_line[arrived]
            self.s_m[arrived] = self.target_s_m[arrived]
            self.direction[arrived] = np.where(rng.random(arrived.size) < 0.5, -1.0, 1.0)
            self.trigger_progress_m[arrived] = np.nan

        waiting = self.mode == WAIT
        if waiting.any():
            ahead = self.trigger_progress_m - ego_progress_m
            reach = max(p.trigger_min_distance_m, p.trigger_time_s * max(ego_speed_mps, 0.0))
            go = np.flatnonzero(waiting & (ahead <= reach) & (ahead > 0.0))
            passed = np.flatnonzero(waiting & (ahead <= 0.0))
            self.mode[passed] = WALK
            for i in go:
                self._start_crossing(int(i))

        draws = rng.random(n)
        decide = np.flatnonzero((self.mode == WALK) & (draws < p.crossing_rate_per_s * dt_s))
        for i in decide:
            target = sw.across(
                float(self.x_m[i]), float(self.y_m[i]), float(self.yaw_deg[i]), exclude_line=int(self.line[i])
            )
            if target is None:
                continue
            if (
                vehicle_xy.shape[0]
                and np.min(np.hypot(vehicle_xy[:, 0] - self.x_m[i], vehicle_xy[:, 1] - self.y_m[i]))
                < p.crossing_clearance_m
            ):
                continue
            self.target_line[i], self.target_s_m[i] = target[0], target[1]
            self.to_xy[i] = (target[2], target[3])
            self._start_crossing(int(i))
        self._update_pose()

    def _start_crossing(self, i: int) -> None:
        self.from_xy[i] = (self.x_m[i], self.y_m[i])
        self.from_z_m[i] = self.z_m[i]
        line, s = self.target_line[i : i + 1], self.target_s_m[i : i + 1]
        self.to_z_m[i] = float(self.sw.pose_z_at(line, s)[2][0]) if line[0] >= 0 else self.z_m[i]
        self.cross_len_m[i] = float(np.hypot(*(self.to_xy[i] - self.from_xy[i])))
        self.cross_done_m[i] = 0.0
        self.mode[i] = CROSS
        self.crossings_started += 1

    def _update_pose(self) -> None:
        n = len(self)
        if n == 0:
            return
        x, y, z, yaw = self.sw.pose_z_at(self.line, self.s_m)
        yaw = yaw + (self.direction < 0) * 180.0
        moving = (self.mode == WALK) * self.speed_mps
        rad = np.radians(yaw)
        vx = moving * np.cos(rad)
        vy = moving * np.sin(rad)
        crossing = self.mode == CROSS
        if crossing.any():
            d = self.to_xy - self.from_xy
            dist = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-6)
            t = np.clip(self.cross_done_m / dist, 0.0, 1.0)
            x = np.where(crossing, self.from_xy[:, 0] + t * d[:, 0], x)
            y = np.where(crossing, self.from_xy[:, 1] + t * d[:, 1], y)
            z = np.where(crossing, self.from_z_m + t * (self.to_z_m - self.from_z_m), z)
            yaw = np.where(crossing, np.degrees(np.arctan2(d[:, 1], d[:, 0])), yaw)
            vx = np.where(crossing, self.speed_mps * d[:, 0] / dist, vx)
            vy = np.where(crossing, self.speed_mps * d[:, 1] / dist, vy)
        self.z_m = z
        self.x_m, self.y_m, self.yaw_deg, self.vx_mps, self.vy_mps = (
            x,
            y,
            wrap_deg(yaw),
            vx,
            vy,
        )
