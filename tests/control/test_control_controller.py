"""VehicleController: valid carla.VehicleControl values, the steering sign, reset, NaN safety, params."""

from __future__ import annotations

import carla
import numpy as np
import pytest

from leaderboard_adapter.control import (
    Action,
    ControllerParams,
    LateralParams,
    LongitudinalParams,
    PIDParams,
    VehicleController,
)


def as_tuple(control: carla.VehicleControl) -> tuple:
    return (control.throttle, control.steer, control.brake, control.hand_brake, control.reverse)


def test_controls_stay_in_carla_ranges_for_random_actions() -> None:
    rng = np.random.default_rng(3)
    controller = VehicleController()
    for _ in range(500):
        action = Action(float(rng.uniform(0, 30)), float(rng.uniform(-200, 200)))
        control = controller.control(action, float(rng.uniform(0, 30)))
        assert isinstance(control, carla.VehicleControl)
        assert (
            0.0 <= control.throttle <= 0.75 and 0.0 <= control.brake <= 1.0 and -1.0 <= control.steer <= 1.0
        )
        assert control.throttle == 0.0 or control.brake == 0.0
        assert not control.hand_brake and not control.reverse and not control.manual_gear_shift


def test_positive_steer_deg_gives_negative_carla_steer() -> None:
    assert VehicleController().control(Action(5.0, 15.0), 5.0).steer < 0.0
    assert VehicleController().control(Action(5.0, -15.0), 5.0).steer > 0.0


def test_stop_action_brakes_fully_and_keeps_steering() -> None:
    control = VehicleController().control(Action(0.0, 30.0), 8.0)
    assert control.throttle == 0.0 and control.brake == 1.0 and control.steer < 0.0


def test_nan_speed_brakes_and_does_not_poison_later_ticks() -> None:
    used, fresh = VehicleController(), VehicleController()
    control = used.control(Action(8.0, 0.0), float("nan"))
    assert (control.throttle, control.brake) == (0.0, 1.0)
    later = used.control(Action(8.0, 0.0), 7.9)
    assert as_tuple(later) == as_tuple(fresh.control(Action(8.0, 0.0), 7.9))
    assert np.isfinite([later.throttle, later.brake, later.steer]).all()


def test_reset_clears_both_memories() -> None:
    used, fresh = VehicleController(), VehicleController()
    for k in range(40):
        used.control(Action(10.0, 25.0 if k % 2 else -10.0), 0.1 * k)
    probe = Action(6.0, 4.0)
    assert as_tuple(used.control(probe, 5.0)) != as_tuple(VehicleController().control(probe, 5.0))
    used.reset()
    assert as_tuple(used.control(probe, 5.0)) == as_tuple(fresh.control(probe, 5.0))


def test_memory_makes_the_same_input_give_a_different_output() -> None:
    """Stateful: the integral of a held steering error grows the steer over a few ticks."""
    controller = VehicleController()
    steers = [controller.control(Action(5.0, 10.0), 5.0).steer for _ in range(4)]
    assert steers[0] > steers[1] > steers[2] > steers[3]


def test_rejects_a_dict_instead_of_an_action() -> None:
    with pytest.raises(TypeError, match="action must be an Action, got dict"):
        VehicleController().control({"target_speed_mps": 1.0, "steer_deg": 0.0}, 0.0)  # type: ignore[arg-type]


def test_custom_params_are_used() -> None:
    params = ControllerParams(
        lateral=LateralParams(pid=PIDParams(kp=0.5, ki=0.0, kd=0.0, window=1)),
        longitudinal=LongitudinalParams(max_throttle=0.3),
    )
    control = VehicleController(params).control(Action(20.0, 45.0), 0.0)
    assert control.throttle == pytest.approx(0.3)
    assert control.steer == pytest.approx(-0.25)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dt_s": 0.0}, r"ControllerParams\.dt_s must be positive"),
        ({"dt_s": float("nan")}, r"ControllerParams\.dt_s must be positive"),
        ({"lateral": LongitudinalParams()}, r"ControllerParams\.lateral must be LateralParams"),
        ({"longitudinal": LateralParams()}, r"ControllerParams\.longitudinal must be LongitudinalParams"),
    ],
)
def test_params_validation(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        ControllerParams(**kwargs)
