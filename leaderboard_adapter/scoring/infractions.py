"""Infraction events: what a criterion reports, named as the leaderboard's `TrafficEventType`."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class InfractionType(enum.Enum):
    """Event kinds, named as scenario_runner's `TrafficEventType` members."""

    COLLISION_STATIC = "collisions_layout"
    COLLISION_PEDESTRIAN = "collisions_pedestrian"
    COLLISION_VEHICLE = "collisions_vehicle"
    TRAFFIC_LIGHT_INFRACTION = "red_light"
    STOP_INFRACTION = "stop_infraction"
    OUTSIDE_ROUTE_LANES_INFRACTION = "outside_route_lanes"
    MIN_SPEED_INFRACTION = "min_speed_infractions"
    YIELD_TO_EMERGENCY_VEHICLE = "yield_emergency_vehicle_infractions"
    SCENARIO_TIMEOUT = "scenario_timeouts"
    ROUTE_DEVIATION = "route_dev"
    VEHICLE_BLOCKED = "vehicle_blocked"
    ROUTE_TIMEOUT = "route_timeout"

    @property
    def results_key(self) -> str:
        """The key of this kind in a results record's `infractions` dict."""
        return self.value


@dataclass(frozen=True)
class InfractionEvent:
    """One infraction as the leaderboard records it.

    `message` is the leaderboard's message string for the event (it is what the results
    JSON stores). Location in CARLA's world frame [m]. `details` holds what the penalty
    needs beyond the kind: `percentage` for outside-route-lanes (percent of the route
    driven outside) and min-speed (agent speed as a percent of traffic's).
    """

    type: InfractionType
    message: str
    frame: int
    game_time_s: float
    x_m: float = 0.0
    y_m: float = 0.0
    z_m: float = 0.0
    actor_id: int | None = None
    details: dict[str, float] = field(default_factory=dict)
