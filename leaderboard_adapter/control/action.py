"""Action: what a driving policy (or the expert) asks of the controllers, in the ego frame.

Ego frame (ISO 8855, see docs and the observation schema): origin at the ego's bounding-box
centre, x forward, y LEFT, angles in degrees, counter-clockwise (left) positive.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import PlainValidator, ValidationError
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import SETTINGS, validation_message

ACTION_KEYS: tuple[str, ...] = ("target_speed_mps", "steer_deg")
"""The keys of `Action.to_dict()`, in order."""


def _as_finite_float(name: str, value: Any) -> float:
    """`value` as a float, or a ValueError naming `name` when it is not a finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    number = float(value)
    if math.isnan(number):
        raise ValueError(f"{name} must be a number, got NaN")
    if math.isinf(number):
        raise ValueError(f"{name} must be finite, got {number}")
    return number


def _target_speed(value: Any) -> float:
    speed = _as_finite_float("target_speed_mps", value)
    if speed < 0.0:
        raise ValueError(f"target_speed_mps must be >= 0, got {speed}")
    return speed


def _steer(value: Any) -> float:
    return _as_finite_float("steer_deg", value)


@dataclass(frozen=True, config=SETTINGS)
class Action:
    """A target speed and a steering direction; controllers turn it into `carla.VehicleControl`.

    target_speed_mps: wanted speed [m/s], >= 0; 0 (below the controller's stop threshold) means
        stop: the controller brakes hard and holds the car.
    steer_deg: the direction to drive towards [deg], ego frame, positive LEFT: the angle from
        the ego's heading to its aim point (`steer_towards(x_m, y_m)`). Meaningful in [-90, 90];
        the controller clips values outside. Any finite value is accepted here.

    Numpy scalars and ints become plain floats. Built every step (and for every frame of every candidate in
    training), so each field has one plain validator (about 2 us an Action, against 1.5 us for the `__post_init__`
    it replaced); a bad value is a pydantic `ValidationError` (a `ValueError`), and `from_dict`, where a policy's
    answer enters, words it as one line.
    """

    target_speed_mps: Annotated[float, PlainValidator(_target_speed)]
    steer_deg: Annotated[float, PlainValidator(_steer)]

    def to_dict(self) -> dict[str, float]:
        """`{"target_speed_mps": float, "steer_deg": float}` (plain, JSON-able)."""
        return {"target_speed_mps": self.target_speed_mps, "steer_deg": self.steer_deg}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Action:
        """The Action of a dict with exactly the keys of `to_dict()`.

        Raises ValueError naming the problem: not a mapping, a missing or unknown key
        (a typo such as "target_speed" is an error, not silently ignored), a value that is not
        a number (bools and strings included), NaN or infinity, a negative speed.
        """
        if not isinstance(data, Mapping):
            raise ValueError(
                f"an action must be a dict with keys {list(ACTION_KEYS)}, got {type(data).__name__}"
            )
        missing = [key for key in ACTION_KEYS if key not in data]
        if missing:
            raise ValueError(f"action is missing key(s) {missing}; expected keys {list(ACTION_KEYS)}")
        unknown = sorted(str(key) for key in data if key not in ACTION_KEYS)
        if unknown:
            raise ValueError(f"action has unknown key(s) {unknown}; expected keys {list(ACTION_KEYS)}")
        try:
            return cls(target_speed_mps=data["target_speed_mps"], steer_deg=data["steer_deg"])
        except ValidationError as error:  # one line: `target_speed_mps must be >= 0, got -1.0`
            raise ValueError(validation_message(error, cls)) from None


def steer_towards(x_m: float, y_m: float) -> float:
    """The steer_deg [deg] that points the ego at an ego-frame point (x forward, y left) [m].

    `degrees(atan2(y_m, x_m))`: positive for a point on the left, in (-180, 180]; 0 for the
    origin. Raises ValueError for a non-finite coordinate.
    """
    x = _as_finite_float("x_m", x_m)
    y = _as_finite_float("y_m", y_m)
    return math.degrees(math.atan2(y, x))
