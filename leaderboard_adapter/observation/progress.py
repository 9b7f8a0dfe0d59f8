"""RouteProgress: the ego's monotonic progress along its dense route (route point index and arc length).

Like the leaderboard's route completion, the index only moves forward: each update looks
for the route point nearest the ego among the points from the current index to WINDOW_AHEAD_M
further along the route. The first update searches the whole route (so a builder created
mid-route starts in the right place; where the route passes near the ego more than once,
the earliest pass wins), and when the best point in the window is more than
REACQUIRE_M away (updates were skipped, or the ego left the route) the rest of the route
ahead is searched as well. The arc length is the ego's projection on the route segments on
either side of the nearest point, clamped to [0, route length]. World frame, metres.
"""

from __future__ import annotations

import math

import numpy as np

WINDOW_AHEAD_M = 20.0
"""Arc length ahead of the current index searched on each update [m] (30 m/s moves 1.5 m per 0.05 s tick)."""
REACQUIRE_M = 4.0
"""When the nearest point in the window is farther than this, the whole route ahead is searched [m]."""
FIRST_PASS_SLACK_M = 1.0
"""On the first update, route passes this much farther from the ego than the nearest one still count [m]."""


class RouteProgress:
    """Tracks `index` (route point nearest the ego, never decreasing) and `s_m` (the ego's arc length [m])."""

    def __init__(
        self,
        x_m: np.ndarray,
        y_m: np.ndarray,
        cum_s_m: np.ndarray,
        window_ahead_m: float = WINDOW_AHEAD_M,
        reacquire_m: float = REACQUIRE_M,
    ):
        if len(cum_s_m) == 0:
            raise ValueError("the route is empty")
        if window_ahead_m <= 0 or reacquire_m <= 0:
            raise ValueError("window_ahead_m and reacquire_m must be positive")
        self._x = np.asarray(x_m, dtype=float)
        self._y = np.asarray(y_m, dtype=float)
        self._s = np.asarray(cum_s_m, dtype=float)
        self._z = self._x + 1j * self._y
        # end (exclusive) of the window searched from each index
        ends = np.searchsorted(self._s, self._s + float(window_ahead_m), side="right")
        self._window_end = np.minimum(np.maximum(ends, np.arange(len(self._s)) + 2), len(self._s)).tolist()
        self._reacquire_m = float(reacquire_m)
        self._xl, self._yl, self._sl = self._x.tolist(), self._y.tolist(), self._s.tolist()
        self.index = 0
        self.s_m = 0.0
        self._started = False

    def update(self, x_m: float, y_m: float) -> int:
        """Move to the ego at world (x, y) [m]; returns the new index."""
        z = complex(x_m, y_m)
        n = len(self._sl)
        lo = self.index if self._started else self._first_pass_start(z)
        hi = self._window_end[lo]
        d = np.abs(self._z[lo:hi] - z)
        k = int(np.argmin(d))
        best = float(d[k])
        k += lo
        if best > self._reacquire_m and hi < n:
            d_rest = np.abs(self._z[hi:] - z)
            j = int(np.argmin(d_rest))
            if d_rest[j] < best:
                k = hi + j
        self._started = True
        self.index = k
        self.s_m = self._project(k, x_m, y_m)
        return k

    def _first_pass_start(self, z: complex) -> int:
        """The first route point within FIRST_PASS_SLACK_M of the nearest distance to the ego: where the
        earliest pass of the route near the ego begins (a route passing the same place twice starts at the first)."""
        d = np.abs(self._z - z)
        return int(np.argmax(d <= float(d.min()) + FIRST_PASS_SLACK_M))

    def _project(self, k: int, x_m: float, y_m: float) -> float:
        """Arc length of the ego's projection on the segments (k-1, k) and (k, k+1), the nearer one [m]."""
        xs, ys, ss = self._xl, self._yl, self._sl
        best_d2, best_s = math.inf, ss[k]
        for a in (k - 1, k):
            b = a + 1
            if a < 0 or b >= len(ss):
                continue
            ax, ay = xs[a], ys[a]
            ux, uy = xs[b] - ax, ys[b] - ay
            seg2 = ux * ux + uy * uy
            t = 0.0 if seg2 <= 1e-12 else min(max(((x_m - ax) * ux + (y_m - ay) * uy) / seg2, 0.0), 1.0)
            px, py = ax + t * ux - x_m, ay + t * uy - y_m
            d2 = px * px + py * py
            if d2 < best_d2:
                best_d2 = d2
                best_s = ss[a] + t * (ss[b] - ss[a])
        return best_s
