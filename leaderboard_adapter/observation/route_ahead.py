"""The observation's `route` section: the next ROUTE_POINTS points every 2 m in the ego frame, junctions, route end.

Points are sampled on the dense route at arc lengths s + 2, s + 4, ..., s + 50 [m] from the
ego's projection s (linear interpolation between route points); those beyond the route's end
are dropped and the end itself is added as the last point. Each sample takes the RoadOption
and junction flag of the route point nearest it in arc length. Junction distances are from
the front bumper, taken as half the ego's length ahead of its projection along the route.

Route positions are kept as complex numbers x - i*y (CARLA's y mirrored): one interpolation
and one product (`EgoFrame.mirrored_points`) give the points in the ego frame.
"""

from __future__ import annotations

import math

import numpy as np

from .frames import EgoFrame
from .rounding import round1, round_array
from .route_context import RouteContext
from .schema import JUNCTION_HORIZON_M, ROUTE_POINT_SPACING_M, ROUTE_POINTS

_OFFSETS_M = ROUTE_POINT_SPACING_M * np.arange(1, ROUTE_POINTS + 1, dtype=float)
_END_EPS_M = 1e-6


class RouteAhead:
    """Builds the `route` dict of one route; holds the route in the forms that make that cheap."""

    def __init__(self, ctx: RouteContext):
        self.ctx = ctx
        cum_s = ctx.cum_s_m
        self._cum_s = cum_s
        self._cum_s_list = cum_s.tolist()
        self._length_m = ctx.length_m
        self._z_mirrored = ctx.x_m - 1j * ctx.y_m
        self._index_f = np.arange(len(ctx), dtype=float)
        # from route point i the samples reach at most cum_s[i + 1] + the last offset
        reach = np.append(cum_s[1:], cum_s[-1]) + _OFFSETS_M[-1]
        self._window_end = np.minimum(np.searchsorted(cum_s, reach, side="left") + 2, len(ctx)).tolist()
        self._in_junction = ctx.in_junction.tolist()
        self._next_junction = ctx.next_junction_index.tolist()

    def section(
        self, index: int, s_m: float, front_m: float, frame: EgoFrame, speed_limit_mps: float
    ) -> dict:
        """The `route` dict for the ego nearest route point `index`, at arc length `s_m` [m] (cum_s[index-1] <= s_m).

        `front_m`: the front bumper's distance ahead of the ego's centre [m].
        """
        length = self._length_m
        remaining = length - _END_EPS_M - s_m
        count = min(ROUTE_POINTS, max(math.ceil(remaining / ROUTE_POINT_SPACING_M) - 1, 0))
        targets = s_m + _OFFSETS_M
        if count < ROUTE_POINTS:
            targets = targets[: count + 1]
            targets[count] = length
        lo = max(index - 1, 0)
        hi = self._window_end[index]
        s_win = self._cum_s[lo:hi]
        nearest = np.rint(np.interp(targets, s_win, self._index_f[lo:hi])).astype(np.int64).tolist()
        z = frame.mirrored_points(np.interp(targets, s_win, self._z_mirrored[lo:hi]))
        x, y = round_array(z.real).tolist(), round_array(z.imag).tolist()
        d = round_array(targets - s_m).tolist()
        options, flags = self.ctx.road_options, self._in_junction
        points = [
            {"x_m": px, "y_m": py, "distance_m": dd, "road_option": options[k], "in_junction": flags[k]}
            for px, py, dd, k in zip(x, y, d, nearest, strict=True)
        ]
        in_junction = flags[index]
        distance_to_junction = None
        if not in_junction:
            j = self._next_junction[index]
            if j >= 0:
                dist = max(self._cum_s_list[j] - (s_m + front_m), 0.0)
                if dist <= JUNCTION_HORIZON_M:
                    distance_to_junction = round1(dist)
        return {
            "points": points,
            "distance_to_end_m": round1(max(length - s_m, 0.0)),
            "speed_limit_mps": round1(speed_limit_mps),
            "in_junction": in_junction,
            "junction_ahead": distance_to_junction is not None,
            "distance_to_junction_m": distance_to_junction,
        }
