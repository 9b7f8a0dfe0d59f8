"""Penalty schemes against hand-computed infraction penalties."""

from __future__ import annotations

import pytest
from scoring_helpers import event, outside_lanes

from leaderboard_adapter.scoring import (
    LEADERBOARD_1_0,
    LEADERBOARD_2_0,
    LEADERBOARD_2_1,
    InfractionType,
    PenaltyScheme,
    PenaltyTable,
    scheme_for_version,
    table_for_scheme,
)

T = InfractionType

# One vehicle collision, one red light, 20 % of the route outside its lanes.
EXAMPLE = [event(T.COLLISION_VEHICLE), event(T.TRAFFIC_LIGHT_INFRACTION), outside_lanes(120.0, 20.0)]


def test_multiplicative_example_by_hand():
    # 2.0: IP = 0.6 (vehicle) * 0.7 (red light) * (1 - 20/100) = 0.42 * 0.8 = 0.336
    assert LEADERBOARD_2_0.infraction_penalty(EXAMPLE) == pytest.approx(0.336, abs=1e-12)


def test_additive_example_by_hand():
    # 2.1: S = 0.7 + 0.4 = 1.1; IP = (1 - 0.2) / (1 + 1.1) = 0.8 / 2.1 = 0.38095238...
    assert LEADERBOARD_2_1.infraction_penalty(EXAMPLE) == pytest.approx(0.8 / 2.1, abs=1e-12)


@pytest.mark.parametrize(
    ("kind", "factor_2_0", "value_2_1"),
    [
        (T.COLLISION_PEDESTRIAN, 0.5, 1.0),
        (T.COLLISION_VEHICLE, 0.6, 0.7),
        (T.COLLISION_STATIC, 0.65, 0.6),
        (T.TRAFFIC_LIGHT_INFRACTION, 0.7, 0.4),
        (T.STOP_INFRACTION, 0.8, 0.25),
        (T.SCENARIO_TIMEOUT, 0.7, 0.4),
        (T.YIELD_TO_EMERGENCY_VEHICLE, 0.7, 0.4),
    ],
)
def test_single_event_tables(kind, factor_2_0, value_2_1):
    assert LEADERBOARD_2_0.infraction_penalty([event(kind)]) == pytest.approx(factor_2_0)
    assert LEADERBOARD_2_1.infraction_penalty([event(kind)]) == pytest.approx(1 / (1 + value_2_1))
    # Two events: multiplicative squares the factor, additive doubles the sum.
    assert LEADERBOARD_2_0.infraction_penalty([event(kind)] * 2) == pytest.approx(factor_2_0**2)
    assert LEADERBOARD_2_1.infraction_penalty([event(kind)] * 2) == pytest.approx(1 / (1 + 2 * value_2_1))


def test_min_speed_both_schemes():
    slow = event(T.MIN_SPEED_INFRACTION, percentage=50.0)
    # 2.0: 1 - (1 - 0.7) * (1 - 0.5) = 1 - 0.15 = 0.85
    assert LEADERBOARD_2_0.infraction_penalty([slow]) == pytest.approx(0.85)
    # 2.1: S = 0.4 * (1 - 0.5) = 0.2; IP = 1 / 1.2
    assert LEADERBOARD_2_1.infraction_penalty([slow]) == pytest.approx(1 / 1.2)
    # At 100 % of the traffic's speed a min-speed event costs nothing in either scheme.
    full = event(T.MIN_SPEED_INFRACTION, percentage=100.0)
    assert LEADERBOARD_2_0.infraction_penalty([full]) == 1.0
    assert LEADERBOARD_2_1.infraction_penalty([full]) == 1.0


def test_outside_lanes_multiplies_in_every_version():
    for table in (LEADERBOARD_1_0, LEADERBOARD_2_0, LEADERBOARD_2_1):
        assert table.infraction_penalty([outside_lanes(10.0, 35.0)]) == pytest.approx(0.65)


def test_route_ending_kinds_cost_nothing():
    endings = [event(T.ROUTE_DEVIATION), event(T.VEHICLE_BLOCKED), event(T.ROUTE_TIMEOUT)]
    assert LEADERBOARD_2_0.infraction_penalty(endings) == 1.0
    assert LEADERBOARD_2_1.infraction_penalty(endings) == 1.0


def test_version_1_0_has_no_min_speed_or_scenario_kinds():
    assert LEADERBOARD_1_0.infraction_penalty([event(T.COLLISION_STATIC)]) == pytest.approx(0.65)
    for kind in (T.MIN_SPEED_INFRACTION, T.SCENARIO_TIMEOUT, T.YIELD_TO_EMERGENCY_VEHICLE):
        with pytest.raises(ValueError, match="leaderboard 1.0 has no penalty"):
            LEADERBOARD_1_0.infraction_penalty([event(kind, percentage=10.0)])


def test_percentage_kind_without_percentage_is_an_error():
    bare = event(T.OUTSIDE_ROUTE_LANES_INFRACTION, "went outside")
    with pytest.raises(ValueError, match="lacks details\\['percentage'\\]"):
        LEADERBOARD_2_1.infraction_penalty([bare])


def test_version_lookup():
    assert scheme_for_version("1.0") is LEADERBOARD_1_0
    assert scheme_for_version("2.0") is LEADERBOARD_2_0
    assert scheme_for_version("leaderboard-2.1") is LEADERBOARD_2_1
    assert scheme_for_version("master") is LEADERBOARD_2_0  # master's statistics manager scores as 2.0
    assert scheme_for_version("2.1").scheme is PenaltyScheme.ADDITIVE
    assert scheme_for_version("1.0").scheme is PenaltyScheme.MULTIPLICATIVE
    assert table_for_scheme(PenaltyScheme.ADDITIVE) is LEADERBOARD_2_1
    assert table_for_scheme(PenaltyScheme.MULTIPLICATIVE) is LEADERBOARD_2_0
    with pytest.raises(ValueError, match="unknown leaderboard version '3.0'"):
        scheme_for_version("3.0")


def test_table_validation_and_immutability():
    with pytest.raises(ValueError, match="not a constant-penalty kind"):
        PenaltyTable("bad", PenaltyScheme.ADDITIVE, {T.ROUTE_DEVIATION: 0.5})
    with pytest.raises(ValueError, match="finite and >= 0"):
        PenaltyTable("bad", PenaltyScheme.ADDITIVE, {T.COLLISION_VEHICLE: -1.0})
    with pytest.raises(TypeError):
        LEADERBOARD_2_1.values[T.COLLISION_VEHICLE] = 0.0  # type: ignore[index]
