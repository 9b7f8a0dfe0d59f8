"""The ego's path ahead as an arc-length polyline in the ego frame, built from the observation's route points.

Ego frame: x forward, y left, headings counter-clockwise [rad] (see docs/observation.md).
Arc length s [m] is measured from the ego's projection on the route (s = 0 at the ego).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EgoPath:
    """Route polyline ahead of the ego: points (M, 2) [m], arc lengths s (M,) [m], headings (M,) [rad]."""

    xy: np.ndarray
    s_m: np.ndarray
    heading_rad: np.ndarray
    in_junction: np.ndarray

    @staticmethod
    def from_route(points: list[dict]) -> EgoPath:
        """The path from the ego (s = 0 at the origin) through the observation's route points."""
        if not points:
            xy = np.array([[0.0, 0.0], [1.0, 0.0]])
            s = np.array([0.0, 1.0])
            junction = np.zeros(2, bool)
        else:
            pts = np.array([(p["x_m"], p["y_m"], p["distance_m"]) for p in points], dtype=float)
            xy = np.vstack([[0.0, 0.0], pts[:, :2]])
            s = np.concatenate([[0.0], pts[:, 2]])
            junction = np.array([points[0]["in_junction"]] + [p["in_junction"] for p in points], bool)
            if s.shape[0] == 2 or np.any(np.diff(s) <= 0):
                # the route's end is at the ego, or distances are not increasing: measure along the points
                seg = np.hypot(*np.diff(xy, axis=0).T)
                s = np.concatenate([[0.0], np.cumsum(np.maximum(seg, 1e-6))])
        d = np.diff(xy, axis=0)
        seg_heading = np.arctan2(d[:, 1], d[:, 0])
        heading = np.concatenate([seg_heading, seg_heading[-1:]])
        return EgoPath(xy, s, heading, junction)

    @property
    def length_m(self) -> float:
        return float(self.s_m[-1])

    def pose_at(self, s_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, y, heading) at arc lengths `s_m` (clipped to the path; extrapolated straight beyond its end)."""
        s = np.asarray(s_m, dtype=float)
        i = np.clip(np.searchsorted(self.s_m, s, side="right") - 1, 0, len(self.s_m) - 2)
        s0 = self.s_m[i]
        seg_len = self.s_m[i + 1] - s0
        t = (s - s0) / seg_len
        beyond = s > self.s_m[-1]
        t = np.where(beyond, t, np.clip(t, 0.0, 1.0))
        p0, p1 = self.xy[i], self.xy[i + 1]
        x = p0[..., 0] + t * (p1[..., 0] - p0[..., 0])
        y = p0[..., 1] + t * (p1[..., 1] - p0[..., 1])
        return x, y, self.heading_rad[i]

    def project(self, x_m: np.ndarray, y_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(arc length s, signed lateral offset, left positive) of points on the nearest path segment [m]."""
        p = np.stack([np.asarray(x_m, float), np.asarray(y_m, float)], axis=-1)[:, None, :]
        a = self.xy[None, :-1]
        d = np.diff(self.xy, axis=0)[None]
        seg_len2 = np.maximum((d**2).sum(-1), 1e-9)
        t = np.clip(((p - a) * d).sum(-1) / seg_len2, 0.0, 1.0)
        foot = a + t[..., None] * d
        dist2 = ((p - foot) ** 2).sum(-1)
        j = np.argmin(dist2, axis=1)
        rows = np.arange(p.shape[0])
        seg = d[0, j]
        rel = p[:, 0] - foot[rows, j]
        cross = seg[:, 0] * rel[:, 1] - seg[:, 1] * rel[:, 0]
        lateral = np.sign(cross) * np.sqrt(dist2[rows, j])
        s = self.s_m[j] + t[rows, j] * np.sqrt(seg_len2[0, j])
        return s, lateral

    def curvature_speed_mps(self, max_lateral_accel_mps2: float, window_m: float = 4.0) -> np.ndarray:
        """Per path point, the highest speed [m/s] that keeps lateral acceleration within bounds in its curve."""
        s = self.s_m
        h = np.unwrap(self.heading_rad)
        ahead = np.interp(s + window_m / 2, s, h)
        behind = np.interp(s - window_m / 2, s, h)
        kappa = np.abs(ahead - behind) / window_m
        return np.sqrt(max_lateral_accel_mps2 / np.maximum(kappa, 1e-6))
