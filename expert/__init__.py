"""Privileged rule-based autopilot (PDM-Lite style) that labels frames and drives as an agent."""

from expert.autopilot import Expert, ExpertDecision
from expert.params import ExpertParams, ForecastParams
from leaderboard_adapter.control.idm import EXPERT_IDM, IdmParams

__all__ = ["EXPERT_IDM", "Expert", "ExpertDecision", "ExpertParams", "ForecastParams", "IdmParams"]
