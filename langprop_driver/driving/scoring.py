"""score_drive: the Judgement of one candidate action on one driving sample (the task's score function).

- The output must be a dict that ``Action.from_dict`` accepts (exactly the keys
  ``target_speed_mps`` >= 0 and ``steer_deg``, finite numbers); anything else scores
  ``config.invalid_action_score`` (-(infraction_penalty + 1), below every valid score), not
  passed, note "invalid action: <problem>".
- Imitation term (all modes but ONLINE), in [0, 1]: see :mod:`.imitation`.
- Penalty (DAGGER_PENALTY and ONLINE): ``infraction_penalty`` is subtracted when the candidate
  repeats the executed action that led to an infraction, see :mod:`.penalty`.
- score = imitation - penalty (ONLINE: 0 - penalty). passed = no penalty and imitation > 0.5
  (ONLINE: no penalty).
- The note joins the penalty note and the imitation notes with "; ", e.g.
  "repeats the action that led to red_light; does not stop (red_light)".
"""

from __future__ import annotations

from typing import Any

from langprop_driver.engine import Judgement, Sample
from leaderboard_adapter.control import Action

from .imitation import imitate
from .modes import TrainingMode
from .penalty import penalty_note
from .score_config import DrivingScoreConfig

PASS_IMITATION = 0.5
"""A sample passes only when its imitation term is above this."""


def score_drive(output: Any, sample: Sample, config: DrivingScoreConfig, mode: TrainingMode) -> Judgement:
    """The score of ``output`` (what ``drive(observation)`` returned) on ``sample`` (see the module doc)."""
    try:
        candidate = Action.from_dict(output)
    except ValueError as exc:
        problem = str(exc).split(", got", 1)[0]  # the offending value would split the failure groups
        return Judgement(config.invalid_action_score, False, f"invalid action: {problem}")
    label = sample.expected
    penalty = penalty_note(candidate, label, config) if mode.penalises else ""
    notes = [penalty] if penalty else []
    score, passed = (-config.infraction_penalty, False) if penalty else (0.0, True)
    if mode.imitates:
        imitation = imitate(
            candidate, Action.from_dict(label["expert_action"]), label["expert_reason"], config
        )
        notes += imitation.notes
        score += imitation.score
        passed = passed and imitation.score > PASS_IMITATION
    return Judgement(score, passed, "; ".join(notes))
