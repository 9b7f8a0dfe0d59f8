"""SidewalkNetwork: the map's sidewalk lanes (LaneType.Sidewalk) as polylines for walkers.

Traced once with `Waypoint.next/previous` on sidewalk lanes, starting beside every ordinary
driving lane. Sidewalks that close on themselves (around a block, through the junction
corners) become closed loops, where arc length wraps. World frame, metres.
"""

from __future__ import annotations

import carla
import numpy as np

from leaderboard_adapter.embedded.network import DrivingNetwork

_MAX_POINTS = 20000
_SIDE_HOPS = 4


class SidewalkNetwork:
    """Sidewalk polylines in flat arrays: `x_m`, `y_m`, `z_m`, `s_m`, `line` per point; per line `length_m`, `closed`."""

    def __init__(self, town_map: carla.Map, network: DrivingNetwork, resolution_m: float = 2.0):
        if resolution_m <= 0:
            raise ValueError(f"resolution_m must be positive, got {resolution_m}")
        self.resolution_m = resolution_m
        lines: list[tuple[np.ndarray, bool]] = []
        visited: set[tuple[int, int, int]] = set()
        for seed in self._seeds(town_map, network):
            if _key(seed) in visited:
                continue
            pts, keys, closed = self._trace(seed)
            visited.update(keys)
            if len(pts) >= 2:
                lines.append((pts, closed))
        xs, ys, zs, ss, owner, first, count, length, closed_flags, offset = ([] for _ in range(10))
        total = 0.0
        for li, (pts, closed) in enumerate(lines):
            if closed:
                pts = np.vstack([pts, pts[:1]])
            seg = np.hypot(np.diff(pts[:, 0]), np.diff(pts[:, 1]))
            s = np.concatenate([[0.0], np.cumsum(seg)])
            first.append(len(xs))
            count.append(len(pts))
            length.append(float(s[-1]))
            closed_flags.append(closed)
            offset.append(total)
            total += float(s[-1]) + 10.0
            xs.extend(pts[:, 0])
            ys.extend(pts[:, 1])
            zs.extend(pts[:, 2])
            ss.extend(s)
            owner.extend([li] * len(pts))
        self.x_m = np.asarray(xs)
        self.y_m = np.asarray(ys)
        self.z_m = np.asarray(zs)
        self.s_m = np.asarray(ss)
        self.line = np.asarray(owner, dtype=np.int64)
        self.first = np.asarray(first, dtype=np.int64)
        self.count = np.asarray(count, dtype=np.int64)
        self.length_m = np.asarray(length)
        self.closed = np.asarray(closed_flags, dtype=bool)
        self._offset = np.asarray(offset)
        self._global_s = self._offset[self.line] + self.s_m if len(owner) else np.zeros(0)
        nxt = np.minimum(np.arange(len(self.x_m)) + 1, max(len(self.x_m) - 1, 0))
        self._dx = self.x_m[nxt] - self.x_m
        self._dy = self.y_m[nxt] - self.y_m
        self._dz = self.z_m[nxt] - self.z_m
        self._yaw = np.degrees(np.arctan2(self._dy, self._dx))
        ds = self.s_m[nxt] - self.s_m
        self._inv_ds = np.where(ds > 1e-9, 1.0 / np.maximum(ds, 1e-9), 0.0)
        self._last = self.first + self.count - 2

    def __len__(self) -> int:
        return int(self.length_m.shape[0])

    @staticmethod
    def _seeds(town_map: carla.Map, network: DrivingNetwork) -> list[carla.Waypoint]:
        seeds = []
        g = network.graph
        for i in np.flatnonzero(network.is_canonical & ~network.is_junction):
            seg = g.segments[int(i)]
            mid = (seg.first + seg.stop) // 2
            wp = town_map.get_waypoint(carla.Location(x=float(g.x_m[mid]), y=float(g.y_m[mid])))
            if wp is None:
                continue
            for step in (carla.Waypoint.get_right_lane, carla.Waypoint.get_left_lane):
                w = wp
                for _ in range(_SIDE_HOPS):
                    w = step(w)
                    if w is None:
                        break
                    if w.lane_type == carla.LaneType.Sidewalk:
                        seeds.append(w)
                        break
        return seeds

    def _trace(self, seed: carla.Waypoint) -> tuple[np.ndarray, set, bool]:
        res = self.resolution_m
        start = _xyz(seed)
        keys = {_key(seed)}
        forward, closed = self._walk(seed, res, carla.Waypoint.next, start, keys)
        if closed:
            return np.array([start, *forward]), keys, True
        backward, _ = self._walk(seed, res, carla.Waypoint.previous, start, keys)
        return np.array([*backward[::-1], start, *forward]), keys, False

    @staticmethod
    def _walk(seed, res, step, start, keys) -> tuple[list, bool]:
        out: list = []
        w = seed
        for _ in range(_MAX_POINTS):
            nxt = [n for n in step(w, res) if n.lane_type == carla.LaneType.Sidewalk]
            if not nxt:
                return out, False
            w = nxt[0]
            p = _xyz(w)
            if len(out) > 5 and np.hypot(p[0] - start[0], p[1] - start[1]) < 0.6 * res:
                return out, True
            keys.add(_key(w))
            out.append(p)
        return out, False

    def pose_at(self, line: np.ndarray, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised (x, y, yaw_deg along the line's direction) at arc length `s_m` (wrapped on closed lines)."""
        x, y, _, yaw = self.pose_z_at(line, s_m)
        return x, y, yaw

    def pose_z_at(
        self, line: np.ndarray, s_m: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised (x, y, z [m], yaw_deg along the line's direction) at arc length `s_m` (wrapped on closed
        lines); z is the sidewalk's height, so walkers follow slopes and bridges."""
        length = self.length_m[line]
        s = np.where(self.closed[line], np.mod(s_m, length), np.clip(s_m, 0.0, length))
        k = np.searchsorted(self._global_s, self._offset[line] + s, side="right") - 1
        k = np.minimum(np.maximum(k, self.first[line]), self._last[line])
        t = np.minimum(np.maximum((s - self.s_m[k]) * self._inv_ds[k], 0.0), 1.0)
        return (
            self.x_m[k] + t * self._dx[k],
            self.y_m[k] + t * self._dy[k],
            self.z_m[k] + t * self._dz[k],
            self._yaw[k],
        )

    def nearest(self, x_m: float, y_m: float) -> tuple[int, float, float]:
        """(line, arc length [m], distance [m]) of the sidewalk point nearest (x, y)."""
        d2 = (self.x_m - x_m) ** 2 + (self.y_m - y_m) ** 2
        k = int(np.argmin(d2))
        return int(self.line[k]), float(self.s_m[k]), float(np.sqrt(d2[k]))

    def across(
        self,
        x_m: float,
        y_m: float,
        yaw_deg: float,
        side: int = 0,
        exclude_line: int = -1,
        min_m: float = 3.0,
        max_m: float = 20.0,
    ) -> tuple[int, float, float, float] | None:
        """The nearest sidewalk point straight across (perpendicular to `yaw_deg`) from (x, y).

        `side` +1 looks to the right of `yaw_deg` (CARLA frame), -1 to the left, 0 both.
        Returns (line, s_m, x_m, y_m) or None.
        """
        yaw = np.radians(yaw_deg)
        dx = self.x_m - x_m
        dy = self.y_m - y_m
        along = dx * np.cos(yaw) + dy * np.sin(yaw)
        right = dy * np.cos(yaw) - dx * np.sin(yaw)
        lateral = right * side if side else np.abs(right)
        ok = (np.abs(along) < 0.75 * self.resolution_m + 0.5) & (lateral > min_m) & (lateral < max_m)
        ok &= self.line != exclude_line
        if not ok.any():
            return None
        k = int(np.flatnonzero(ok)[np.argmin(lateral[ok])])
        return int(self.line[k]), float(self.s_m[k]), float(self.x_m[k]), float(self.y_m[k])


def _xyz(w: carla.Waypoint) -> tuple[float, float, float]:
    loc = w.transform.location
    return (loc.x, loc.y, loc.z)


def _key(w: carla.Waypoint) -> tuple[int, int, int]:
    return (w.road_id, w.section_id, w.lane_id)
