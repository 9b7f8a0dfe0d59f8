"""DrivingScoreConfig: tolerances, weights and the infraction penalty of the driving score."""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BeforeValidator, ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import one_line_errors


def _finite(value: object) -> object:
    """Before pydantic's own check, so that a str, a bool or NaN gets this message."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value!r}")
    return value


NonNegative = Annotated[float, BeforeValidator(_finite), Field(ge=0)]
Positive = Annotated[float, BeforeValidator(_finite), Field(gt=0)]


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class DrivingScoreConfig:
    """How a candidate's action is compared with the expert's and with the executed action.

    speed_tolerance_mps, speed_tolerance_ratio: the speed tolerance [m/s] is
        ``max(speed_tolerance_mps, speed_tolerance_ratio * expert target speed)``.
    steer_tolerance_deg: the steering tolerance [deg].
    speed_weight, steer_weight: weights of the two agreements in the imitation term (their
        weighted mean; the defaults 0.5 and 0.5 already sum to 1).
    infraction_penalty: subtracted when the candidate repeats an action that led to an
        infraction (penalty modes only) [score units].
    repeat_speed_tolerance_mps, repeat_steer_tolerance_deg: a candidate action "repeats" the
        executed policy action when both differences are within these [m/s], [deg].
    """

    speed_tolerance_mps: Positive = 1.0
    """> 0: agreement falls off over 2 tolerances."""
    speed_tolerance_ratio: NonNegative = 0.1
    steer_tolerance_deg: Positive = 5.0
    """> 0: agreement falls off over 2 tolerances."""
    speed_weight: NonNegative = 0.5
    steer_weight: NonNegative = 0.5
    infraction_penalty: NonNegative = 1.0
    repeat_speed_tolerance_mps: NonNegative = 1.0
    repeat_steer_tolerance_deg: NonNegative = 5.0

    @model_validator(mode="after")
    def _weighted(self) -> DrivingScoreConfig:
        if self.speed_weight + self.steer_weight <= 0.0:
            raise ValueError("DrivingScoreConfig.speed_weight + steer_weight must be > 0")
        return self

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))

    def speed_tolerance(self, expert_speed_mps: float) -> float:
        """The speed tolerance [m/s] around an expert target speed [m/s]."""
        return max(self.speed_tolerance_mps, self.speed_tolerance_ratio * abs(expert_speed_mps))

    @property
    def invalid_action_score(self) -> float:
        """The score of an output that is not a valid action: one below the lowest valid score."""
        return -(self.infraction_penalty + 1.0)
