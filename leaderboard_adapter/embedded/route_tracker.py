"""RouteTracker: where the ego is along its dense route and on the driving network, updated cheaply each step."""

from __future__ import annotations

import numpy as np

from leaderboard_adapter.embedded.network import DrivingNetwork
from leaderboard_adapter.routes.route_point import RoutePoint

_BACK = 5
_AHEAD = 40


class RouteTracker:
    """Tracks the route point nearest the ego in a window around the last one.

    Attributes after `update`: `index` (route point), `progress_m` (arc length along the
    route), `segment`/`s_m` (canonical network segment and arc length; -2 when the ego is
    more than `max_offset_m` from its route and from any lane heading its way), `off_route`.
    """

    def __init__(self, route: list[RoutePoint], network: DrivingNetwork, max_offset_m: float = 4.0):
        if not route:
            raise ValueError("route is empty: the ego needs at least one route point")
        self.net = network
        self.max_offset_m = max_offset_m
        self.xy = np.array([(p.x_m, p.y_m) for p in route], dtype=float)
        self.yaw_deg = np.array([p.yaw_deg for p in route], dtype=float)
        step = np.hypot(*np.diff(self.xy, axis=0).T) if len(route) > 1 else np.zeros(0)
        self.cum_s = np.concatenate([[0.0], np.cumsum(step)])
        self.segment_of_point, self.s_of_point = network.locate_many(
            self.xy[:, 0], self.xy[:, 1], self.yaw_deg
        )
        self.in_junction = network.is_junction[self.segment_of_point]
        entry = self.in_junction & ~np.concatenate([[False], self.in_junction[:-1]])
        nxt = np.full(len(route), -1, dtype=np.int64)
        upcoming = -1
        for i in range(len(route) - 1, -1, -1):
            nxt[i] = upcoming
            if entry[i]:
                upcoming = i
        self._next_entry = nxt
        self.index = 0
        self.progress_m = 0.0
        self.segment = int(self.segment_of_point[0])
        self.s_m = float(self.s_of_point[0])
        self.off_route = False

    @property
    def length_m(self) -> float:
        return float(self.cum_s[-1])

    def update(self, x_m: float, y_m: float, yaw_deg: float) -> None:
        lo = max(0, self.index - _BACK)
        hi = min(len(self.xy), self.index + _AHEAD)
        d2 = (self.xy[lo:hi, 0] - x_m) ** 2 + (self.xy[lo:hi, 1] - y_m) ** 2
        k = lo + int(np.argmin(d2))
        if d2[k - lo] > self.max_offset_m**2:
            d2all = (self.xy[:, 0] - x_m) ** 2 + (self.xy[:, 1] - y_m) ** 2
            k = int(np.argmin(d2all))
            if d2all[k] > self.max_offset_m**2:
                self.off_route = True
                seg, s = self.net.locate_many(np.array([x_m]), np.array([y_m]), np.array([yaw_deg]))
                g = self.net.graph
                k_pt = g.segments[int(seg[0])].first + int(round(s[0] / g.resolution_m))
                near = (g.x_m[min(k_pt, len(g.x_m) - 1)] - x_m) ** 2 + (
                    g.y_m[min(k_pt, len(g.y_m) - 1)] - y_m
                ) ** 2
                self.segment = int(seg[0]) if near <= self.max_offset_m**2 else -2
                self.s_m = float(s[0])
                return
        self.off_route = False
        self.index = k
        yaw = np.radians(self.yaw_deg[k])
        along = (x_m - self.xy[k, 0]) * np.cos(yaw) + (y_m - self.xy[k, 1]) * np.sin(yaw)
        self.progress_m = float(self.cum_s[k] + along)
        self.segment = int(self.segment_of_point[k])
        self.s_m = float(min(max(self.s_of_point[k] + along, 0.0), self.net.length_m[self.segment]))

    def junction_claim(
        self, speed_mps: float, front_m: float, comfort_decel_mps2: float, margin_m: float, standing_reach_m: float
    ) -> int:
        """The junction lane the ego is about to enter, else -1: when it moves (at 0.5 m/s or more) within
        braking range of the lane plus `margin_m`, or stands with its front within `standing_reach_m` of it
        (waiting at the line: it is next to go)."""
        if self.off_route:
            return -1
        e = int(self._next_entry[self.index])
        if e < 0:
            return -1
        dist = self.cum_s[e] - self.progress_m - front_m
        if speed_mps >= 0.5:
            reach = speed_mps * speed_mps / (2.0 * comfort_decel_mps2) + margin_m
        else:
            reach = standing_reach_m
        return int(self.segment_of_point[e]) if dist < reach else -1
