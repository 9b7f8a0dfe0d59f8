"""Privileged rule-based autopilot (PDM-Lite style) that labels frames and drives as an agent."""

from expert.autopilot import Expert, ExpertDecision
from expert.idm import IdmParams
from expert.params import ExpertParams, ForecastParams

__all__ = ["Expert", "ExpertDecision", "ExpertParams", "ForecastParams", "IdmParams"]
