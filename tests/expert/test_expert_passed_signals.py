"""A light or stop sign whose line is behind the front bumper (negative `distance_m`, observation schema 2)
is passed: the expert never brakes for it, so a car whose front has crossed the line does not stop in the
junction. Hand-built observations, then a closed-loop scene on smoke route 0 (EmbeddedGrid)."""

from __future__ import annotations

import pytest
from expert_helpers import LIGHTS_ROUTE, ExpertDriver, bumper_to_line_m, observation_double, smoke_world
from test_expert_scenes import first_crossing_line

from expert import Expert
from expert.signals import ahead
from leaderboard_adapter.observation import SIGNAL_CLEARANCE_M
from leaderboard_adapter.world_view import LightState


@pytest.fixture(scope="module")
def expert() -> Expert:
    return Expert()


@pytest.mark.parametrize("distance_m", [-0.05, -1.0, -4.0, -5.9])
def test_a_red_light_behind_the_bumper_is_passed(expert: Expert, distance_m: float) -> None:
    free = expert.act(observation_double(speed_mps=3.0))
    passed = expert.act(
        observation_double(speed_mps=3.0, traffic_light={"id": 3, "state": "Red", "distance_m": distance_m})
    )
    assert passed == free and passed.reason == "cruise" and passed.action.target_speed_mps > 3.0


@pytest.mark.parametrize("distance_m", [-0.05, -3.0])
def test_an_uncompleted_stop_sign_behind_the_bumper_is_passed(expert: Expert, distance_m: float) -> None:
    stop = {"id": 9, "distance_m": distance_m, "completed_stop": False}
    decision = expert.act(observation_double(speed_mps=3.0, stop_sign=stop))
    assert decision.reason == "cruise" and decision.action.target_speed_mps > 3.0


@pytest.mark.parametrize("state", ["Red", "Yellow"])
def test_a_light_the_standing_ego_overshot_by_a_little_still_holds_it(expert: Expert, state: str) -> None:
    """Stopping overshot the line by 0.25 m; starting on yellow then crossed it with the tail on red
    (embedded_training route 6, seed 3). Standing, the ego waits; rolling at 3 m/s it goes on (above)."""
    light = {"id": 13, "state": state, "distance_m": -0.25}
    standing = expert.act(observation_double(speed_mps=0.0, traffic_light=light))
    assert standing.action.target_speed_mps == 0.0
    assert standing.reason == ("red_light" if state == "Red" else "yellow_light")
    far_past = expert.act(observation_double(speed_mps=0.0, traffic_light={**light, "distance_m": -1.5}))
    assert far_past.reason == "cruise"


def test_a_red_light_at_the_line_still_stops_the_ego(expert: Expert) -> None:
    at_line = expert.act(
        observation_double(speed_mps=3.0, traffic_light={"id": 3, "state": "Red", "distance_m": 0.0})
    )
    assert (at_line.action.target_speed_mps, at_line.reason) == (0.0, "red_light")


def test_ahead_keeps_signals_at_or_before_the_line_only() -> None:
    light = {"id": 3, "state": "Red", "distance_m": 0.0}
    assert ahead(light) is light and ahead(None) is None
    assert ahead({**light, "distance_m": -0.001}) is None


def test_a_light_turning_red_once_the_front_is_over_the_line_does_not_stop_the_ego_in_the_junction() -> None:
    driver = ExpertDriver(smoke_world(LIGHTS_ROUTE))
    world = driver.world
    light_id, line = first_crossing_line(driver, lights=True)
    world.freeze_light(light_id, LightState.GREEN)
    assert driver.drive(lambda d: bumper_to_line_m(d.world, line) < -0.5, max_ticks=600)
    world.freeze_light(light_id, LightState.RED)
    length_m = world.hero().length_m
    start = len(driver.ticks)
    assert driver.drive(lambda d: bumper_to_line_m(d.world, line) < -(length_m + 3.0), max_ticks=200)
    after = driver.ticks[start:]
    # the red light was reported behind the bumper, and the expert drove on out of the junction
    reds = [t for t in after if t.observation["traffic_light"] is not None]
    assert reds and all(t.observation["traffic_light"]["state"] == "Red" for t in reds)
    assert all(-(length_m + SIGNAL_CLEARANCE_M) <= t.observation["traffic_light"]["distance_m"] < 0 for t in reds)
    assert all(t.decision.reason != "red_light" and t.decision.action.target_speed_mps > 2.0 for t in after)
    assert min(t.observation["ego"]["speed_mps"] for t in after) > 2.0
