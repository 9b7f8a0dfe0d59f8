"""samples_from_frames: which replay-buffer frames each TrainingMode keeps, the label they carry, bad frames."""

from __future__ import annotations

import pytest
from driving_helpers import action, buffer_frame, observation_double

from langprop_driver.driving import TrainingMode, samples_from_frames

FRAMES = [
    buffer_frame(number=0, driver="expert", policy=None),
    buffer_frame(number=1, driver="policy"),
    buffer_frame(number=2, driver="mixed", infraction=["collisions_vehicle"]),
    buffer_frame(number=3, driver="expert", policy=None, infraction=["red_light", "stop_infraction"]),
    buffer_frame(number=4, driver="policy", infraction=["outside_route_lanes"]),
]


def kept_frames(mode: TrainingMode | str) -> list[int]:
    samples = samples_from_frames(FRAMES, mode)
    return [next(f["frame"] for f in FRAMES if f["observation"] is s.input) for s in samples]


@pytest.mark.parametrize(
    ("mode", "frames"),
    [
        (TrainingMode.OFFLINE_IMITATION, [0, 3]),  # the expert drove
        (TrainingMode.DAGGER_IMITATION, [0, 1, 2, 3, 4]),
        (TrainingMode.DAGGER_PENALTY, [0, 1, 2, 3, 4]),
        (TrainingMode.ONLINE, [2, 3, 4]),  # followed by an infraction
    ],
)
def test_each_mode_keeps_its_frames_in_order(mode: TrainingMode, frames: list[int]) -> None:
    assert kept_frames(mode) == frames
    assert kept_frames(mode.value) == frames


def test_the_default_mode_is_dagger_with_penalties() -> None:
    assert TrainingMode("dagger_penalty") is TrainingMode.DAGGER_PENALTY
    with pytest.raises(ValueError, match="unknown training mode 'imitation'; expected one of 'offline'"):
        samples_from_frames(FRAMES, "imitation")


def test_a_sample_holds_the_observation_and_the_label() -> None:
    observation = observation_double(speed_mps=7.0)
    frame = buffer_frame(
        observation, expert=(0.0, 1.5), reason="red_light", policy=(7, -2), infraction=["red_light"]
    )
    [sample] = samples_from_frames(iter([frame]), TrainingMode.DAGGER_PENALTY)
    assert sample.input is observation
    assert sample.expected == {
        "expert_action": action(0.0, 1.5),
        "expert_reason": "red_light",
        "policy_action": action(7.0, -2.0),
        "infraction": {"kinds": ["red_light"], "seconds_before": 1.0},
    }
    assert type(sample.expected["policy_action"]["target_speed_mps"]) is float  # ints normalised


def broken(**changes: object) -> list[dict]:
    return [FRAMES[0], {**buffer_frame(number=7), **changes}]


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ([[1, 2]], r"frames\[0\] must be a dict, got list"),
        (broken(driver="autopilot"), r"frames\[1\] \(frame 7 of route r0, shard s0\): driver must be one of"),
        (
            broken(expert_action={"target_speed": 1.0, "steer_deg": 0.0}),
            r"frames\[1\] .*: expert_action is not a valid action: action is missing key\(s\) \['target_speed_mps'\]",
        ),
        (
            broken(policy_action={"target_speed_mps": -3.0, "steer_deg": 0.0}),
            "policy_action is not a valid action: target_speed_mps must be >= 0",
        ),
        (
            broken(infraction={"kinds": []}),
            "infraction must be None or a dict with keys 'kinds' and 'seconds_before'",
        ),
        (
            broken(infraction={"kinds": [], "seconds_before": 1.0}),
            "infraction.kinds must be a non-empty list of str",
        ),
        (
            broken(infraction={"kinds": ["red_light"], "seconds_before": -1.0}),
            r"infraction.seconds_before must be a number >= 0 \[s\]",
        ),
        (broken(observation={"ego": {}}), "observation must be a dict with the keys"),
        (broken(expert_reason=7), "expert_reason must be a str or None, got 7"),
        (
            [{"observation": {}}],
            r"frames\[0\] \(frame \? of route \?, shard \?\) is missing key\(s\) \['policy_action'",
        ),
    ],
)
def test_bad_frames_are_refused_naming_the_frame_and_the_problem(frames: list, message: str) -> None:
    for mode in TrainingMode:  # validated whether the mode keeps them or not
        with pytest.raises(ValueError, match=message):
            samples_from_frames(frames, mode)
