"""Route records: statuses, scores, message lists and JSON layout as the leaderboard 2.x writes them."""

from __future__ import annotations

import pytest
from scoring_helpers import event, outside_lanes

from leaderboard_adapter.scoring import (
    INFRACTION_KEYS,
    LEADERBOARD_1_0,
    LEADERBOARD_2_0,
    LEADERBOARD_2_1,
    InfractionType,
    RouteEnding,
    RouteRecord,
    build_route_record,
    route_id_for,
)

T = InfractionType
EXAMPLE = [
    event(T.COLLISION_VEHICLE, "hit car"),
    event(T.TRAFFIC_LIGHT_INFRACTION, "ran red"),
    outside_lanes(120.0, 20.0),
]


def build(events=(), rc=100, ending=RouteEnding.COMPLETED, penalties=LEADERBOARD_2_1, index=0):
    return build_route_record(
        index=index,
        route_id=route_id_for(3, 0),
        events=events,
        route_completion=rc,
        ending=ending,
        route_length_m=1234.56789,
        duration_game_s=61.23456,
        duration_system_s=99.99951,
        penalties=penalties,
    )


def test_route_id_form():
    assert route_id_for(3, 0) == "RouteScenario_3_rep0"
    assert route_id_for("27", 2) == "RouteScenario_27_rep2"
    with pytest.raises(ValueError):
        route_id_for(3, -1)


def test_example_additive_scores_by_hand():
    # RC 60; IP = 0.8 / (1 + 0.7 + 0.4) = 0.380952380...; DS = 60 * IP = 22.857142857...
    record = build(EXAMPLE, rc=60.0, ending=RouteEnding.ROUTE_TIMEOUT)
    assert record.scores.score_route == 60.0
    assert record.scores.score_penalty == 0.380952
    assert record.scores.score_composed == 22.857143  # rounded from the unrounded IP, to 6 digits


def test_example_multiplicative_scores_by_hand():
    # RC 60; IP = 0.6 * 0.7 * 0.8 = 0.336; DS = 60 * 0.336 = 20.16
    record = build(EXAMPLE, rc=60.0, ending=RouteEnding.ROUTE_TIMEOUT, penalties=LEADERBOARD_2_0)
    assert record.scores.score_penalty == 0.336
    assert record.scores.score_composed == 20.16


def test_messages_and_counts():
    record = build(EXAMPLE, rc=60.0, ending=RouteEnding.ROUTE_TIMEOUT)
    assert tuple(record.infractions) == INFRACTION_KEYS
    assert record.infractions["collisions_vehicle"] == ("hit car",)
    assert record.infractions["red_light"] == ("ran red",)
    assert record.infractions["outside_route_lanes"][0].startswith(
        "Agent went outside its route lanes for about 120.0"
    )
    assert record.infractions["route_timeout"] == ("Route timeout.",)
    assert record.num_infractions == 4  # 3 events + the timeout
    assert record.status == "Failed - Agent timed out"


def test_meta_rounded_to_3_digits():
    record = build()
    assert record.meta.to_json() == {
        "route_length": 1234.568,
        "duration_game": 61.235,
        "duration_system": 100.0,
    }


@pytest.mark.parametrize(
    ("events", "rc", "ending", "status"),
    [
        ([], 100, RouteEnding.COMPLETED, "Perfect"),
        ([event(T.STOP_INFRACTION)], 100, RouteEnding.COMPLETED, "Completed"),
        ([], 42.5, RouteEnding.COMPLETED, "Failed"),
        ([event(T.ROUTE_DEVIATION)], 30.0, RouteEnding.DEVIATED, "Failed - Agent deviated from the route"),
        ([event(T.VEHICLE_BLOCKED)], 30.0, RouteEnding.BLOCKED, "Failed - Agent got blocked"),
        ([], 30.0, RouteEnding.ROUTE_TIMEOUT, "Failed - Agent timed out"),
        ([event(T.ROUTE_TIMEOUT)], 30.0, RouteEnding.COMPLETED, "Failed - Agent timed out"),
        ([], 30.0, RouteEnding.AGENT_CRASHED, "Failed - Agent crashed"),
        ([], 0, RouteEnding.AGENT_SETUP_FAILED, "Failed - Agent couldn't be set up"),
        ([], 0, RouteEnding.SENSORS_INVALID, "Failed - Agent's sensors were invalid"),
        ([], 0, RouteEnding.SIMULATION_CRASHED, "Failed - Simulation crashed"),
        # A route that reached its end counts as completed whatever stopped it afterwards.
        ([], 100, RouteEnding.AGENT_CRASHED, "Perfect"),
    ],
)
def test_statuses(events, rc, ending, status):
    assert build(events, rc=rc, ending=ending).status == status


def test_failure_precedence_follows_the_leaderboard():
    # Timeout overrides the evaluator's failure; deviation/blocked override the timeout;
    # blocked (a later criterion) overrides deviation whatever the given order.
    assert build([], 10.0, RouteEnding.ROUTE_TIMEOUT).status.endswith("timed out")
    assert build([event(T.ROUTE_DEVIATION)], 10.0, RouteEnding.ROUTE_TIMEOUT).status.endswith(
        "deviated from the route"
    )
    both = [event(T.VEHICLE_BLOCKED, frame=5), event(T.ROUTE_DEVIATION, frame=9)]
    assert build(both, 10.0, RouteEnding.DEVIATED).status == "Failed - Agent got blocked"


def test_timeout_recorded_once_even_when_given_twice():
    record = build([event(T.ROUTE_TIMEOUT)], 10.0, RouteEnding.ROUTE_TIMEOUT)
    assert record.infractions["route_timeout"] == ("Route timeout.",)
    assert record.num_infractions == 1


def test_route_completion_is_kept_for_deviation_and_blocked():
    record = build([event(T.ROUTE_DEVIATION)], 37.25, RouteEnding.DEVIATED)
    assert record.scores.score_route == 37.25
    assert record.scores.score_penalty == 1.0
    assert record.scores.score_composed == 37.25


def test_int_completion_written_as_int():
    # The leaderboard's criterion sets the int 100 on success; the file then shows 100, not 100.0.
    assert build(rc=100).to_json()["scores"] == {
        "score_route": 100,
        "score_penalty": 1.0,
        "score_composed": 100.0,
    }
    assert isinstance(build(rc=100).to_json()["scores"]["score_route"], int)


def test_inconsistent_inputs_are_errors():
    with pytest.raises(ValueError, match="DEVIATED but no ROUTE_DEVIATION"):
        build([], 10.0, RouteEnding.DEVIATED)
    with pytest.raises(ValueError, match="BLOCKED but no VEHICLE_BLOCKED"):
        build([], 10.0, RouteEnding.BLOCKED)
    with pytest.raises(ValueError, match="within \\[0, 100\\]"):
        build([], 100.5)
    with pytest.raises(ValueError, match="has no MIN_SPEED_INFRACTION criterion"):
        build([event(T.MIN_SPEED_INFRACTION, percentage=20.0)], penalties=LEADERBOARD_1_0)


def test_json_layout_and_round_trip():
    record = build(EXAMPLE, rc=60.0, ending=RouteEnding.ROUTE_TIMEOUT, index=2)
    data = record.to_json()
    assert list(data) == ["index", "route_id", "status", "num_infractions", "infractions", "scores", "meta"]
    assert list(data["infractions"]) == [
        "collisions_layout",
        "collisions_pedestrian",
        "collisions_vehicle",
        "red_light",
        "stop_infraction",
        "outside_route_lanes",
        "min_speed_infractions",
        "yield_emergency_vehicle_infractions",
        "scenario_timeouts",
        "route_dev",
        "vehicle_blocked",
        "route_timeout",
    ]
    assert list(data["scores"]) == ["score_route", "score_penalty", "score_composed"]
    assert list(data["meta"]) == ["route_length", "duration_game", "duration_system"]
    assert data["index"] == 2 and data["route_id"] == "RouteScenario_3_rep0"
    assert RouteRecord.from_json(data) == record


def test_from_json_names_the_problem():
    data = build().to_json()
    del data["infractions"]["route_timeout"]
    with pytest.raises(ValueError, match=r"records\[4\]\.infractions: missing keys \['route_timeout'\]"):
        RouteRecord.from_json(data, where="records[4]")
    data = build().to_json()
    data["num_infractions"] = 3
    with pytest.raises(ValueError, match="num_infractions is 3 but the infraction lists hold 0"):
        RouteRecord.from_json(data)
    data = build().to_json()
    data["scores"]["score_route"] = "100"
    with pytest.raises(ValueError, match="scores.score_route: expected a number"):
        RouteRecord.from_json(data)
