"""Longitudinal control: stop, brake and drive regimes; never throttle and brake together."""

from __future__ import annotations

import itertools

import pytest

from leaderboard_adapter.control import LongitudinalController, LongitudinalParams, PIDParams

DT = 0.05


def fresh() -> LongitudinalController:
    return LongitudinalController(LongitudinalParams())


@pytest.mark.parametrize(("target", "speed"), [(0.0, 10.0), (0.0, 0.0), (0.049, 0.0), (0.04, 3.0)])
def test_stop_target_brakes_firmly_without_throttle(target, speed) -> None:
    pedals = fresh().step(target, speed, DT)
    assert pedals.throttle == 0.0
    assert pedals.brake == LongitudinalParams().stop_brake == 1.0


def test_speed_above_target_by_more_than_the_margin_brakes_in_proportion() -> None:
    params = LongitudinalParams()
    small = fresh().step(5.0, 5.0 + params.brake_margin_mps + 0.4, DT)
    large = fresh().step(5.0, 5.0 + params.brake_margin_mps + 1.0, DT)
    assert small.throttle == large.throttle == 0.0
    assert small.brake == pytest.approx(params.brake_gain * 0.4)
    assert large.brake == pytest.approx(min(params.brake_gain * 1.0, params.max_brake))
    assert fresh().step(1.0, 30.0, DT).brake == params.max_brake


def test_small_excess_coasts() -> None:
    pedals = fresh().step(5.0, 5.0 + 0.5 * LongitudinalParams().brake_margin_mps, DT)
    assert pedals == (0.0, 0.0)


def test_throttle_is_capped() -> None:
    pedals = fresh().step(30.0, 0.0, DT)
    assert pedals.throttle == LongitudinalParams().max_throttle == 0.75 and pedals.brake == 0.0


def test_never_throttle_and_brake_together() -> None:
    controller = fresh()
    for target, speed in itertools.product([0.0, 0.03, 0.5, 4.0, 8.0, 15.0], [0.0, 0.2, 3.9, 4.2, 8.0, 16.0]):
        throttle, brake = controller.step(target, speed, DT)
        assert 0.0 <= throttle <= 0.75 and 0.0 <= brake <= 1.0
        assert throttle == 0.0 or brake == 0.0


@pytest.mark.parametrize(("target", "speed"), [(float("nan"), 3.0), (3.0, float("nan")), (3.0, float("inf"))])
def test_untrackable_input_stops_and_keeps_memory_clean(target, speed) -> None:
    controller = fresh()
    assert controller.step(target, speed, DT) == (0.0, 1.0)
    assert controller.pid.errors == ()


def test_braking_and_stopping_clear_the_integral() -> None:
    """A stale integral from accelerating must not push the throttle after a stop or a braking phase."""
    params = LongitudinalParams(pid=PIDParams(kp=0.0, ki=1.0, kd=0.0, window=100))
    controller = LongitudinalController(params)
    for _ in range(20):
        controller.step(10.0, 2.0, DT)
    assert controller.pid.integral > 0
    controller.step(0.0, 2.0, DT)
    assert controller.pid.integral == 0.0
    for _ in range(20):
        controller.step(10.0, 2.0, DT)
    controller.step(2.0, 6.0, DT)
    assert controller.pid.integral == 0.0


def test_negative_speed_reads_as_its_magnitude() -> None:
    assert fresh().step(5.0, -8.0, DT) == fresh().step(5.0, 8.0, DT)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_throttle": 0.0}, r"max_throttle must be in \(0, 1\]"),
        ({"stop_brake": 1.5}, r"stop_brake must be in \(0, 1\]"),
        ({"stop_speed_mps": -0.1}, r"stop_speed_mps must be finite and >= 0"),
        ({"brake_margin_mps": float("nan")}, r"brake_margin_mps must be finite and >= 0"),
        ({"brake_gain": 0.0}, r"brake_gain must be positive"),
        ({"pid": None}, r"pid must be PIDParams, got NoneType"),
    ],
)
def test_params_validation(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        LongitudinalParams(**kwargs)
