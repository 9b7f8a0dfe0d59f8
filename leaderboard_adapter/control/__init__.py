"""Controllers: an Action (target speed, steering direction) to a `carla.VehicleControl`.

Shared by the expert and every LLM policy, in the embedded world and on a CARLA server.
"""

from leaderboard_adapter.control.action import ACTION_KEYS, Action, steer_towards
from leaderboard_adapter.control.controller import ControllerParams, VehicleController
from leaderboard_adapter.control.lateral import LateralController, LateralParams, lookahead_distance_m
from leaderboard_adapter.control.longitudinal import LongitudinalController, LongitudinalParams, Pedals
from leaderboard_adapter.control.pid import PIDParams, WindowedPID

__all__ = [
    "ACTION_KEYS",
    "Action",
    "ControllerParams",
    "LateralController",
    "LateralParams",
    "LongitudinalController",
    "LongitudinalParams",
    "PIDParams",
    "Pedals",
    "VehicleController",
    "WindowedPID",
    "lookahead_distance_m",
    "steer_towards",
]
