"""Controllers: an Action (target speed, steering direction) to a `carla.VehicleControl`; the IDM.

Shared by the expert and every LLM policy, in the embedded world and on a CARLA server; the IDM
(`idm.py`) sets the speed of the embedded world's NPCs and the expert's target speed alike.
"""

from leaderboard_adapter.control.action import ACTION_KEYS, Action, steer_towards
from leaderboard_adapter.control.controller import ControllerParams, VehicleController
from leaderboard_adapter.control.idm import EXPERT_IDM, NPC_IDM, IdmParams, idm_acceleration, idm_target_speed
from leaderboard_adapter.control.lateral import LateralController, LateralParams, lookahead_distance_m
from leaderboard_adapter.control.longitudinal import LongitudinalController, LongitudinalParams, Pedals
from leaderboard_adapter.control.pid import PIDParams, WindowedPID

__all__ = [
    "ACTION_KEYS",
    "EXPERT_IDM",
    "NPC_IDM",
    "Action",
    "ControllerParams",
    "IdmParams",
    "LateralController",
    "LateralParams",
    "LongitudinalController",
    "LongitudinalParams",
    "PIDParams",
    "Pedals",
    "VehicleController",
    "WindowedPID",
    "idm_acceleration",
    "idm_target_speed",
    "lookahead_distance_m",
    "steer_towards",
]
