"""RoutePoint: one point of a dense route, in CARLA's world frame (x forward/east, y right/south, yaw in degrees)."""

from __future__ import annotations

from dataclasses import dataclass

from leaderboard_adapter.routes.road_option import RoadOption


@dataclass(frozen=True)
class RoutePoint:
    """One point of the dense (about 1 m) route: pose in the world frame and its RoadOption."""

    x_m: float
    y_m: float
    z_m: float
    yaw_deg: float
    road_option: RoadOption
