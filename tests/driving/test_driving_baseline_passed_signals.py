"""The baseline policy treats a light or stop sign behind its front bumper (negative distance_m) as passed:
it never stops in the junction for a line it has already crossed."""

from __future__ import annotations

import pytest
from driving_helpers import observation_double

from langprop_driver.driving import BASELINE_POLICY_SOURCE


@pytest.fixture(scope="module")
def drive():
    namespace: dict = {}
    exec(compile(BASELINE_POLICY_SOURCE, "baseline_policy.py", "exec"), namespace)  # noqa: S102 - our own source
    return namespace["drive"]


@pytest.mark.parametrize("distance_m", [-0.05, -2.0, -5.9])
def test_a_red_light_or_stop_sign_behind_the_bumper_is_passed(drive, distance_m: float) -> None:
    free = drive(observation_double(speed_mps=4.0))
    red = drive(observation_double(speed_mps=4.0, traffic_light={"id": 3, "state": "Red", "distance_m": distance_m}))
    stop = drive(
        observation_double(speed_mps=4.0, stop_sign={"id": 9, "distance_m": distance_m, "completed_stop": False})
    )
    assert red == free == stop and free["target_speed_mps"] > 4.0


def test_a_red_light_at_the_line_still_stops_it(drive) -> None:
    red = drive(observation_double(speed_mps=4.0, traffic_light={"id": 3, "state": "Red", "distance_m": 0.0}))
    assert red["target_speed_mps"] == 0.0
