"""DrivingNetwork: the LaneGraph's segments de-duplicated into numpy tables for NPC traffic.

`carla.Map.get_topology()` lists a lane once per outgoing connection, so the LaneGraph can
hold several identical segments for one lane. Here every segment maps to a canonical one
(the lowest index with the same lane and end points), successors are canonical, and
per-segment lengths, speed limits and curvature speed caps are flat arrays indexed by segment.
Heights: `z_at` interpolates the lane centre's z [m] (CARLA world frame, z up) along a segment,
so actors moved along lanes follow slopes, ramps and bridges.
"""

from __future__ import annotations

import numpy as np

from leaderboard_adapter.geometry import wrap_deg
from leaderboard_adapter.roads.lane_graph import LaneGraph

_CHUNK = 64
_SEARCH_PAD_M = 30.0


class DrivingNetwork:
    """Flat per-segment tables over a LaneGraph (segment indices are the LaneGraph's)."""

    def __init__(
        self,
        lane_graph: LaneGraph,
        speed_limits_mps: dict[int, float] | None = None,
        max_lateral_accel_mps2: float = 2.5,
    ):
        if max_lateral_accel_mps2 <= 0:
            raise ValueError(f"max_lateral_accel_mps2 must be positive, got {max_lateral_accel_mps2}")
        self.graph = lane_graph
        segs = lane_graph.segments
        n = len(segs)
        self.count = n
        first_idx: dict[tuple, int] = {}
        canonical = np.arange(n, dtype=np.int64)
        for seg in segs:
            a, b = seg.first, seg.stop - 1
            key = (
                seg.lane_key,
                round(float(lane_graph.x_m[a]), 1),
                round(float(lane_graph.y_m[a]), 1),
                round(float(lane_graph.x_m[b]), 1),
                round(float(lane_graph.y_m[b]), 1),
            )
            canonical[seg.index] = first_idx.setdefault(key, seg.index)
        self.canonical = canonical
        self.is_canonical = canonical == np.arange(n)
        succ = [sorted({int(canonical[j]) for j in seg.successors}) for seg in segs]
        width = max(1, max(len(s) for s in succ))
        self.successors = np.full((n, width), -1, dtype=np.int64)
        self.successor_count = np.array([len(s) for s in succ], dtype=np.int64)
        for i, s in enumerate(succ):
            self.successors[i, : len(s)] = s
        self.predecessors = [sorted({int(canonical[j]) for j in seg.predecessors}) for seg in segs]
        self.length_m = np.array([max(seg.length_m, 1e-3) for seg in segs])
        self.is_junction = np.array([seg.is_junction for seg in segs], dtype=bool)
        self.junction_id = np.array([seg.junction_id for seg in segs], dtype=np.int64)
        self.road_id = np.array([seg.lane_key[0] for seg in segs], dtype=np.int64)
        self.lane_id = np.array([seg.lane_key[2] for seg in segs], dtype=np.int64)
        self.lane_width_m = np.array([seg.lane_width_m for seg in segs])
        limits = speed_limits_mps or {}
        self.speed_limit_mps = np.array([limits.get(seg.lane_key[0], seg.speed_limit_mps) for seg in segs])
        self.curve_cap_mps = np.array([self._curve_cap(i, max_lateral_accel_mps2) for i in range(n)])
        first = np.array([seg.first for seg in segs])
        last = np.array([seg.stop - 1 for seg in segs])
        self.entry_xy = np.stack([lane_graph.x_m[first], lane_graph.y_m[first]], axis=1)
        self.entry_yaw_deg = lane_graph.yaw_deg[first]
        self.exit_xy = np.stack([lane_graph.x_m[last], lane_graph.y_m[last]], axis=1)
        # heights: a global arc-length axis over the graph's points (as LaneGraph.pose_at's) and per-point slopes
        self._first = first
        self._last_start = np.maximum(last - 1, first)
        self._seg_offset = np.concatenate([[0.0], np.cumsum(self.length_m + 10.0)[:-1]])
        self._global_s = self._seg_offset[lane_graph.segment] + lane_graph.s_m
        nxt = np.minimum(np.arange(len(lane_graph.z_m)) + 1, len(lane_graph.z_m) - 1)
        same = lane_graph.segment[nxt] == lane_graph.segment
        ds = np.where(same, lane_graph.s_m[nxt] - lane_graph.s_m, 0.0)
        self._dz_ds = np.where(ds > 1e-9, (lane_graph.z_m[nxt] - lane_graph.z_m) / np.maximum(ds, 1e-9), 0.0)

    def pose_at(self, segment: np.ndarray, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised (x, y, yaw_deg) at arc length `s_m` along segments (the lane graph's interpolation)."""
        return self.graph.pose_at(segment, s_m)

    def z_at(self, segment: np.ndarray, s_m: np.ndarray) -> np.ndarray:
        """Vectorised lane-centre height [m] at arc length `s_m` [m] along segments (linear between points)."""
        seg = np.asarray(segment, dtype=np.int64)
        s = np.asarray(s_m, dtype=float)
        g = self.graph
        k = np.searchsorted(self._global_s, self._seg_offset[seg] + s, side="right") - 1
        k = np.minimum(np.maximum(k, self._first[seg]), self._last_start[seg])
        return g.z_m[k] + np.clip(s - g.s_m[k], 0.0, None) * self._dz_ds[k]

    def _curve_cap(self, index: int, max_lateral_accel_mps2: float) -> float:
        """Speed [m/s] at which the sharpest bend of a segment gives the allowed lateral acceleration."""
        pts = self.graph.points(index)
        if len(pts) < 3:
            return np.inf
        yaw = np.unwrap(np.radians(pts[:, 2]))
        step = np.hypot(np.diff(pts[:, 0]), np.diff(pts[:, 1]))
        # curvature over a 3-point window to smooth the sampled headings
        window = 3
        if len(yaw) <= window:
            kappa = abs(yaw[-1] - yaw[0]) / max(step.sum(), 1e-3)
        else:
            dyaw = np.abs(yaw[window:] - yaw[:-window])
            ds = np.convolve(step, np.ones(window), mode="valid")
            kappa = float(np.max(dyaw / np.maximum(ds, 1e-3)))
        if kappa < 1e-3:
            return np.inf
        return float(np.sqrt(max_lateral_accel_mps2 / kappa))

    def locate_many(
        self, x_m: np.ndarray, y_m: np.ndarray, yaw_deg: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Canonical segment and arc length [m] nearest each point, preferring lanes heading like `yaw_deg`."""
        g = self.graph
        x_m, y_m, yaw_deg = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (x_m, y_m, yaw_deg))
        segs = np.empty(len(x_m), dtype=np.int64)
        ss = np.empty(len(x_m))
        for lo in range(0, len(x_m), _CHUNK):
            hi = min(lo + _CHUNK, len(x_m))
            cx, cy, cyaw = x_m[lo:hi], y_m[lo:hi], yaw_deg[lo:hi]
            # consecutive query points (a route) are close together: search only lane points near their box
            pad = _SEARCH_PAD_M
            box = (
                (g.x_m > cx.min() - pad)
                & (g.x_m < cx.max() + pad)
                & (g.y_m > cy.min() - pad)
                & (g.y_m < cy.max() + pad)
            )
            pts = np.flatnonzero(box)
            if pts.size == 0:
                pts = np.arange(len(g.x_m))
            d2 = (g.x_m[pts][None, :] - cx[:, None]) ** 2 + (g.y_m[pts][None, :] - cy[:, None]) ** 2
            dyaw = np.abs(wrap_deg(g.yaw_deg[pts][None, :] - cyaw[:, None]))
            d2 += np.where(dyaw > 90.0, 1e4, 0.0)
            k = pts[np.argmin(d2, axis=1)]
            segs[lo:hi] = self.canonical[g.segment[k]]
            ss[lo:hi] = g.s_m[k]
        return segs, ss
