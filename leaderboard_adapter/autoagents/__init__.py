"""Leaderboard agents in the embedded world: the AutonomousAgent twin, the import shim, loading, sensors and GPS.

Typical use by an evaluator (see each module for details)::

    base = install_leaderboard_shim()                       # real leaderboard if importable, else the twin
    geo = GeoReference.from_opendrive(xodr)
    gps_plan, world_plan = build_global_plan(dense_route, geo, road_option_type())
    agent = load_agent("agents/route_follower_agent.py", convention="2.x", track="MAP",
                       config_path="", global_plan_gps=gps_plan, global_plan_world_coord=world_plan,
                       opendrive=xodr)
    control = agent.step(hero_state, frame)                  # every tick; frames start at 1
    agent.destroy()
"""

from leaderboard_adapter.autoagents.agent_loader import (
    AgentLoadError,
    AgentRuntimeError,
    AgentSetupError,
    LoadedAgent,
    load_agent,
    load_agent_class,
)
from leaderboard_adapter.autoagents.convention import Convention
from leaderboard_adapter.autoagents.gps import (
    GeoReference,
    build_global_plan,
    dense_route_from_points,
    gps_to_location,
    location_to_gps,
)
from leaderboard_adapter.autoagents.leaderboard_shim import (
    autonomous_agent_base,
    install_leaderboard_shim,
    road_option_type,
    uses_real_leaderboard,
)
from leaderboard_adapter.autoagents.sensor_interface import SensorConfigurationInvalid, SensorReceivedNoData
from leaderboard_adapter.autoagents.sensors import (
    EmbeddedSensorUnsupported,
    SensorSuite,
    validate_embedded_sensors,
    validate_sensor_configuration,
)

__all__ = [
    "AgentLoadError",
    "AgentRuntimeError",
    "AgentSetupError",
    "Convention",
    "EmbeddedSensorUnsupported",
    "GeoReference",
    "LoadedAgent",
    "SensorConfigurationInvalid",
    "SensorReceivedNoData",
    "SensorSuite",
    "autonomous_agent_base",
    "build_global_plan",
    "dense_route_from_points",
    "gps_to_location",
    "install_leaderboard_shim",
    "load_agent",
    "load_agent_class",
    "location_to_gps",
    "road_option_type",
    "uses_real_leaderboard",
    "validate_embedded_sensors",
    "validate_sensor_configuration",
]
