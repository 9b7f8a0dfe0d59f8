"""The driving policy's observation: a plain, JSON-able, privileged bird's-eye dict in the ego frame.

`ObservationBuilder(view).build(view)` turns any `WorldView` (embedded world or live CARLA)
into the dict documented in docs/observation.md; `RouteContext` is its per-route
precomputation. The constants below are the numbers that document quotes.
"""

from .builder import ObservationBuilder
from .frames import EgoFrame
from .route_context import RouteContext
from .schema import (
    ACTOR_KEYS,
    ACTOR_RANGE_M,
    EGO_KEYS,
    FLOAT_DECIMALS,
    JUNCTION_HORIZON_M,
    LIGHT_STATES,
    OBSERVATION_KEYS,
    OBSERVATION_SCHEMA_VERSION,
    ROAD_OPTIONS,
    ROUTE_KEYS,
    ROUTE_POINT_KEYS,
    ROUTE_POINT_SPACING_M,
    ROUTE_POINTS,
    SIGNAL_CLEARANCE_M,
    SIGNAL_HORIZON_M,
    STOP_SIGN_KEYS,
    STOP_ZONE_M,
    STOPPED_SPEED_MPS,
    TRAFFIC_LIGHT_KEYS,
)
from .stop_lines import SignalCrossing

__all__ = [
    "ACTOR_KEYS",
    "ACTOR_RANGE_M",
    "EGO_KEYS",
    "FLOAT_DECIMALS",
    "JUNCTION_HORIZON_M",
    "LIGHT_STATES",
    "OBSERVATION_KEYS",
    "OBSERVATION_SCHEMA_VERSION",
    "ROAD_OPTIONS",
    "ROUTE_KEYS",
    "ROUTE_POINTS",
    "ROUTE_POINT_KEYS",
    "ROUTE_POINT_SPACING_M",
    "SIGNAL_CLEARANCE_M",
    "SIGNAL_HORIZON_M",
    "STOPPED_SPEED_MPS",
    "STOP_SIGN_KEYS",
    "STOP_ZONE_M",
    "TRAFFIC_LIGHT_KEYS",
    "EgoFrame",
    "ObservationBuilder",
    "RouteContext",
    "SignalCrossing",
]
