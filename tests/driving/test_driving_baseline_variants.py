"""The baseline's variants (the LLM test double's answers): each an exact, checked edit of the baseline's
source that passes the static checks, runs in the sandbox, and changes exactly the behaviour it names."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from driving_helpers import actor_record, arc, fast_sandbox, observation_double, route_points

from langprop_driver.driving import BASELINE_POLICY_SOURCE, DRIVE_SPEC
from langprop_driver.driving.baseline_variants import (
    SLOW_CRUISE_FRACTION,
    VARIANT_EDITS,
    YAW_RATE_WEAVE_GAIN_S,
    replace_once,
    variant_source,
    variant_sources,
    with_cruise_fraction,
    with_parameter,
    with_steer_lookahead,
    with_yaw_rate_weave,
    without_pedestrians,
    without_red_lights,
    without_stop_signs,
)
from langprop_driver.engine import check_candidate
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES, Program, SandboxPool
from leaderboard_adapter.control import Action

LIMIT = 13.89
"""The hand-built observations' speed limit (50 km/h) [m/s]."""
RED = {"id": 3, "state": "Red", "distance_m": 12.0}
SIGN = {"id": 9, "distance_m": 1.5, "completed_stop": False}
CROSSING = [actor_record(4, 12.0, 0.0, 90.0, 0.0, 0.0, 0.5, 0.5)]
"""A pedestrian standing on the route 12 m ahead (ego frame)."""


def drive_fn(source: str) -> Callable[[dict], dict]:
    """``drive`` of a variant's source, run in this process (the sources are edits of the trusted baseline)."""
    namespace: dict = {}
    exec(compile(source, "<variant>", "exec"), namespace)
    return namespace["drive"]


def act(name: str, observation: dict) -> Action:
    return Action.from_dict(drive_fn(variant_source(name))(observation))


def turning(yaw_rate_dps: float, speed_mps: float = 8.0) -> dict:
    """A left bend of radius 15 m, the ego turning at `yaw_rate_dps` [deg/s, positive left]."""
    observation = observation_double(route_points(arc(15.0)), speed_mps=speed_mps)
    observation["ego"]["yaw_rate_dps"] = yaw_rate_dps
    return observation


SCENES = {
    "straight": observation_double(speed_mps=8.0),
    "bend": turning(30.0),
    "red light": observation_double(speed_mps=10.0, traffic_light=RED),
    "stop sign": observation_double(speed_mps=1.0, stop_sign=SIGN),
    "pedestrian": observation_double(speed_mps=8.0, pedestrians=CROSSING),
    "standing": observation_double(),
}


def test_about_eight_named_variants_including_the_unchanged_baseline() -> None:
    sources = variant_sources()
    assert 8 <= len(sources) <= 10
    assert sources["baseline"] == BASELINE_POLICY_SOURCE
    assert {"yaw_rate_weave", "slow_cruise", "ignores_red_lights"} <= set(sources)
    assert len(set(sources.values())) == len(
        sources
    )  # every variant differs from the baseline and the others
    assert variant_sources() == sources  # deterministic
    assert list(sources) == list(VARIANT_EDITS)


@pytest.mark.parametrize("name", list(VARIANT_EDITS))
def test_every_variant_passes_the_static_checks(name: str) -> None:
    source = variant_source(name)
    assert check_candidate(source, DRIVE_SPEC, DEFAULT_ALLOWED_MODULES) == []
    assert check_candidate(source, DRIVE_SPEC, ("math",)) == []


def test_every_variant_returns_valid_actions_in_the_sandbox() -> None:
    names = list(VARIANT_EDITS)
    programs = [Program(name, variant_source(name), DRIVE_SPEC.name) for name in names]
    with SandboxPool(fast_sandbox(call_timeout_s=60.0)) as pool:  # healthy calls: a limit no load can race
        results = pool.run(programs, list(SCENES.values()), seed=0)
    for name, per_scene in zip(names, results, strict=True):
        assert [r.error for r in per_scene] == [None] * len(SCENES), name
        for result in per_scene:
            action = Action.from_dict(result.output)  # raises on anything but a valid action
            assert 0.0 <= action.target_speed_mps <= LIMIT and abs(action.steer_deg) <= 90.0


def test_each_removed_rule_is_gone_and_only_that_one() -> None:
    assert act("baseline", SCENES["red light"]).target_speed_mps < 9.0
    assert act("ignores_red_lights", SCENES["red light"]).target_speed_mps == LIMIT
    assert act("ignores_red_lights", SCENES["stop sign"]).target_speed_mps == 0.0
    assert act("ignores_stop_signs", SCENES["stop sign"]).target_speed_mps == LIMIT
    assert act("ignores_stop_signs", SCENES["red light"]) == act("baseline", SCENES["red light"])
    assert act("baseline", SCENES["pedestrian"]).target_speed_mps < 6.0
    assert act("ignores_pedestrians", SCENES["pedestrian"]).target_speed_mps == LIMIT
    assert act("slow_cruise", SCENES["straight"]).target_speed_mps == pytest.approx(
        SLOW_CRUISE_FRACTION * LIMIT
    )


def test_the_parameter_variants_change_what_they_name() -> None:
    following = observation_double(speed_mps=8.0, vehicles=[actor_record(5, 4.7 + 6.0, 0.0)])
    assert act("short_headway", following).target_speed_mps > act("baseline", following).target_speed_mps
    bend = turning(0.0, speed_mps=8.0)
    assert act("fast_curves", bend).target_speed_mps > act("baseline", bend).target_speed_mps
    # the long look-ahead aims at a point farther along the bend: it steers more (and cuts the corner)
    assert abs(act("long_lookahead", bend).steer_deg) > abs(act("baseline", bend).steer_deg) + 5.0


@pytest.mark.parametrize("yaw_rate_dps", [-20.0, 0.0, 15.0, 40.0])
def test_the_weave_adds_a_yaw_rate_term_to_the_baseline_steering(yaw_rate_dps: float) -> None:
    observation = turning(yaw_rate_dps)
    baseline, weave = act("baseline", observation), act("yaw_rate_weave", observation)
    assert weave.steer_deg == pytest.approx(baseline.steer_deg + YAW_RATE_WEAVE_GAIN_S * yaw_rate_dps)
    assert weave.target_speed_mps == baseline.target_speed_mps
    assert baseline.steer_deg == act("baseline", turning(0.0)).steer_deg  # the baseline ignores the yaw rate
    gain = drive_fn(with_yaw_rate_weave(BASELINE_POLICY_SOURCE, 0.25))(observation)["steer_deg"]
    assert gain == pytest.approx(baseline.steer_deg + 0.25 * yaw_rate_dps)


def test_the_weave_is_one_line_in_drive_that_deleting_restores_the_baseline() -> None:
    weave = variant_source("yaw_rate_weave")
    lines = [line for line in weave.splitlines() if "yaw_rate_dps" in line]
    assert len(lines) == 1
    observation = turning(30.0)
    restored = weave.replace(lines[0], "    steer = _steer_deg(points, speed)")
    assert drive_fn(restored)(observation) == drive_fn(BASELINE_POLICY_SOURCE)(observation)


def test_edits_apply_exactly_once_or_fail_loudly() -> None:
    with pytest.raises(ValueError, match="exactly one 'nope'"):
        replace_once("a b", "nope", "x")
    with pytest.raises(ValueError, match="found 2"):
        replace_once("ab ab", "ab", "x")
    with pytest.raises(ValueError, match="NO_SUCH_M"):
        with_parameter(BASELINE_POLICY_SOURCE, "NO_SUCH_M", 1.0)
    assert "HEADWAY_S = 0.25\n" in with_parameter(BASELINE_POLICY_SOURCE, "HEADWAY_S", 0.25)
    # a baseline whose edited lines changed: every edit that depends on them refuses
    changed = BASELINE_POLICY_SOURCE.replace("0.5 * speed_mps, 4.0), 8.0)", "0.4 * speed_mps, 4.0), 8.0)")
    changed = changed.replace(
        'observation["stop_sign"], speed)', 'observation["stop_sign"], speed_mps=speed)'
    )
    changed = changed.replace('observation["pedestrians"], ego)', 'observation["pedestrians"], ego=ego)')
    changed = changed.replace('route["speed_limit_mps"], ego', 'route["speed_limit_mps"] * 1.0, ego')
    changed = changed.replace('speed = ego["speed_mps"]\n', 'speed = float(ego["speed_mps"])\n')
    for edit in (
        lambda s: with_steer_lookahead(s, 0.35, 2.4, 10.5),
        without_red_lights,
        without_stop_signs,
        without_pedestrians,
        lambda s: with_cruise_fraction(s, 0.6),
        with_yaw_rate_weave,
    ):
        edit(BASELINE_POLICY_SOURCE)
        with pytest.raises(ValueError, match="exactly one"):
            edit(changed)


def test_unknown_variant_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="yaw_rate_weave"):
        variant_source("no such variant")


def test_a_variant_of_another_source_edits_that_source() -> None:
    other = "# another copy\n" + BASELINE_POLICY_SOURCE
    assert variant_source("slow_cruise", other).startswith("# another copy\n")
    assert math.isclose(SLOW_CRUISE_FRACTION, 0.6)
