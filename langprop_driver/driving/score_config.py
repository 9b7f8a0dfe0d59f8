"""DrivingScoreConfig: tolerances, weights and the infraction penalty of the driving score."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields


@dataclass(frozen=True)
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

    speed_tolerance_mps: float = 1.0
    speed_tolerance_ratio: float = 0.1
    steer_tolerance_deg: float = 5.0
    speed_weight: float = 0.5
    steer_weight: float = 0.5
    infraction_penalty: float = 1.0
    repeat_speed_tolerance_mps: float = 1.0
    repeat_steer_tolerance_deg: float = 5.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"DrivingScoreConfig.{item.name} must be a finite number, got {value!r}")
            if value < 0.0:
                raise ValueError(f"DrivingScoreConfig.{item.name} must be >= 0, got {value}")
        if self.speed_tolerance_mps <= 0.0 or self.steer_tolerance_deg <= 0.0:
            raise ValueError(
                "DrivingScoreConfig.speed_tolerance_mps and steer_tolerance_deg must be > 0 "
                f"(agreement falls off over 2 tolerances), got {self.speed_tolerance_mps} and "
                f"{self.steer_tolerance_deg}"
            )
        if self.speed_weight + self.steer_weight <= 0.0:
            raise ValueError("DrivingScoreConfig.speed_weight + steer_weight must be > 0")

    def speed_tolerance(self, expert_speed_mps: float) -> float:
        """The speed tolerance [m/s] around an expert target speed [m/s]."""
        return max(self.speed_tolerance_mps, self.speed_tolerance_ratio * abs(expert_speed_mps))

    @property
    def invalid_action_score(self) -> float:
        """The score of an output that is not a valid action: one below the lowest valid score."""
        return -(self.infraction_penalty + 1.0)
