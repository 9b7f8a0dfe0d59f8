"""Privileged rule-based autopilot (PDM-Lite style) that labels frames and drives as an agent."""

from expert.actors import Actors
from expert.autopilot import Expert, ExpertDecision
from expert.frame import ExpertFrame
from expert.params import ExpertParams, ForecastParams
from expert.reasons import ExpertReason
from leaderboard_adapter.control.idm import EXPERT_IDM, IdmParams

__all__ = [
    "EXPERT_IDM",
    "Actors",
    "Expert",
    "ExpertDecision",
    "ExpertFrame",
    "ExpertParams",
    "ExpertReason",
    "ForecastParams",
    "IdmParams",
]
