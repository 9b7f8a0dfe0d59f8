"""RouteContext: what the observation needs about one route, computed once when the route starts.

Arc lengths, a junction flag per route point (the map's waypoint under the point), the next
junction point after each point, RoadOption names, and where the route crosses the stop line
of every traffic light and stop sign. Everything comes through the WorldView protocol, so the
same context is built on the embedded world and on a live CARLA. World frame (CARLA,
left-handed: x east, y south, yaw clockwise), metres, degrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import carla
import numpy as np

from leaderboard_adapter.routes.route_point import RoutePoint
from leaderboard_adapter.world_view import StopSignInfo, TrafficLightInfo, WorldView

from .stop_lines import SignalCrossing, signal_crossings


@dataclass(frozen=True, eq=False)
class RouteContext:
    """Per-route precomputation, arrays of shape (N,) over the dense route's N points.

    - `x_m`, `y_m`, `yaw_deg`: route point poses (world frame) [m], [deg];
    - `cum_s_m`: planar arc length from the first point [m];
    - `in_junction`: the map's driving waypoint under the point is in a junction;
    - `next_junction_index`: the first index >= i whose point is in a junction, -1 if none;
    - `road_options`: CARLA RoadOption names ("LANEFOLLOW", "LEFT", ...), one per point;
    - `light_crossings`, `stop_crossings`: every passage over a traffic light's / stop sign's
      stop line, sorted by arc length.
    """

    x_m: np.ndarray
    y_m: np.ndarray
    yaw_deg: np.ndarray
    cum_s_m: np.ndarray
    in_junction: np.ndarray
    next_junction_index: np.ndarray
    road_options: tuple[str, ...]
    light_crossings: tuple[SignalCrossing, ...]
    stop_crossings: tuple[SignalCrossing, ...]

    def __len__(self) -> int:
        return int(self.cum_s_m.shape[0])

    @property
    def length_m(self) -> float:
        """Arc length of the whole route [m]."""
        return float(self.cum_s_m[-1])

    @staticmethod
    def from_view(view: WorldView) -> RouteContext:
        """The context of `view.route()` on `view.map`, with the view's traffic lights and stop signs."""
        return RouteContext.build(view.route(), view.map, view.traffic_lights(), view.stop_signs())

    @staticmethod
    def build(
        route: Sequence[RoutePoint],
        town_map: carla.Map | None,
        lights: Sequence[TrafficLightInfo] = (),
        stops: Sequence[StopSignInfo] = (),
    ) -> RouteContext:
        """The context of a dense route; with `town_map` None no point counts as in a junction."""
        if not route:
            raise ValueError("the route is empty: an observation needs at least one route point")
        x = np.array([p.x_m for p in route], dtype=float)
        y = np.array([p.y_m for p in route], dtype=float)
        yaw = np.array([p.yaw_deg for p in route], dtype=float)
        cum_s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
        if town_map is None:
            in_junction = np.zeros(len(route), dtype=bool)
        else:
            in_junction = np.array(
                [bool(town_map.get_waypoint(carla.Location(p.x_m, p.y_m, p.z_m)).is_junction) for p in route]
            )
        xy = np.column_stack([x, y])
        return RouteContext(
            x_m=x,
            y_m=y,
            yaw_deg=yaw,
            cum_s_m=cum_s,
            in_junction=in_junction,
            next_junction_index=_next_true_index(in_junction),
            road_options=tuple(p.road_option.name for p in route),
            light_crossings=signal_crossings(xy, yaw, cum_s, [(li.id, li.stop_line) for li in lights]),
            stop_crossings=signal_crossings(xy, yaw, cum_s, [(st.id, st.stop_line) for st in stops]),
        )


def _next_true_index(flags: np.ndarray) -> np.ndarray:
    """For each i, the smallest j >= i with flags[j], or -1."""
    n = len(flags)
    idx = np.where(flags, np.arange(n), n)
    nxt = np.minimum.accumulate(idx[::-1])[::-1]
    return np.where(nxt < n, nxt, -1).astype(np.int64)
