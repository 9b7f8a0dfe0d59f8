"""Results file: leaderboard layout, atomic writes, resume round trip and clear errors."""

from __future__ import annotations

import json

import pytest
from scoring_helpers import event

from leaderboard_adapter.scoring import (
    LABELS,
    EntryStatus,
    InfractionType,
    ResultsFile,
    ResultsFileError,
    RouteEnding,
    build_route_record,
    route_id_for,
)
from leaderboard_adapter.scoring import results_file as results_file_module

ROUTE_IDS = [route_id_for(r, 0) for r in (3, 7, 11)]


def record(index, rc=100, ending=RouteEnding.COMPLETED, events=()):
    return build_route_record(
        index=index,
        route_id=ROUTE_IDS[index],
        events=list(events),
        route_completion=rc,
        ending=ending,
        route_length_m=1000.0,
        duration_game_s=30.0,
        duration_system_s=45.0,
    )


def read(path):
    return json.loads(path.read_text())


def test_new_file_layout(tmp_path):
    path = tmp_path / "results.json"
    ResultsFile.create(path, total_routes=3)
    text = path.read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=4)  # the leaderboard's indent, no trailing newline
    assert list(data) == ["_checkpoint", "entry_status", "eligible", "sensors", "values", "labels"]
    assert data["_checkpoint"] == {"global_record": {}, "progress": [0, 3], "records": []}
    assert list(data["_checkpoint"]) == ["global_record", "progress", "records"]
    assert (data["entry_status"], data["eligible"]) == ("Started", False)
    assert (data["sensors"], data["values"], data["labels"]) == ([], [], [])


def test_create_refuses_to_replace_an_existing_file(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("precious")
    with pytest.raises(ResultsFileError, match="already exists"):
        ResultsFile.create(path, 3)
    assert path.read_text() == "precious"
    ResultsFile.create(path, 3, overwrite=True)
    assert read(path)["_checkpoint"]["progress"] == [0, 3]


def test_each_record_is_written_at_once(tmp_path):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 3)
    results.set_sensors(["carla_camera", "carla_gnss"])
    results.add_record(record(0))
    data = read(path)
    assert data["_checkpoint"]["progress"] == [1, 3]
    assert data["_checkpoint"]["records"] == [record(0).to_json()]
    assert data["sensors"] == ["carla_camera", "carla_gnss"]


def test_resume_round_trip_then_finish(tmp_path):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 3)
    results.set_sensors(["carla_camera"])
    first = record(0)
    second = record(
        1, rc=40.0, ending=RouteEnding.BLOCKED, events=[event(InfractionType.VEHICLE_BLOCKED, "stuck")]
    )
    results.add_record(first)
    results.add_record(second)

    resumed = ResultsFile.resume(path, ROUTE_IDS)
    assert resumed.progress == (2, 3)
    assert resumed.resume_index == 2
    assert resumed.done_indices == {0, 1}
    assert resumed.records == (first, second)
    assert resumed.records[1].status == "Failed - Agent got blocked"
    assert read(path)["_checkpoint"]["records"][1] == second.to_json()  # opening writes nothing

    resumed.set_sensors(["carla_camera"])
    resumed.add_record(record(2))
    global_record = resumed.finalise()
    data = read(path)
    assert data["_checkpoint"]["progress"] == [3, 3]
    assert [r["route_id"] for r in data["_checkpoint"]["records"]] == ROUTE_IDS
    assert (data["entry_status"], data["eligible"]) == ("Finished", True)
    assert data["labels"] == list(LABELS)
    assert data["values"][1] == "80.0"  # RC (100 + 40 + 100) / 3
    assert data["_checkpoint"]["global_record"] == global_record.to_json()
    assert resumed.invalid_reason is None


def test_resume_after_a_crash_repeats_the_crashed_route(tmp_path):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 3)
    results.add_record(record(0))
    crashed = record(1, rc=12.0, ending=RouteEnding.SIMULATION_CRASHED)
    results.add_record(crashed, entry_status=RouteEnding.SIMULATION_CRASHED.entry_status)
    assert read(path)["entry_status"] == "Crashed"

    resumed = ResultsFile.resume(path, ROUTE_IDS)
    assert resumed.resume_index == 1
    assert resumed.done_indices == {0}
    assert resumed.entry_status is EntryStatus.STARTED  # a resumed run starts over as 'Started'
    resumed.add_record(record(1))  # the re-run replaces the crashed record
    assert [r.status for r in resumed.records] == ["Perfect", "Perfect"]


def test_progress_ahead_of_records_goes_back_like_the_leaderboard(tmp_path):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 3)
    results.add_record(record(0))
    results.add_record(record(1))
    data = read(path)
    data["_checkpoint"]["progress"] = [3, 3]
    path.write_text(json.dumps(data, indent=4))
    assert ResultsFile.resume(path, ROUTE_IDS).resume_index == 1  # last stored record - 1


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"_checkpoint": {"global_record": {}, "progress": [1, 3], "rec', "is not valid JSON"),
        ("", "is empty"),
        ("[1, 2]", "top level is a list"),
        ('{"_checkpoint": {}}', "missing top-level keys"),
    ],
)
def test_corrupt_file_is_a_clear_error_and_is_left_alone(tmp_path, content, problem):
    path = tmp_path / "results.json"
    path.write_text(content)
    with pytest.raises(ResultsFileError, match=problem) as caught:
        ResultsFile.resume(path, ROUTE_IDS)
    assert str(path) in str(caught.value)
    assert path.read_text() == content


def test_resume_mismatches(tmp_path):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 3)
    results.add_record(record(0))
    with pytest.raises(ResultsFileError, match="written for 3 routes, but this run has 2"):
        ResultsFile.resume(path, ROUTE_IDS[:2])
    with pytest.raises(ResultsFileError, match="record 0 is 'RouteScenario_3_rep0'.*'RouteScenario_9_rep0'"):
        ResultsFile.resume(path, ["RouteScenario_9_rep0", *ROUTE_IDS[1:]])
    with pytest.raises(ResultsFileError, match="does not exist"):
        ResultsFile.resume(tmp_path / "missing.json", ROUTE_IDS)

    data = read(path)
    data["_checkpoint"]["records"][0]["scores"].pop("score_penalty")
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsFileError, match=r"records\[0\]\.scores: missing keys \['score_penalty'\]"):
        ResultsFile.resume(path, ROUTE_IDS)

    data = read(path)
    data["entry_status"] = "Invalid"
    data["_checkpoint"]["records"][0]["scores"]["score_penalty"] = 1.0
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsFileError, match="'Invalid'"):
        ResultsFile.resume(path, ROUTE_IDS)


def test_interrupted_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 3)
    results.add_record(record(0))
    before = path.read_text()

    def half_then_interrupt(data, handle, **kwargs):
        handle.write('{"_checkpoint": {"glo')
        raise KeyboardInterrupt

    monkeypatch.setattr(results_file_module.json, "dump", half_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        results.add_record(record(1))
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no temporary file left


def test_add_record_rejects_gaps(tmp_path):
    results = ResultsFile.create(tmp_path / "results.json", 3)
    with pytest.raises(ValueError, match="leaves a gap"):
        results.add_record(record(1))


def test_finalise_marks_incomplete_data_invalid(tmp_path):
    path = tmp_path / "results.json"
    results = ResultsFile.create(path, 3)
    results.add_record(record(0))
    results.finalise(sensors_initialized=False)
    assert results.invalid_reason == "'progress' data doesn't match its expected value"
    assert (read(path)["entry_status"], read(path)["eligible"]) == ("Invalid", False)

    other = ResultsFile.create(tmp_path / "other.json", 1)
    other.add_record(record(0))
    other.finalise(sensors_initialized=True)
    assert other.invalid_reason == "Missing 'sensors' data"
