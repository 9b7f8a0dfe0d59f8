"""The observation's schema: its version, ranges and horizons, and the key names of every section.

Units and frames of every key are in docs/observation.md. The constants here are the numbers
that doc quotes; code that reads an observation should use these names, not literals.
"""

from __future__ import annotations

OBSERVATION_SCHEMA_VERSION = 2
"""Bumped whenever a key is added, removed or changes meaning.

2: `traffic_light` and `stop_sign` stay reported until the ego has cleared their stop line
   (`distance_m` down to -(ego length + SIGNAL_CLEARANCE_M)); in 1 they vanished as soon as the
   front bumper crossed it. A version-1 observation reads as a version-2 one that never shows a
   negative distance, so readers of old shards need no change.
"""

ROUTE_POINTS = 25
"""Route points ahead of the ego in `route.points` (fewer only near the route's end)."""
ROUTE_POINT_SPACING_M = 2.0
"""Arc length between consecutive `route.points`, the first one this far ahead of the ego's projection [m]."""
ACTOR_RANGE_M = 50.0
"""Vehicles and pedestrians whose centre lies within this distance of the ego's centre are listed [m]."""
JUNCTION_HORIZON_M = 50.0
"""`route.junction_ahead` looks this far ahead of the front bumper along the route [m]."""
SIGNAL_HORIZON_M = 60.0
"""Traffic lights and stop signs are reported when their stop line is this close ahead of the front bumper [m]."""
SIGNAL_CLEARANCE_M = 1.0
"""A light or stop sign stays reported until its stop line is this far behind the ego's rear bumper [m],
i.e. while `distance_m >= -(ego length_m + SIGNAL_CLEARANCE_M)`: the red-light test watches a segment from
0.4 x the length behind the ego's centre to 1 m behind its rear, so the light matters until then."""
STOP_ZONE_M = 4.0
"""A stop counts for a stop sign when the front bumper is at most this far before its stop line [m]."""
STOPPED_SPEED_MPS = 0.1
"""Below this speed the ego counts as stopped (the leaderboard's stop-sign threshold) [m/s]."""
FLOAT_DECIMALS = 3
"""Every float of the observation is rounded to this many decimals."""

ROAD_OPTIONS = ("VOID", "LEFT", "RIGHT", "STRAIGHT", "LANEFOLLOW", "CHANGELANELEFT", "CHANGELANERIGHT")
"""Values of `route.points[i].road_option` (CARLA's RoadOption names)."""
LIGHT_STATES = ("Red", "Yellow", "Green", "Off")
"""Values of `traffic_light.state`."""

OBSERVATION_KEYS = (
    "schema_version",
    "time_s",
    "ego",
    "route",
    "vehicles",
    "pedestrians",
    "traffic_light",
    "stop_sign",
)
EGO_KEYS = (
    "x_m",
    "y_m",
    "yaw_deg",
    "speed_mps",
    "vx_mps",
    "vy_mps",
    "accel_mps2",
    "lateral_accel_mps2",
    "yaw_rate_dps",
    "length_m",
    "width_m",
    "standing_s",
)
ROUTE_KEYS = (
    "points",
    "distance_to_end_m",
    "speed_limit_mps",
    "in_junction",
    "junction_ahead",
    "distance_to_junction_m",
)
ROUTE_POINT_KEYS = ("x_m", "y_m", "distance_m", "road_option", "in_junction")
ACTOR_KEYS = (
    "id",
    "x_m",
    "y_m",
    "heading_deg",
    "vx_mps",
    "vy_mps",
    "speed_mps",
    "length_m",
    "width_m",
    "distance_m",
)
TRAFFIC_LIGHT_KEYS = ("id", "state", "distance_m")
STOP_SIGN_KEYS = ("id", "distance_m", "completed_stop")
