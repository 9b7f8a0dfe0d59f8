"""Leaderboard 1.0's results file, field by field (leaderboard-1.0 `statistics_manager.py` and
`checkpoint_tools.py`), and resuming it."""

from __future__ import annotations

import json
import math

import pytest
from scoring_helpers import event, outside_lanes

from leaderboard_adapter.scoring import (
    LEADERBOARD_1_0,
    EntryStatus,
    InfractionType,
    ResultsFile,
    ResultsFormat,
    RouteEnding,
    build_route_record,
)
from leaderboard_adapter.scoring.results_v1 import (
    INFRACTION_KEYS_V1,
    LABELS_V1,
    record_from_json_v1,
    record_to_json_v1,
    route_id_v1,
)

V1 = ResultsFormat.V1_0
ROUTE_IDS = [route_id_v1(r) for r in (3, 7)]

LABELS_1_0 = [
    "Avg. driving score", "Avg. route completion", "Avg. infraction penalty", "Collisions with pedestrians",
    "Collisions with vehicles", "Collisions with layout", "Red lights infractions", "Stop sign infractions",
    "Off-road infractions", "Route deviations", "Route timeouts", "Agent blocked",
]
INFRACTIONS_1_0 = {
    "collisions_pedestrian", "collisions_vehicle", "collisions_layout", "red_light", "stop_infraction",
    "outside_route_lanes", "route_dev", "route_timeout", "vehicle_blocked",
}


def record(index, rc=100, ending=RouteEnding.COMPLETED, events=(), length=1000.0):
    return build_route_record(
        index=index,
        route_id=ROUTE_IDS[index],
        events=list(events),
        route_completion=rc,
        ending=ending,
        route_length_m=length,
        duration_game_s=30.0,
        duration_system_s=45.0,
        penalties=LEADERBOARD_1_0,
    )


def test_version_picks_the_format():
    assert ResultsFormat.for_version("1.0") is V1
    assert ResultsFormat.for_version("2.1") is ResultsFormat.V2_X
    assert route_id_v1(3) == "RouteScenario_3"  # every repetition: no '_rep<r>'
    assert list(LABELS_V1) == LABELS_1_0 and set(INFRACTION_KEYS_V1) == INFRACTIONS_1_0


def test_new_1_0_file_is_the_default_message_with_progress(tmp_path):
    path = tmp_path / "results.json"
    ResultsFile.create(path, 2, results_format=V1)
    text = path.read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=4, sort_keys=True)  # checkpoint_tools.save_dict
    assert data == {
        "_checkpoint": {"global_record": {}, "progress": [0, 2], "records": []},
        "entry_status": "",
        "eligible": "",
        "labels": [],
        "sensors": [],
        "values": [],
    }


def test_1_0_records_global_record_values_and_labels(tmp_path):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 2, results_format=V1)
    results.set_sensors(["carla_gnss"])
    clean = record(0)  # "Perfect" in 2.x
    hits = [
        event(InfractionType.COLLISION_VEHICLE, "hit a car", 1),
        event(InfractionType.STOP_INFRACTION, "ran a stop", 2),
        outside_lanes(12.5, 5.0, 3),
        event(InfractionType.ROUTE_DEVIATION, "deviated", 4),
    ]
    failed = record(1, rc=50, ending=RouteEnding.DEVIATED, events=hits, length=2000.0)
    results.add_record(clean)
    data = json.loads(path.read_text())
    assert (data["entry_status"], data["eligible"]) == ("Started", False)
    results.add_record(failed)
    results.finalise()
    text = path.read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=4, sort_keys=True)

    records = data["_checkpoint"]["records"]
    assert set(records[0]) == {"route_id", "index", "status", "infractions", "scores", "meta"}
    assert [r["route_id"] for r in records] == ["RouteScenario_3", "RouteScenario_7"]
    assert [r["index"] for r in records] == [0, 1]
    assert records[0]["status"] == "Completed"  # 1.0 has no "Perfect"
    assert records[1]["status"] == "Failed - Agent deviated from the route"
    for r in records:
        assert set(r["infractions"]) == INFRACTIONS_1_0
        assert set(r["scores"]) == {"score_route", "score_penalty", "score_composed"}
        assert set(r["meta"]) == {"duration_system", "duration_game", "route_length"}
    assert records[1]["infractions"]["stop_infraction"] == ["ran a stop"]
    assert records[1]["meta"]["route_length"] == 2000.0
    penalty = 0.6 * 0.8 * (1 - 5.0 / 100)
    assert records[1]["scores"]["score_penalty"] == pytest.approx(penalty)

    glob = data["_checkpoint"]["global_record"]
    assert set(glob) == {"route_id", "index", "status", "infractions", "scores", "meta", "scores_std_dev"}
    assert (glob["route_id"], glob["index"], glob["status"]) == (-1, -1, "Failed")
    assert "scores_mean" not in glob
    ds = [100.0, 50 * penalty]
    assert glob["scores"]["score_composed"] == pytest.approx(sum(ds) / 2)
    assert glob["scores"]["score_route"] == pytest.approx(75.0)
    mean = sum(ds) / 2
    std = math.sqrt(sum((d - mean) ** 2 for d in ds) / 1)
    assert glob["scores_std_dev"]["score_composed"] == pytest.approx(std)
    # per km, route by route: 1 event over 2 km x 50 % = 1 km; outside lanes counted like the others
    km = 2.0 * 0.5
    for key in ("collisions_vehicle", "stop_infraction", "outside_route_lanes", "route_dev"):
        assert glob["infractions"][key] == pytest.approx(1 / km)
    assert glob["infractions"]["red_light"] == 0
    assert glob["meta"]["total_length"] == 3000.0
    assert glob["meta"]["exceptions"] == [["RouteScenario_7", 1, "Failed - Agent deviated from the route"]]

    assert data["labels"] == LABELS_1_0
    assert len(data["values"]) == 12
    assert data["values"][0] == f"{sum(ds) / 2:.3f}"
    assert data["values"][7] == "1.000"  # stop sign infractions per km
    assert all(len(v.split(".")[1]) == 3 for v in data["values"])
    # 1.0 tests `"Agent" in status`, which "Failed - Agent deviated from the route" also passes
    assert (data["entry_status"], data["eligible"]) == ("Finished with agent errors", True)
    assert data["_checkpoint"]["progress"] == [2, 2]


def test_one_route_std_dev_is_nan_and_agent_errors_stay_eligible(tmp_path):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 1, results_format=V1)
    results.set_sensors(["carla_gnss"])
    results.add_record(record(0, rc=10, ending=RouteEnding.AGENT_CRASHED))
    results.finalise()
    data = json.loads(path.read_text())
    assert data["_checkpoint"]["global_record"]["scores_std_dev"] == dict.fromkeys(
        ("score_route", "score_penalty", "score_composed"), "NaN"
    )
    assert (data["entry_status"], data["eligible"]) == ("Finished with agent errors", True)


def test_a_route_without_completion_adds_no_infractions_per_km(tmp_path):
    results = ResultsFile.create(tmp_path / "r.json", 1, results_format=V1)
    results.add_record(record(0, rc=0, ending=RouteEnding.BLOCKED,
                              events=[event(InfractionType.VEHICLE_BLOCKED, "blocked")]))
    results.finalise(sensors_initialized=False)
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["_checkpoint"]["global_record"]["infractions"]["vehicle_blocked"] == 0


def test_record_round_trip_and_2_x_only_infractions_are_refused():
    rec = record(1, rc=50, ending=RouteEnding.DEVIATED,
                 events=[event(InfractionType.ROUTE_DEVIATION, "deviated"), outside_lanes(3.0, 1.0)])
    back = record_from_json_v1(json.loads(json.dumps(record_to_json_v1(rec))))
    assert back == rec
    with pytest.raises(ValueError, match="no infraction list"):
        record_to_json_v1(build_route_record(
            index=0, route_id="RouteScenario_3", route_completion=100, ending=RouteEnding.COMPLETED,
            events=[event(InfractionType.MIN_SPEED_INFRACTION, "slow", percentage=50.0)],
            route_length_m=10.0, duration_game_s=1.0, duration_system_s=1.0,
        ))


def test_resume_a_1_0_file_then_finish(tmp_path):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 2, results_format=V1)
    results.set_sensors(["carla_gnss"])
    results.add_record(record(0))
    first = json.loads(path.read_text())

    resumed = ResultsFile.resume(path, ROUTE_IDS, V1)
    assert resumed.resume_index == 1 and resumed.records[0].status == "Completed"
    resumed.add_record(record(1))
    resumed.finalise()
    data = json.loads(path.read_text())
    assert data["_checkpoint"]["records"][0] == first["_checkpoint"]["records"][0]
    assert (data["entry_status"], data["_checkpoint"]["progress"]) == ("Finished", [2, 2])


def test_resume_a_1_0_file_that_just_started_and_one_that_crashed(tmp_path):
    path = tmp_path / "results.json"
    ResultsFile.create(path, 2, results_format=V1)
    assert ResultsFile.resume(path, ROUTE_IDS, V1).resume_index == 0
    results = ResultsFile.resume(path, ROUTE_IDS, V1)
    results.add_record(record(0, rc=0, ending=RouteEnding.SIMULATION_CRASHED), entry_status=EntryStatus.CRASHED)
    assert json.loads(path.read_text())["entry_status"] == "Crashed"
    assert ResultsFile.resume(path, ROUTE_IDS, V1).resume_index == 0
