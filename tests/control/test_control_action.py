"""Action: validation with messages that name the problem, the dict round trip, steer_towards's signs."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from leaderboard_adapter.control import ACTION_KEYS, Action, steer_towards


def test_action_keeps_values_as_plain_floats() -> None:
    action = Action(np.float32(4.5), 3)
    assert type(action.target_speed_mps) is float and type(action.steer_deg) is float
    assert (action.target_speed_mps, action.steer_deg) == (4.5, 3.0)


def test_action_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Action(1.0, 0.0).steer_deg = 5.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("speed", "steer", "match"),
    [
        (-0.5, 0.0, r"target_speed_mps must be >= 0, got -0\.5"),
        (float("nan"), 0.0, r"target_speed_mps must be a number, got NaN"),
        (1.0, float("nan"), r"steer_deg must be a number, got NaN"),
        (float("inf"), 0.0, r"target_speed_mps must be finite"),
        (1.0, -math.inf, r"steer_deg must be finite"),
        ("3", 0.0, r"target_speed_mps must be a number, got str '3'"),
        (1.0, None, r"steer_deg must be a number, got NoneType"),
        (True, 0.0, r"target_speed_mps must be a number, got bool"),
    ],
)
def test_action_rejects_invalid_values(speed, steer, match) -> None:
    with pytest.raises(ValueError, match=match):
        Action(speed, steer)


def test_steer_outside_90_degrees_is_accepted_for_the_controller_to_clip() -> None:
    assert Action(1.0, 135.0).steer_deg == 135.0


def test_to_dict_from_dict_round_trip_through_json() -> None:
    action = Action(7.25, -12.5)
    data = action.to_dict()
    assert list(data) == list(ACTION_KEYS)
    again = Action.from_dict(json.loads(json.dumps(data)))
    assert again == action
    assert again.to_dict() == {"target_speed_mps": 7.25, "steer_deg": -12.5}


def test_from_dict_accepts_ints() -> None:
    assert Action.from_dict({"target_speed_mps": 0, "steer_deg": 10}) == Action(0.0, 10.0)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"steer_deg": 0.0}, r"missing key\(s\) \['target_speed_mps'\]"),
        ({}, r"missing key\(s\) \['target_speed_mps', 'steer_deg'\]"),
        (
            {"target_speed_mps": 1.0, "steer_deg": 0.0, "target_speed": 2.0},
            r"unknown key\(s\) \['target_speed'\]",
        ),
        (
            {"target_speed_mps": "fast", "steer_deg": 0.0},
            r"target_speed_mps must be a number, got str 'fast'",
        ),
        ({"target_speed_mps": 1.0, "steer_deg": [3.0]}, r"steer_deg must be a number, got list"),
        ({"target_speed_mps": float("nan"), "steer_deg": 0.0}, r"target_speed_mps must be a number, got NaN"),
        ({"target_speed_mps": -1.0, "steer_deg": 0.0}, r"target_speed_mps must be >= 0, got -1\.0"),
        ([1.0, 0.0], r"an action must be a dict .* got list"),
    ],
)
def test_from_dict_names_the_problem(data, match) -> None:
    with pytest.raises(ValueError, match=match):
        Action.from_dict(data)


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (10.0, 0.0, 0.0),
        (10.0, 10.0, 45.0),  # ahead and to the LEFT: positive
        (10.0, -10.0, -45.0),  # ahead and to the right: negative
        (0.0, 5.0, 90.0),
        (0.0, -5.0, -90.0),
        (-10.0, 1e-12, 180.0),  # behind
        (0.0, 0.0, 0.0),
    ],
)
def test_steer_towards_points_left_positive(x, y, expected) -> None:
    assert steer_towards(x, y) == pytest.approx(expected, abs=1e-9)


def test_steer_towards_rejects_nan() -> None:
    with pytest.raises(ValueError, match="y_m must be a number, got NaN"):
        steer_towards(1.0, float("nan"))
