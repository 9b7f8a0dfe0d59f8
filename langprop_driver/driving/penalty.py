"""The infraction penalty: whether a candidate repeats the executed action that led to an infraction.

A candidate repeats it when (a) both its speed and steering are within the repeat tolerances of
the executed policy action, or (b) the expert wanted to go slower than the executed action (by
more than the speed tolerance) and the candidate is at least as fast as the executed action.
Frames without an infraction, or without an executed policy action (the expert drove), are never
penalised; nor is a candidate that agrees with the expert's action within the imitation
tolerances (speed within ``config.speed_tolerance(expert speed)`` and steering within
``steer_tolerance_deg``): doing what the expert does there is never an avoidable mistake, even
when the executed action was close to the expert's and an infraction followed anyway.
"""

from __future__ import annotations

from leaderboard_adapter.control import Action

from .samples import DrivingLabel
from .score_config import DrivingScoreConfig


def agrees_with_expert(candidate: Action, expert: Action, config: DrivingScoreConfig) -> bool:
    """Whether ``candidate`` is within the imitation tolerances of the ``expert``'s action (speed and steering)."""
    return (
        abs(candidate.target_speed_mps - expert.target_speed_mps) <= config.speed_tolerance(expert.target_speed_mps)
        and abs(candidate.steer_deg - expert.steer_deg) <= config.steer_tolerance_deg
    )


def repeats(candidate: Action, executed: Action, expert: Action, config: DrivingScoreConfig) -> bool:
    """Whether ``candidate`` repeats ``executed`` in the sense of rules (a) and (b) above; never when it agrees
    with the ``expert`` within the imitation tolerances."""
    if agrees_with_expert(candidate, expert, config):
        return False
    same = (
        abs(candidate.target_speed_mps - executed.target_speed_mps) <= config.repeat_speed_tolerance_mps
        and abs(candidate.steer_deg - executed.steer_deg) <= config.repeat_steer_tolerance_deg
    )
    expert_slower = (
        expert.target_speed_mps + config.speed_tolerance(expert.target_speed_mps) < executed.target_speed_mps
    )
    return same or (expert_slower and candidate.target_speed_mps >= executed.target_speed_mps)


def penalty_note(candidate: Action, label: DrivingLabel, config: DrivingScoreConfig) -> str:
    """The penalty's note, "repeats the action that led to <kinds>", when it applies; else ""."""
    infraction, executed = label["infraction"], label["policy_action"]
    if infraction is None or executed is None:
        return ""
    expert = Action.from_dict(label["expert_action"])
    if not repeats(candidate, Action.from_dict(executed), expert, config):
        return ""
    return f"repeats the action that led to {', '.join(infraction['kinds'])}"
