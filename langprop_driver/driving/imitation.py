"""The imitation term: how closely a candidate's action agrees with the expert's, and notes naming the mistake.

Each agreement is 1 while the difference is within its tolerance and falls off linearly to 0 at
3x the tolerance (0.5 at 2x). The term is the weighted mean of the speed and steering agreements,
in [0, 1]. Notes carry no numbers, so that the engine groups failures of one kind together
(the numbers are in the example's output and expected values).
"""

from __future__ import annotations

from dataclasses import dataclass

from leaderboard_adapter.control import Action

from .score_config import DrivingScoreConfig

STOP_TARGET_MPS = 0.05
"""Target speeds below this mean "stop" [m/s] (the controller's stop threshold)."""


def agreement(difference: float, tolerance: float) -> float:
    """1 within ``tolerance`` of 0, falling linearly to 0 at 3 x ``tolerance`` (same units)."""
    excess = abs(difference) - tolerance
    return 1.0 if excess <= 0.0 else max(0.0, 1.0 - excess / (2.0 * tolerance))


@dataclass(frozen=True)
class Imitation:
    """The imitation term [0, 1] and the mistakes it found (none when both agree within tolerance)."""

    score: float
    notes: tuple[str, ...]


def speed_note(candidate_mps: float, expert_mps: float, tolerance_mps: float, reason: str | None) -> str:
    """The speed mistake: too fast, does not stop, too slow, or stops while the expert drives; "" if none.

    E.g. "too fast (red_light)": the expert's ``reason`` for its speed is in brackets (when known).
    """
    if abs(candidate_mps - expert_mps) <= tolerance_mps:
        return ""
    if candidate_mps > expert_mps:
        kind = "does not stop" if expert_mps < STOP_TARGET_MPS else "too fast"
    else:
        kind = "stops, expert drives" if candidate_mps < STOP_TARGET_MPS else "too slow"
    return f"{kind} ({reason})" if reason else kind


def _side(steer_deg: float, tolerance_deg: float) -> str:
    if steer_deg > tolerance_deg:
        return "left"
    return "right" if steer_deg < -tolerance_deg else "straight"


def steer_note(candidate_deg: float, expert_deg: float, tolerance_deg: float) -> str:
    """The steering mistake, e.g. "steers right, expert left", "steers too sharply left",
    "steers too little left", "steers slightly left of the expert"; "" if none (positive is left)."""
    if abs(candidate_deg - expert_deg) <= tolerance_deg:
        return ""
    mine, theirs = _side(candidate_deg, tolerance_deg), _side(expert_deg, tolerance_deg)
    if mine != theirs:
        return f"steers {mine}, expert {theirs}"
    if mine == "straight":
        return f"steers slightly {'left' if candidate_deg > expert_deg else 'right'} of the expert"
    return f"steers too {'sharply' if abs(candidate_deg) > abs(expert_deg) else 'little'} {mine}"


def imitate(candidate: Action, expert: Action, reason: str | None, config: DrivingScoreConfig) -> Imitation:
    """The imitation term of ``candidate`` against the ``expert`` action (whose speed was set by ``reason``)."""
    speed_tolerance = config.speed_tolerance(expert.target_speed_mps)
    speed_agreement = agreement(candidate.target_speed_mps - expert.target_speed_mps, speed_tolerance)
    steer_agreement = agreement(candidate.steer_deg - expert.steer_deg, config.steer_tolerance_deg)
    weighted = config.speed_weight * speed_agreement + config.steer_weight * steer_agreement
    notes = (
        speed_note(candidate.target_speed_mps, expert.target_speed_mps, speed_tolerance, reason),
        steer_note(candidate.steer_deg, expert.steer_deg, config.steer_tolerance_deg),
    )
    return Imitation(weighted / (config.speed_weight + config.steer_weight), tuple(n for n in notes if n))
