"""Traffic lights and stop signs as stop-line obstacles: red always, yellow unless too close to stop
and clearing the line in time, green never; a stop sign until the stop is completed."""

from __future__ import annotations

import pytest

from expert.signals import light_obstacle, stop_sign_obstacle
from leaderboard_adapter.control.idm import IdmParams

LIGHT = IdmParams(min_gap_m=1.5, time_headway_s=0.1, comfort_decel_mps2=3.0)
YELLOW_DECEL = 4.0
CLEAR_S = 2.5
LENGTH = 4.9


def light(state: str, distance_m: float, light_id: int = 32) -> dict:
    return {"id": light_id, "state": state, "distance_m": distance_m}


@pytest.mark.parametrize(
    ("speed", "distance"), [(0.0, 30.0), (14.0, 60.0), (14.0, 2.0), (20.0, 0.0), (5.0, 0.5)]
)
def test_red_is_always_an_obstacle_at_the_stop_line(speed: float, distance: float) -> None:
    ob = light_obstacle(light("Red", distance), speed, LENGTH, LIGHT, YELLOW_DECEL, CLEAR_S)
    assert ob is not None
    assert (ob.gap_m, ob.speed_mps, ob.reason, ob.actor_id, ob.idm) == (distance, 0.0, "red_light", 32, LIGHT)


def test_yellow_is_an_obstacle_only_while_the_ego_can_still_stop() -> None:
    """At 10 m/s braking at 4 m/s^2 takes 12.5 m: a line 40 m ahead is stopped for, one 8 m ahead is not."""
    stoppable = light_obstacle(light("Yellow", 40.0), 10.0, LENGTH, LIGHT, YELLOW_DECEL, CLEAR_S)
    assert stoppable is not None
    assert (stoppable.gap_m, stoppable.speed_mps, stoppable.reason) == (40.0, 0.0, "yellow_light")
    assert light_obstacle(light("Yellow", 8.0), 10.0, LENGTH, LIGHT, YELLOW_DECEL, CLEAR_S) is None  # too close
    assert light_obstacle(light("Yellow", 12.0), 10.0, LENGTH, LIGHT, YELLOW_DECEL, CLEAR_S) is None  # inside braking
    # a firmer allowed deceleration makes the same line stoppable (10^2 / (2 * 8) = 6.25 m)
    assert light_obstacle(light("Yellow", 12.0), 10.0, LENGTH, LIGHT, 8.0, CLEAR_S) is not None
    # standing still, a yellow line ahead beyond the min gap holds the ego
    assert light_obstacle(light("Yellow", 3.0), 0.0, LENGTH, LIGHT, YELLOW_DECEL, CLEAR_S) is not None


def test_yellow_too_close_to_stop_still_holds_a_car_that_would_not_clear_the_line_in_time() -> None:
    """At 4 m/s braking at 4 m/s^2 takes 2 m; a line 1.5 m ahead is too close, but the tail needs
    (1.5 + 4.9) / 4 = 1.6 s to clear it: it goes with 2.5 s allowed and stops with 1.5 s allowed."""
    assert light_obstacle(light("Yellow", 1.5), 4.0, LENGTH, LIGHT, YELLOW_DECEL, 2.5) is None
    held = light_obstacle(light("Yellow", 1.5), 4.0, LENGTH, LIGHT, YELLOW_DECEL, 1.5)
    assert held is not None and held.reason == "yellow_light"


@pytest.mark.parametrize("state", ["Green", "Off"])
@pytest.mark.parametrize(("speed", "distance"), [(0.0, 3.0), (14.0, 50.0)])
def test_green_and_off_are_never_obstacles(state: str, speed: float, distance: float) -> None:
    assert light_obstacle(light(state, distance), speed, LENGTH, LIGHT, YELLOW_DECEL, CLEAR_S) is None


def test_no_light_no_obstacle() -> None:
    assert light_obstacle(None, 10.0, LENGTH, LIGHT, YELLOW_DECEL, CLEAR_S) is None


def test_stop_sign_is_an_obstacle_until_the_stop_is_completed() -> None:
    stop_idm = IdmParams(min_gap_m=1.0, time_headway_s=0.1)
    ob = stop_sign_obstacle({"id": 4, "distance_m": 22.5, "completed_stop": False}, stop_idm)
    assert ob is not None
    assert (ob.gap_m, ob.speed_mps, ob.reason, ob.actor_id) == (22.5, 0.0, "stop_sign", 4)
    assert stop_sign_obstacle({"id": 4, "distance_m": 2.0, "completed_stop": True}, stop_idm) is None
    assert stop_sign_obstacle(None, stop_idm) is None
