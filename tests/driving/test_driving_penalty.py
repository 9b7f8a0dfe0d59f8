"""No unavoidable penalties: an action within the imitation tolerances of the expert's label is never penalised
as repeating the action that led to an infraction, even where the executed action was itself close to the
expert's (8 of 13 real update prompts showed such a case)."""

from __future__ import annotations

import numpy as np
import pytest
from driving_helpers import action, buffer_frame

from langprop_driver.driving import DrivingScoreConfig, TrainingMode, samples_from_frames, score_drive
from langprop_driver.driving.penalty import agrees_with_expert, penalty_note, repeats
from langprop_driver.engine import Sample
from leaderboard_adapter.control import Action

CONFIG = DrivingScoreConfig()


def _label(
    expert: tuple[float, float], executed: tuple[float, float], kinds: tuple[str, ...] = ("collisions_vehicle",)
) -> Sample:
    [sample] = samples_from_frames(
        [buffer_frame(expert=expert, policy=executed, infraction=list(kinds), reason="vehicle")],
        TrainingMode.DAGGER_PENALTY,
    )
    return sample


@pytest.mark.parametrize("mode", [TrainingMode.DAGGER_PENALTY, TrainingMode.ONLINE])
def test_the_expert_action_itself_is_never_penalised_where_the_executed_one_was_close(mode: TrainingMode) -> None:
    # the policy drove 8.5 m/s, 2 deg; the expert wanted 8 m/s, 0 deg; a collision followed anyway
    sample = _label(expert=(8.0, 0.0), executed=(8.5, 2.0))
    # rule (a) alone would call it a repeat: within 1 m/s and 5 deg of the executed action
    assert abs(8.0 - 8.5) <= CONFIG.repeat_speed_tolerance_mps and abs(0.0 - 2.0) <= CONFIG.repeat_steer_tolerance_deg
    judgement = score_drive(action(8.0, 0.0), sample, CONFIG, mode)
    assert "repeats" not in judgement.note and judgement.passed
    assert judgement.score == pytest.approx(1.0 if mode.imitates else 0.0)
    # the executed action itself is within the tolerances of the expert's too: not penalised either
    assert "repeats" not in score_drive(action(8.5, 2.0), sample, CONFIG, mode).note


def test_at_the_edge_of_the_tolerances_no_penalty_just_outside_the_penalty_stays() -> None:
    # expert 20 m/s: the speed tolerance is 10 % = 2 m/s; steering 5 deg
    sample = _label(expert=(20.0, 0.0), executed=(21.5, 3.0))
    assert penalty_note(Action(22.0, 5.0), sample.expected, CONFIG) == ""
    assert penalty_note(Action(18.0, -5.0), sample.expected, CONFIG) == ""
    assert penalty_note(Action(22.1, 3.0), sample.expected, CONFIG).startswith("repeats the action that led to")
    assert penalty_note(Action(21.5, 5.1), sample.expected, CONFIG).startswith("repeats the action that led to")


def test_running_the_red_light_again_is_still_penalised_and_stopping_is_not() -> None:
    red = buffer_frame(expert=(0.0, 0.0), policy=(8.0, 0.0), infraction=["red_light"], reason="red_light")
    [sample] = samples_from_frames([red], TrainingMode.DAGGER_PENALTY)
    assert penalty_note(Action(8.0, 0.0), sample.expected, CONFIG) == "repeats the action that led to red_light"
    assert penalty_note(Action(1.0, 0.0), sample.expected, CONFIG) == ""  # within 1 m/s of the expert's 0


def test_no_action_within_the_expert_tolerances_is_ever_penalised() -> None:
    rng = np.random.default_rng(14)
    checked = 0
    for _ in range(2000):
        expert = Action(float(rng.uniform(0.0, 20.0)), float(rng.uniform(-40.0, 40.0)))
        executed = Action(
            max(0.0, expert.target_speed_mps + float(rng.uniform(-3.0, 6.0))),
            expert.steer_deg + float(rng.uniform(-8.0, 8.0)),
        )
        tolerance = CONFIG.speed_tolerance(expert.target_speed_mps)
        candidate = Action(
            max(0.0, expert.target_speed_mps + float(rng.uniform(-1.0, 1.0)) * tolerance),
            expert.steer_deg + float(rng.uniform(-1.0, 1.0)) * CONFIG.steer_tolerance_deg,
        )
        assert agrees_with_expert(candidate, expert, CONFIG)
        assert not repeats(candidate, executed, expert, CONFIG)
        checked += 1
    assert checked == 2000
