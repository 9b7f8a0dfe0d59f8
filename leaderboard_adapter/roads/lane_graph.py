"""LaneGraph: the driving lanes of a `carla.Map` as dense polylines with successors and neighbours.

Built once per town from `carla.Map.get_topology()`. Each topology pair (lane entry
waypoint, lane exit waypoint) becomes one segment, sampled every `resolution_m` metres
along the lane centre. All segments' points are concatenated into flat numpy arrays so
that actors can be moved along lanes by arc length, vectorised. Frame: CARLA world
(left-handed, x east, y south, yaw in degrees clockwise from above); metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import carla
import numpy as np

from leaderboard_adapter.geometry import wrap_deg

_JOIN_TOLERANCE_M = 0.5
U_TURN_DEG = 150.0
"""Heading change beyond which a junction lane counts as a U-turn [deg]."""


@dataclass(frozen=True)
class Segment:
    """One lane stretch between two topology waypoints.

    `first`/`stop` index into the graph's flat point arrays (points first..stop-1).
    `lane_key` is (road_id, section_id, lane_id) of the entry waypoint.
    """

    index: int
    first: int
    stop: int
    length_m: float
    lane_key: tuple[int, int, int]
    is_junction: bool
    junction_id: int
    lane_width_m: float
    speed_limit_mps: float
    successors: tuple[int, ...]
    predecessors: tuple[int, ...]
    left: int | None
    right: int | None


class LaneGraph:
    """Driving-lane segments of one map with flat point arrays.

    Arrays (one entry per point): `x_m`, `y_m`, `z_m`, `yaw_deg`, `s_m` (arc length from
    the segment start) and `segment` (owning segment index).
    """

    def __init__(self, town_map: carla.Map, resolution_m: float = 1.0, speed_limits_mps: dict[int, float] | None = None):
        if resolution_m <= 0:
            raise ValueError(f"resolution_m must be positive, got {resolution_m}")
        self.map = town_map
        self.resolution_m = resolution_m
        limits = speed_limits_mps or {}
        topology = town_map.get_topology()
        if not topology:
            raise ValueError(f"map {town_map.name!r} has no driving lanes (empty topology)")
        xs: list[float] = []
        ys: list[float] = []
        zs: list[float] = []
        yaws: list[float] = []
        ss: list[float] = []
        owner: list[int] = []
        raw: list[dict] = []
        for index, (entry, exit_) in enumerate(topology):
            points = self._trace(entry, exit_, resolution_m)
            first = len(xs)
            s = 0.0
            prev = None
            for wp in points:
                loc = wp.transform.location
                if prev is not None:
                    s += float(np.hypot(loc.x - prev.x, loc.y - prev.y))
                xs.append(loc.x)
                ys.append(loc.y)
                zs.append(loc.z)
                yaws.append(wp.transform.rotation.yaw)
                ss.append(s)
                owner.append(index)
                prev = loc
            raw.append(
                {
                    "first": first,
                    "stop": len(xs),
                    "length": s,
                    "entry": entry,
                    "exit": exit_,
                    "key": (entry.road_id, entry.section_id, entry.lane_id),
                }
            )
        self.x_m = np.asarray(xs)
        self.y_m = np.asarray(ys)
        self.z_m = np.asarray(zs)
        self.yaw_deg = np.asarray(yaws)
        self.s_m = np.asarray(ss)
        self.segment = np.asarray(owner, dtype=np.int64)
        self.segments = self._link(raw, limits)

    @staticmethod
    def _trace(entry: carla.Waypoint, exit_: carla.Waypoint, resolution_m: float) -> list[carla.Waypoint]:
        """Waypoints from entry to exit every `resolution_m` along the lane (both ends included).

        Entry and exit within one step of each other are the whole segment: walking on from the entry
        would overshoot the exit and could run along the road's next section before jumping back.
        """
        points = [entry]
        end = exit_.transform.location
        if entry.transform.location.distance(end) <= resolution_m:
            return [entry, exit_]
        wp = entry
        guard = 100000
        while guard > 0:
            guard -= 1
            nxt = wp.next(resolution_m)
            if not nxt:
                break
            same = [n for n in nxt if n.road_id == entry.road_id and n.lane_id == entry.lane_id] or nxt
            candidate = min(same, key=lambda n: n.transform.location.distance(end))
            if candidate.transform.location.distance(end) <= resolution_m or candidate.road_id != entry.road_id:
                break
            points.append(candidate)
            wp = candidate
        points.append(exit_)
        return points

    def _link(self, raw: list[dict], limits: dict[int, float]) -> list[Segment]:
        entries = np.array([[r["entry"].transform.location.x, r["entry"].transform.location.y] for r in raw])
        succ: list[list[int]] = [[] for _ in raw]
        pred: list[list[int]] = [[] for _ in raw]
        for i, r in enumerate(raw):
            loc = r["exit"].transform.location
            near = np.flatnonzero(np.hypot(entries[:, 0] - loc.x, entries[:, 1] - loc.y) <= _JOIN_TOLERANCE_M)
            for j in near:
                if j != i:
                    succ[i].append(int(j))
                    pred[int(j)].append(i)
        key_to_index = {r["key"]: i for i, r in enumerate(raw)}
        segments = []
        for i, r in enumerate(raw):
            entry: carla.Waypoint = r["entry"]
            segments.append(
                Segment(
                    index=i,
                    first=r["first"],
                    stop=r["stop"],
                    length_m=r["length"],
                    lane_key=r["key"],
                    is_junction=entry.is_junction,
                    junction_id=entry.get_junction().id if entry.is_junction else -1,
                    lane_width_m=entry.lane_width,
                    speed_limit_mps=limits.get(entry.road_id, 30.0 / 3.6),
                    successors=tuple(sorted(succ[i])),
                    predecessors=tuple(sorted(pred[i])),
                    left=self._neighbour(entry.get_left_lane(), entry, key_to_index),
                    right=self._neighbour(entry.get_right_lane(), entry, key_to_index),
                )
            )
        return segments

    @staticmethod
    def _neighbour(other: carla.Waypoint | None, entry: carla.Waypoint, key_to_index: dict) -> int | None:
        """The segment of a same-direction driving lane beside `entry`, if any."""
        if other is None or other.lane_type != carla.LaneType.Driving or entry.is_junction:
            return None
        if other.lane_id * entry.lane_id <= 0:
            return None
        return key_to_index.get((other.road_id, other.section_id, other.lane_id))

    def __len__(self) -> int:
        return len(self.segments)

    def points(self, index: int) -> np.ndarray:
        """(K, 3) array of x, y, yaw_deg along segment `index`."""
        seg = self.segments[index]
        sl = slice(seg.first, seg.stop)
        return np.stack([self.x_m[sl], self.y_m[sl], self.yaw_deg[sl]], axis=1)

    def pose_at(self, segment: np.ndarray, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised pose (x, y, yaw_deg) at arc length `s_m` [m] along segments (linear interpolation).

        One searchsorted on a global arc-length axis, then arithmetic on precomputed per-point deltas.
        """
        seg = np.asarray(segment, dtype=np.int64)
        s = np.asarray(s_m, dtype=float)
        k = np.searchsorted(self._global_s, self._seg_offset[seg] + s, side="right") - 1
        k = np.minimum(np.maximum(k, self._first[seg]), self._last_start[seg])
        t = np.minimum(np.maximum((s - self.s_m[k]) * self._inv_ds[k], 0.0), 1.0)
        return self.x_m[k] + t * self._dx[k], self.y_m[k] + t * self._dy[k], self.yaw_deg[k] + t * self._dyaw[k]

    @cached_property
    def _first(self) -> np.ndarray:
        return np.array([s.first for s in self.segments], dtype=np.int64)

    @cached_property
    def _last_start(self) -> np.ndarray:
        """Per segment, the last point that starts an interpolation interval."""
        return np.maximum(np.array([s.stop - 2 for s in self.segments], dtype=np.int64), self._first)

    @cached_property
    def _seg_offset(self) -> np.ndarray:
        """Start of each segment on a global arc-length axis, with a gap between segments [m]."""
        return np.concatenate([[0.0], np.cumsum(self.lengths_m() + 10.0)[:-1]])

    @cached_property
    def _global_s(self) -> np.ndarray:
        return self._seg_offset[self.segment] + self.s_m

    @cached_property
    def _next_same(self) -> tuple[np.ndarray, np.ndarray]:
        nxt = np.minimum(np.arange(len(self.x_m)) + 1, len(self.x_m) - 1)
        return nxt, self.segment[nxt] == self.segment

    @cached_property
    def _dx(self) -> np.ndarray:
        nxt, same = self._next_same
        return np.where(same, self.x_m[nxt] - self.x_m, 0.0)

    @cached_property
    def _dy(self) -> np.ndarray:
        nxt, same = self._next_same
        return np.where(same, self.y_m[nxt] - self.y_m, 0.0)

    @cached_property
    def _dyaw(self) -> np.ndarray:
        nxt, same = self._next_same
        return np.where(same, wrap_deg(self.yaw_deg[nxt] - self.yaw_deg), 0.0)

    @cached_property
    def _inv_ds(self) -> np.ndarray:
        nxt, same = self._next_same
        ds = np.where(same, self.s_m[nxt] - self.s_m, 0.0)
        return np.where(ds > 1e-9, 1.0 / np.maximum(ds, 1e-9), 0.0)

    def heading_change_deg(self, index: int) -> float:
        """Signed yaw change from a segment's first to its last point [deg], in [-180, 180)."""
        seg = self.segments[index]
        return float(wrap_deg(self.yaw_deg[seg.stop - 1] - self.yaw_deg[seg.first]))

    def is_u_turn(self, index: int) -> bool:
        """Whether a junction segment turns the driver around (heading change beyond 150 deg)."""
        return self.segments[index].is_junction and abs(self.heading_change_deg(index)) > U_TURN_DEG

    def lengths_m(self) -> np.ndarray:
        """Segment lengths [m], indexed by segment."""
        return np.array([s.length_m for s in self.segments])

    def nearest_segment(self, x_m: float, y_m: float, yaw_deg: float | None = None) -> tuple[int, float]:
        """The segment and arc length [m] closest to a point, preferring lanes whose heading matches `yaw_deg`."""
        d2 = (self.x_m - x_m) ** 2 + (self.y_m - y_m) ** 2
        if yaw_deg is not None:
            dyaw = np.abs(wrap_deg(self.yaw_deg - yaw_deg))
            d2 = d2 + np.where(dyaw > 90.0, 1e4, 0.0)
        k = int(np.argmin(d2))
        return int(self.segment[k]), float(self.s_m[k])
