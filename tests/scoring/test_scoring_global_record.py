"""Global record: means, standard deviations, infractions per km, status, values and labels."""

from __future__ import annotations

import math

import pytest
from scoring_helpers import event, outside_lanes

from leaderboard_adapter.scoring import (
    LABELS,
    EntryStatus,
    InfractionType,
    RouteEnding,
    build_route_record,
    compute_global_record,
    entry_status_for,
    route_id_for,
)

T = InfractionType


def route(index, events, rc, ending, length_m):
    return build_route_record(
        index=index,
        route_id=route_id_for(index, 0),
        events=events,
        route_completion=rc,
        ending=ending,
        route_length_m=length_m,
        duration_game_s=10.0 * (index + 1),
        duration_system_s=20.0 * (index + 1),
    )


@pytest.fixture
def three_routes():
    return [
        # DS 100: perfect, 1000 m.
        route(0, [], 100, RouteEnding.COMPLETED, 1000.0),
        # RC 60, IP 0.8 / 2.1 = 0.380952, DS 22.857143, 2000 m, 120 m outside lanes, timed out.
        route(
            1,
            [event(T.COLLISION_VEHICLE), event(T.TRAFFIC_LIGHT_INFRACTION), outside_lanes(120.0, 20.0)],
            60.0,
            RouteEnding.ROUTE_TIMEOUT,
            2000.0,
        ),
        # RC 50, IP 1 / (1 + 1.0) = 0.5, DS 25, 500 m, deviated.
        route(
            2, [event(T.COLLISION_PEDESTRIAN), event(T.ROUTE_DEVIATION)], 50.0, RouteEnding.DEVIATED, 500.0
        ),
    ]


def test_means(three_routes):
    record = compute_global_record(three_routes, total_routes=3)
    assert three_routes[1].scores.score_composed == 22.857143
    # DS: (100 + 22.857143 + 25) / 3 = 49.2857143; RC: (100 + 60 + 50) / 3 = 70; IP: (1 + 0.380952 + 0.5) / 3 = 0.626984
    assert record.scores_mean == {"score_composed": 49.285714, "score_route": 70.0, "score_penalty": 0.626984}
    assert (record.driving_score, record.route_completion, record.infraction_penalty) == (
        49.285714,
        70.0,
        0.626984,
    )


def test_means_divide_by_the_run_total_not_the_records(three_routes):
    # Two records of a 4-route run: RC mean = (100 + 60) / 4 = 40.
    assert compute_global_record(three_routes[:2], total_routes=4).route_completion == 40.0


def test_std_dev_around_the_rounded_mean(three_routes):
    record = compute_global_record(three_routes, total_routes=3)
    ds = [100.0, 22.857143, 25.0]
    expected = round(math.sqrt(sum((x - 49.285714) ** 2 for x in ds) / 2), 3)
    assert record.scores_std_dev["score_composed"] == expected == 43.933
    assert compute_global_record(three_routes[:1], total_routes=1).scores_std_dev == {
        "score_composed": 0,
        "score_route": 0,
        "score_penalty": 0,
    }


def test_infractions_per_km(three_routes):
    record = compute_global_record(three_routes, total_routes=3)
    # km driven = 1.0 * 100% + 2.0 * 60% + 0.5 * 50% = 1.0 + 1.2 + 0.25 = 2.45 km; 1 / 2.45 = 0.408
    for key in ("collisions_vehicle", "red_light", "collisions_pedestrian", "route_timeout", "route_dev"):
        assert record.infractions[key] == 0.408, key
    assert record.infractions["vehicle_blocked"] == 0.0
    # Outside lanes: km driven outside (120 m), not a rate.
    assert record.infractions["outside_route_lanes"] == 0.12


def test_zero_km_driven_floors_at_one_metre():
    crashed_at_start = route(0, [event(T.COLLISION_STATIC)], 0.0, RouteEnding.AGENT_CRASHED, 800.0)
    record = compute_global_record([crashed_at_start], total_routes=1)
    assert record.infractions["collisions_layout"] == 1000.0  # 1 / 0.001 km


def test_status_and_exceptions(three_routes):
    record = compute_global_record(three_routes, total_routes=3)
    assert record.status == "Failed"
    assert record.exceptions == (
        ("RouteScenario_1_rep0", 1, "Failed - Agent timed out"),
        ("RouteScenario_2_rep0", 2, "Failed - Agent deviated from the route"),
    )
    perfect_then_completed = [
        route(0, [], 100, RouteEnding.COMPLETED, 100.0),
        route(1, [event(T.STOP_INFRACTION)], 100, RouteEnding.COMPLETED, 100.0),
        route(2, [], 100, RouteEnding.COMPLETED, 100.0),
    ]
    assert compute_global_record(perfect_then_completed, 3).status == "Completed"
    assert compute_global_record(perfect_then_completed[:1], 1).status == "Perfect"


def test_meta_sums(three_routes):
    data = compute_global_record(three_routes, total_routes=3).to_json()
    assert data["meta"] == {
        "total_length": 3500.0,
        "duration_game": 60.0,
        "duration_system": 120.0,
        "exceptions": [
            ["RouteScenario_1_rep0", 1, "Failed - Agent timed out"],
            ["RouteScenario_2_rep0", 2, "Failed - Agent deviated from the route"],
        ],
    }
    assert list(data) == [
        "index",
        "route_id",
        "status",
        "infractions",
        "scores_mean",
        "scores_std_dev",
        "meta",
    ]
    assert (data["index"], data["route_id"]) == (-1, -1)
    assert list(data["scores_mean"]) == ["score_composed", "score_route", "score_penalty"]


def test_values_follow_labels(three_routes):
    record = compute_global_record(three_routes, total_routes=3)
    assert LABELS == (
        "Avg. driving score",
        "Avg. route completion",
        "Avg. infraction penalty",
        "Collisions with pedestrians",
        "Collisions with vehicles",
        "Collisions with layout",
        "Red lights infractions",
        "Stop sign infractions",
        "Off-road infractions",
        "Route deviations",
        "Route timeouts",
        "Agent blocked",
        "Yield emergency vehicles infractions",
        "Scenario timeouts",
        "Min speed infractions",
    )
    assert record.values() == [
        "49.285714", "70.0", "0.626984",
        "0.408", "0.408", "0.0", "0.408", "0.0", "0.12", "0.408", "0.408", "0.0", "0.0", "0.0", "0.0",
    ]  # fmt: skip
    assert record.summary()[0] == ("Avg. driving score", "49.285714")
    assert record.summary()[8] == ("Off-road infractions", "0.12")


def test_entry_status(three_routes):
    assert entry_status_for(three_routes) is EntryStatus.FINISHED
    crashed = route(3, [], 0, RouteEnding.SIMULATION_CRASHED, 100.0)
    rejected = route(3, [], 0, RouteEnding.SENSORS_INVALID, 100.0)
    assert entry_status_for([*three_routes, crashed]) is EntryStatus.CRASHED
    assert entry_status_for([*three_routes, rejected]) is EntryStatus.REJECTED
    assert (
        EntryStatus.FINISHED.eligible
        and not EntryStatus.CRASHED.eligible
        and not EntryStatus.STARTED.eligible
    )


def test_bad_inputs():
    with pytest.raises(ValueError, match="total_routes must be an int >= 1"):
        compute_global_record([], total_routes=0)
    with pytest.raises(ValueError, match="2 records for a run of 1 routes"):
        compute_global_record([route(0, [], 100, RouteEnding.COMPLETED, 1.0)] * 2, total_routes=1)
