"""The settings conventions: unknown fields refused, strict types, and every error one line naming the field and value."""

from __future__ import annotations

import math
from typing import Annotated

import pytest
from pydantic import Field, ValidationError, model_validator
from pydantic.dataclasses import dataclass

from expert.params import ExpertParams, ForecastParams
from leaderboard_adapter.control import Action, ControllerParams, IdmParams, LateralParams, PIDParams
from leaderboard_adapter.embedded.ego import EgoParams
from leaderboard_adapter.embedded.traffic import TrafficParams
from leaderboard_adapter.embedded.walkers import WalkerParams
from leaderboard_adapter.settings import (
    SETTINGS,
    STRICT_SETTINGS,
    must_be,
    one_line_validator,
    validation_message,
)


@dataclass(frozen=True, config=STRICT_SETTINGS)
class Knobs:
    gain: Annotated[float, Field(gt=0)]
    count: Annotated[int, Field(ge=1)] = 1
    margins: tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]] = (0.0, 0.0)
    pid: PIDParams = PIDParams(kp=1.0, ki=0.0, kd=0.0, window=1)
    ratio: Annotated[float, must_be(lambda r: math.isfinite(r) and 0.0 <= r <= 1.0, "in [0, 1]")] = 0.5
    limit: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Knobs:
        if self.count > 10 * self.gain:
            raise ValueError(f"count must be at most 10 gains ({10 * self.gain!r}), got {self.count!r}")
        return self


def _message(make, **style) -> str:
    with pytest.raises(ValidationError) as caught:
        make()
    return validation_message(caught.value, Knobs, **style)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: Knobs(gain=0.0), "gain must be > 0, got 0.0"),
        (lambda: Knobs(0.0), "gain must be > 0, got 0.0"),  # a positional argument is named by its field
        (lambda: Knobs(gain=True), "gain must be float, got True"),
        (lambda: Knobs(gain="2"), "gain must be float, got '2'"),
        (lambda: Knobs(gain=1.0, count=2.5), "count must be int, got 2.5"),
        (lambda: Knobs(gain=1.0, margins=(1.0, -1.0)), "margins.1 must be >= 0, got -1.0"),
        (lambda: Knobs(gain=1.0, margins=[1.0, 1.0]), "margins must be tuple[float, float], got [1.0, 1.0]"),
        (lambda: Knobs(gain=1.0, limit="2"), "limit must be int | None, got '2'"),
        (lambda: Knobs(gain=1.0, limit=0), "limit must be >= 1, got 0"),
        (lambda: Knobs(gain=1.0, pid=(1.0, 0.0, 0.0, 1)), "pid must be PIDParams, got tuple"),
        (lambda: Knobs(gain=1.0, ratio=math.nan), "ratio must be in [0, 1], got nan"),
        (lambda: Knobs(gain=0.1, count=2), "count must be at most 10 gains (1.0), got 2"),
        (lambda: Knobs(), "gain is missing"),
        (lambda: Knobs(gain=1.0, gian=2.0, cuont=1), "unknown setting(s) cuont, gian; known: gain, count, margins, pid, ratio, limit"),
        (lambda: Knobs(gain=0.0, count=0), "gain must be > 0, got 0.0; count must be >= 1, got 0"),
    ],
)
def test_each_problem_is_one_clause(make, expected: str) -> None:
    assert _message(make) == expected


def test_the_style_words_types_and_unknown_fields_and_names_the_class() -> None:
    style = {"type_phrase": "must be of type", "unknown_field": "is not a field of schema version 1", "qualify": True}
    assert _message(lambda: Knobs(gain=True), **style) == "Knobs.gain must be of type float, got True"
    assert _message(lambda: Knobs(gain=1.0, gian=2.0), **style) == "Knobs.gian is not a field of schema version 1"
    assert _message(lambda: Knobs(gain=0.1, count=2), **style) == "count must be at most 10 gains (1.0), got 2"


def test_lax_settings_convert_and_strict_ones_refuse() -> None:
    @dataclass(frozen=True, config=SETTINGS)
    class Lax:
        count: int = 1

    assert Lax(count="3").count == 3
    assert _message(lambda: Knobs(gain=1.0, count="3")) == "count must be int, got '3'"
    assert Knobs(gain=2).gain == 2.0 and isinstance(Knobs(gain=2).gain, float)


@pytest.mark.parametrize(
    ("make", "line"),
    [
        (lambda: EgoParams(max_brake_mps2=0.0), "EgoParams.max_brake_mps2 must be > 0, got 0.0"),
        (lambda: EgoParams(wheelbase_m=6.0), "EgoParams.wheelbase_m must be shorter than length_m (4.9), got 6.0"),
        (lambda: WalkerParams(ego_crossing_first_m=10.0), "WalkerParams.ego_crossing_first_m must be at least"),
        (lambda: TrafficParams(plan_segments=2), "TrafficParams.plan_segments must be >= 3, got 2"),
        (lambda: IdmParams(1.0, -0.5), "IdmParams.time_headway_s must be >= 0, got -0.5"),
        (lambda: PIDParams(kp=1.0, ki=0.0, kd=0.0, window=True), "PIDParams.window must be an int >= 1, got True"),
        (lambda: LateralParams(max_steer_deg=200.0), r"LateralParams.max_steer_deg must be in (0, 180], got 200.0"),
        (lambda: ControllerParams(dt_s=-0.05), "ControllerParams.dt_s must be positive, got -0.05"),
        (lambda: ForecastParams(step_s=4.0), "ForecastParams.step_s must be at most horizon_s (3.0), got 4.0"),
        (lambda: ExpertParams(leader_max_heading_deg=95.0), "ExpertParams.leader_max_heading_deg must be < 90, got 95.0"),
        (lambda: ExpertParams(speed_limit=1.0), "unknown setting(s) speed_limit; known: speed_limit_factor"),
    ],
)
def test_parameters_refuse_in_one_line(make, line: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make()
    (error,) = caught.value.errors(include_url=False)
    assert error["type"] == "value_error" and str(error["ctx"]["error"]).startswith(line)


def test_action_from_dict_words_every_bad_value_in_one_line() -> None:
    with pytest.raises(ValueError) as caught:
        Action.from_dict({"target_speed_mps": -1.0, "steer_deg": "left"})
    assert not isinstance(caught.value, ValidationError)
    assert str(caught.value) == "target_speed_mps must be >= 0, got -1.0; steer_deg must be a number, got str 'left'"


def test_a_one_line_validator_is_assigned_in_the_class_body() -> None:
    @dataclass(frozen=True, config=STRICT_SETTINGS)
    class Small:
        size: Annotated[float, Field(gt=0)] = 1.0
        _one_line = one_line_validator(qualify=True)

    with pytest.raises(ValidationError) as caught:
        Small(size=-1.0)
    assert str(caught.value.errors()[0]["ctx"]["error"]) == "Small.size must be > 0, got -1.0"
