"""score_drive on constructed samples: tolerances, fall-off, notes, the infraction penalty per mode, invalid outputs."""

from __future__ import annotations

import math

import pytest
from driving_helpers import action, buffer_frame

from langprop_driver.driving import DrivingScoreConfig, TrainingMode, samples_from_frames, score_drive
from langprop_driver.engine import Judgement, Sample

CONFIG = DrivingScoreConfig()
MODES = tuple(TrainingMode)


def sample(**frame: object) -> Sample:
    """The sample of one buffer frame (see `buffer_frame`), made by the real `samples_from_frames`."""
    [made] = samples_from_frames([buffer_frame(**frame)], TrainingMode.DAGGER_IMITATION)
    return made


def judge(
    speed: float,
    steer: float,
    mode: TrainingMode = TrainingMode.DAGGER_PENALTY,
    config: DrivingScoreConfig = CONFIG,
    **frame: object,
) -> Judgement:
    return score_drive(action(speed, steer), sample(**frame), config, mode)


def test_inside_both_tolerances_scores_one_and_passes() -> None:
    for speed, steer in ((10.0, 0.0), (10.99, 4.99), (9.01, -4.99)):
        assert judge(speed, steer, expert=(10.0, 0.0)) == Judgement(1.0, True, "")


@pytest.mark.parametrize(
    ("speed", "steer", "score"),
    [
        (12.0, 0.0, 0.75),  # speed off by 2x its tolerance (1 m/s): speed agreement 0.5
        (10.0, -10.0, 0.75),  # steering off by 2x its tolerance (5 deg)
        (11.5, 7.5, 0.75),  # both at 1.5x: 0.75 each
        (13.0, 0.0, 0.5),  # speed at 3x: 0
        (30.0, 0.0, 0.5),  # far beyond: still 0, never negative
        (12.0, 10.0, 0.5),  # both at 2x: 0.5 each
        (13.0, 15.0, 0.0),
    ],
)
def test_agreement_falls_linearly_from_one_at_the_tolerance_to_zero_at_three_times_it(
    speed: float, steer: float, score: float
) -> None:
    judgement = judge(speed, steer, expert=(10.0, 0.0))
    assert judgement.score == pytest.approx(score)
    assert judgement.passed is (score > 0.5)


def test_the_speed_tolerance_grows_with_the_expert_speed() -> None:
    """max(1 m/s, 10% of the expert's 20 m/s) = 2 m/s."""
    assert judge(21.9, 0.0, expert=(20.0, 0.0)).score == 1.0
    assert judge(24.0, 0.0, expert=(20.0, 0.0)).score == pytest.approx(0.75)
    assert judge(26.0, 0.0, expert=(20.0, 0.0)).score == pytest.approx(0.5)


def test_weights_set_the_share_of_each_term() -> None:
    speed_only = DrivingScoreConfig(speed_weight=1.0, steer_weight=0.0)
    assert judge(10.0, 40.0, config=speed_only, expert=(10.0, 0.0)).score == 1.0
    mostly_steer = DrivingScoreConfig(speed_weight=1.0, steer_weight=3.0)
    assert judge(13.0, 0.0, config=mostly_steer, expert=(10.0, 0.0)).score == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("candidate", "expert", "reason", "note"),
    [
        ((8.2, 0.0), (0.0, 0.0), "red_light", "does not stop (red_light)"),
        ((12.0, 0.0), (6.0, 0.0), "vehicle", "too fast (vehicle)"),
        ((3.0, 0.0), (8.0, 0.0), "cruise", "too slow (cruise)"),
        ((0.0, 0.0), (8.0, 0.0), "cruise", "stops, expert drives (cruise)"),
        ((8.0, -12.0), (8.0, 12.0), "cruise", "steers right, expert left"),
        ((8.0, 0.0), (8.0, 12.0), "cruise", "steers straight, expert left"),
        ((8.0, 30.0), (8.0, 12.0), "cruise", "steers too sharply left"),
        ((8.0, -6.0), (8.0, -20.0), "cruise", "steers too little right"),
        ((8.0, 4.0), (8.0, -4.0), "cruise", "steers slightly left of the expert"),
        ((0.0, -12.0), (8.0, 12.0), "cruise", "stops, expert drives (cruise); steers right, expert left"),
        ((12.0, 0.0), (6.0, 0.0), None, "too fast"),  # the buffer may hold no reason
    ],
)
def test_notes_name_the_kind_of_mistake(
    candidate: tuple, expert: tuple, reason: str | None, note: str
) -> None:
    """Notes are kept on partly right answers too (a passed sample may still carry one)."""
    assert judge(*candidate, expert=expert, reason=reason).note == note


def test_mistakes_of_one_kind_share_their_note_so_the_engine_groups_them() -> None:
    notes = {judge(speed, 0.0, expert=(0.0, 0.0), reason="red_light").note for speed in (3.0, 8.2, 13.0)}
    assert notes == {"does not stop (red_light)"}


RED_LIGHT_RUN = {
    "expert": (0.0, 0.0),
    "reason": "red_light",
    "policy": (8.0, 0.0),
    "infraction": ["red_light"],
}
"""The policy drove on at 8 m/s where the expert stopped, and ran the red light."""


def test_repeating_the_action_that_led_to_an_infraction_is_penalised() -> None:
    repeated = judge(8.0, 0.0, **RED_LIGHT_RUN)
    # imitation: speed 8 m/s off (agreement 0), steering exact (1) -> 0.5; minus the penalty 1
    assert repeated.score == pytest.approx(-0.5) and not repeated.passed
    assert repeated.note == "repeats the action that led to red_light; does not stop (red_light)"
    near = judge(7.2, 4.0, **RED_LIGHT_RUN)  # within 1 m/s and 5 deg of the executed action
    assert near.score == pytest.approx(0.5 * 0.0 + 0.5 * 1.0 - 1.0)
    assert near.note.startswith("repeats the action that led to red_light")


def test_going_even_faster_than_the_executed_action_when_the_expert_wanted_slower_is_penalised() -> None:
    faster = judge(9.5, 20.0, **RED_LIGHT_RUN)  # not a repeat (20 deg off) but faster still
    assert faster.note.startswith("repeats the action that led to red_light") and faster.score < 0.0


def test_other_actions_on_an_infraction_frame_are_not_penalised() -> None:
    assert judge(0.0, 0.0, **RED_LIGHT_RUN) == Judgement(1.0, True, "")
    slower = judge(6.5, 0.0, **RED_LIGHT_RUN)  # 1.5 m/s below the executed speed: not a repeat
    assert "repeats" not in slower.note and slower.score == pytest.approx(0.5)
    # the expert wanted only slightly slower (7.5 vs 8, within its 1 m/s tolerance): faster is no repeat
    near_expert = {**RED_LIGHT_RUN, "expert": (7.5, 0.0), "infraction": ["collisions_vehicle"]}
    assert "repeats" not in judge(9.5, 20.0, **near_expert).note


def test_no_penalty_without_an_infraction_or_without_an_executed_policy_action() -> None:
    clean = {**RED_LIGHT_RUN, "infraction": None}
    assert judge(8.0, 0.0, **clean).score == pytest.approx(0.5)
    expert_drove = {**RED_LIGHT_RUN, "policy": None, "driver": "expert"}
    assert judge(8.0, 0.0, **expert_drove).score == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("mode", "repeat_score", "other_score", "other_passed"),
    [
        (TrainingMode.OFFLINE_IMITATION, 0.5, 0.0, False),
        (TrainingMode.DAGGER_IMITATION, 0.5, 0.0, False),
        (TrainingMode.DAGGER_PENALTY, -0.5, 0.0, False),
        (TrainingMode.ONLINE, -1.0, 0.0, True),  # no imitation term: anything but the repeat passes
    ],
)
def test_the_penalty_applies_only_in_penalty_modes(
    mode: TrainingMode, repeat_score: float, other_score: float, other_passed: bool
) -> None:
    repeated = judge(8.0, 0.0, mode, **RED_LIGHT_RUN)
    assert repeated.score == pytest.approx(repeat_score)
    assert ("repeats" in repeated.note) is mode.penalises
    swerve = judge(3.0, 40.0, mode, **RED_LIGHT_RUN)  # far from the expert, not a repeat either
    assert (swerve.score, swerve.passed) == (pytest.approx(other_score), other_passed)


@pytest.mark.parametrize(
    ("output", "note"),
    [
        (None, "invalid action: an action must be a dict with keys ['target_speed_mps', 'steer_deg']"),
        ([3.0, 0.0], "invalid action: an action must be a dict with keys ['target_speed_mps', 'steer_deg']"),
        (
            {"target_speed_mps": 3.0},
            "invalid action: action is missing key(s) ['steer_deg']; "
            "expected keys ['target_speed_mps', 'steer_deg']",
        ),
        (
            {"target_speed_mps": 3.0, "steer_deg": 0.0, "brake": 1.0},
            "invalid action: action has unknown "
            "key(s) ['brake']; expected keys ['target_speed_mps', 'steer_deg']",
        ),
        ({"target_speed_mps": 3.0, "steer_deg": "left"}, "invalid action: steer_deg must be a number"),
        ({"target_speed_mps": True, "steer_deg": 0.0}, "invalid action: target_speed_mps must be a number"),
        (
            {"target_speed_mps": math.nan, "steer_deg": 0.0},
            "invalid action: target_speed_mps must be a number",
        ),
        ({"target_speed_mps": 3.0, "steer_deg": math.inf}, "invalid action: steer_deg must be finite"),
        ({"target_speed_mps": -1.0, "steer_deg": 0.0}, "invalid action: target_speed_mps must be >= 0"),
    ],
)
def test_invalid_outputs_score_below_every_valid_action(output: object, note: str) -> None:
    for mode in MODES:
        judgement = score_drive(output, sample(**RED_LIGHT_RUN), CONFIG, mode)
        assert judgement == Judgement(-2.0, False, note)
    assert CONFIG.invalid_action_score == -2.0  # -(penalty + 1): the lowest valid score is -penalty
    assert DrivingScoreConfig(infraction_penalty=10.0).invalid_action_score == -11.0


def test_numpy_numbers_and_ints_are_valid_actions() -> None:
    np = pytest.importorskip("numpy")
    output = {"target_speed_mps": np.float32(10), "steer_deg": 0}
    assert score_drive(output, sample(expert=(10.0, 0.0)), CONFIG, TrainingMode.DAGGER_PENALTY).score == 1.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"speed_tolerance_mps": 0.0}, "must be > 0"),
        ({"steer_tolerance_deg": 0.0}, "must be > 0"),
        ({"speed_tolerance_ratio": -0.1}, "speed_tolerance_ratio must be >= 0"),
        ({"infraction_penalty": -1.0}, "infraction_penalty must be >= 0"),
        ({"speed_weight": 0.0, "steer_weight": 0.0}, "speed_weight \\+ steer_weight must be > 0"),
        ({"repeat_steer_tolerance_deg": math.nan}, "repeat_steer_tolerance_deg must be a finite number"),
        ({"steer_weight": "0.5"}, "steer_weight must be a finite number"),
    ],
)
def test_bad_configs_are_refused_with_the_field_named(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DrivingScoreConfig(**changes)
