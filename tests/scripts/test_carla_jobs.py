"""CARLA-mode route runs (run_job, run_jobs) and their settings, against TEST DOUBLES of CarlaUE4.sh and of the
leaderboard evaluator (tests/scripts/scripts_helpers.py): a crashed server is restarted on new ports and the
route resumed, restarts are bounded, a hanging evaluator is stopped, nothing is left running; bad settings are
named before any server starts."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from scripts_helpers import (
    CarlaDoubles,
    assert_no_process_left,
    make_carla_doubles,
    results_json,
    start_fake_server,
    unused_port,
)

from leaderboard_adapter.carla_mode import (
    CarlaModeSettings,
    CarlaServer,
    JobFailed,
    LeaderboardJob,
    run_job,
    run_jobs,
)
from leaderboard_adapter.errors import AdapterError

AGENT = Path(__file__).resolve().parents[2] / "agents" / "langprop_agent.py"


def _settings(doubles: CarlaDoubles, monkeypatch: pytest.MonkeyPatch, **env: str) -> CarlaModeSettings:
    """The settings the doubles' environment gives; that environment is also this process's (the evaluator's)."""
    environment = doubles.env(**env)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = CarlaModeSettings.from_env(environment)
    assert settings is not None
    return settings


def _job(doubles: CarlaDoubles, tmp_path: Path, name: str = "job", seed: int = 0) -> LeaderboardJob:
    config = tmp_path / f"{name}_agent.json"
    config.write_text('{"policy": "baseline"}')
    return LeaderboardJob(name, tmp_path / "results" / f"{name}.json", AGENT, str(config), doubles.routes, seed=seed)


def _flag(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_a_crashed_server_is_restarted_on_new_ports_and_the_route_resumed(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    doubles = make_carla_doubles(tmp_path, routes=4)
    settings = _settings(doubles, monkeypatch, FAKE_CARLA_CRASH_PLAN="2")  # the first server dies at route 3
    job = _job(doubles, tmp_path)
    with CarlaServer(replace(settings.server, log_dir=tmp_path / "logs")) as server:
        status = run_job(job, server, settings, tmp_path / "logs")
    assert status.complete and status.text.startswith("complete 4/4")
    first, second = doubles.server_starts()
    assert first["port"] != second["port"]
    calls = doubles.evaluator_calls()
    assert [call["resume"] for call in calls] == [False, True]
    assert [_flag(call["argv"], "--port") for call in calls] == [str(first["port"]), str(second["port"])]
    assert _flag(calls[1]["argv"], "--track") == "MAP" and "--traffic-manager-port" in calls[1]["argv"]
    records = results_json(job.results)["_checkpoint"]["records"]
    assert [record["status"] for record in records] == ["Completed"] * 4  # the crashed route ran again
    assert (tmp_path / "logs" / "evaluator_job_attempt2.log").is_file()
    assert_no_process_left(doubles)


def test_restarts_are_bounded_and_the_failure_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doubles = make_carla_doubles(tmp_path, routes=3)
    settings = _settings(doubles, monkeypatch, FAKE_CARLA_CRASH_PLAN="0,0,0,0", CARLA_MAX_RESTARTS="2")
    with pytest.raises(JobFailed) as failed:
        run_jobs([_job(doubles, tmp_path)], settings, tmp_path / "logs")
    message = str(failed.value)
    assert "giving up after 2 restarts" in message and "the evaluator exited with 255" in message
    assert "results crashed 1/3" in message
    assert len(doubles.server_starts()) == 3 and len(doubles.evaluator_calls()) == 3
    assert_no_process_left(doubles)


def test_an_evaluator_hanging_on_a_dead_server_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    doubles = make_carla_doubles(tmp_path, routes=2)
    settings = _settings(doubles, monkeypatch, FAKE_CARLA_CRASH_PLAN="1", FAKE_LB_HANG_ON_CRASH="1")
    caplog.set_level("INFO")
    run_jobs([_job(doubles, tmp_path)], settings, tmp_path / "logs")
    assert "its CARLA server had died 1 s earlier" in caplog.text
    assert "restarting CARLA and resuming (restart 1 of 5)" in caplog.text
    assert len(doubles.server_starts()) == 2
    assert_no_process_left(doubles)


def test_a_server_that_never_listens_counts_as_a_failed_attempt(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    doubles = make_carla_doubles(tmp_path)
    settings = _settings(doubles, monkeypatch, FAKE_CARLA_NO_LISTEN="1", CARLA_START_TIMEOUT_S="0.5",
                         CARLA_MAX_RESTARTS="1")  # fmt: skip
    with pytest.raises(JobFailed, match=r"did not accept connections on port \d+ within 0.5 s"):
        run_jobs([_job(doubles, tmp_path)], settings, tmp_path / "logs")
    assert len(doubles.server_starts()) == 2 and doubles.evaluator_calls() == []
    assert_no_process_left(doubles)


def test_jobs_share_servers_round_robin_with_gpus_in_turn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doubles = make_carla_doubles(tmp_path, routes=2)
    settings = _settings(doubles, monkeypatch, CARLA_GPUS="0,1")
    jobs = [_job(doubles, tmp_path, f"seed{seed}", seed) for seed in range(3)]
    run_jobs(jobs, settings, tmp_path / "logs", servers=2)
    assert all(results_json(job.results)["_checkpoint"]["progress"] == [2, 2] for job in jobs)
    starts = doubles.server_starts()
    assert len(starts) == 2  # worker 0 ran seeds 0 and 2 on one server
    assert sorted(arg for start in starts for arg in start["argv"] if arg.startswith("-graphicsadapter")) == [
        "-graphicsadapter=0", "-graphicsadapter=1"]  # fmt: skip
    calls = doubles.evaluator_calls()
    assert sorted(_flag(call["argv"], "--traffic-manager-seed") for call in calls) == ["0", "1", "2"]
    ports = {_flag(call["argv"], "--traffic-manager-seed"): _flag(call["argv"], "--port") for call in calls}
    assert ports["0"] == ports["2"] != ports["1"]
    assert_no_process_left(doubles)


def test_leaderboard_1_0_gets_its_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doubles = make_carla_doubles(tmp_path, routes=1, leaderboard_version="1.0")
    scenarios = tmp_path / "scenarios.json"
    scenarios.write_text("{}")
    settings = _settings(doubles, monkeypatch, LEADERBOARD_VERSION="1.0", LEADERBOARD_SCENARIOS=str(scenarios))
    run_jobs([_job(doubles, tmp_path)], settings, tmp_path / "logs")
    (call,) = doubles.evaluator_calls()
    assert "--trafficManagerPort" in call["argv"] and "--traffic-manager-port" not in call["argv"]
    assert _flag(call["argv"], "--scenarios") == str(scenarios)


def test_an_external_server_is_used_and_not_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doubles = make_carla_doubles(tmp_path, routes=2)
    port = unused_port()
    environment = doubles.env(CARLA_HOST="127.0.0.1", CARLA_PORT=str(port),
                              CARLA_PYTHONAPI=str(doubles.carla_root / "PythonAPI"))  # fmt: skip
    del environment["CARLA_ROOT"]
    server = start_fake_server(doubles, port, environment)
    try:
        monkeypatch.setenv("FAKE_STATE", str(doubles.state))
        settings = CarlaModeSettings.from_env(environment)
        assert settings is not None and settings.server.external
        run_jobs([_job(doubles, tmp_path)], settings, tmp_path / "logs")
        (call,) = doubles.evaluator_calls()
        assert _flag(call["argv"], "--port") == str(port)
        assert len(doubles.server_starts()) == 1 and server.poll() is None  # the test's own server, still up
    finally:
        server.kill()
        server.wait()


# ----------------------------------------------------------------------------- settings: clear errors first


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"LEADERBOARD_ROOT": None}, "needs LEADERBOARD_ROOT: set it to your clone of carla-simulator/leaderboard"),
        ({"SCENARIO_RUNNER_ROOT": None}, "needs SCENARIO_RUNNER_ROOT"),
        ({"LEADERBOARD_ROOT": "/no/such/leaderboard"}, "LEADERBOARD_ROOT=/no/such/leaderboard is not a folder"),
        ({"CARLA_ROOT": "/no/such/carla"}, "CARLA_ROOT=/no/such/carla is not a folder"),
        ({"LEADERBOARD_VERSION": "3.0"}, "LEADERBOARD_VERSION must be 1.0, 2.0 or 2.1"),
        ({"LEADERBOARD_VERSION": "1.0"}, "needs LEADERBOARD_SCENARIOS"),
        ({"CARLA_START_TIMEOUT_S": "soon"}, "CARLA_START_TIMEOUT_S must be a number of seconds"),
        ({"CARLA_MAX_RESTARTS": "-1"}, "CARLA_MAX_RESTARTS must be an integer >= 0"),
        ({"CARLA_GPUS": "first"}, "CARLA_GPUS must list GPU indices"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, change: dict[str, str | None], message: str) -> None:
    doubles = make_carla_doubles(tmp_path)
    environment = doubles.env()
    for name, value in change.items():
        if value is None:
            del environment[name]
        else:
            environment[name] = value
    with pytest.raises(AdapterError, match=message.replace(".", r"\.")):
        CarlaModeSettings.from_env(environment)


def test_a_carla_root_without_the_launcher_is_named(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path)
    (doubles.carla_root / "CarlaUE4.sh").unlink()
    with pytest.raises(AdapterError, match="has no CarlaUE4.sh"):
        CarlaModeSettings.from_env(doubles.env())


def test_the_evaluators_python_must_reach_carlas_agents_package(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path)
    shutil.rmtree(doubles.carla_root / "PythonAPI" / "carla" / "agents")
    with pytest.raises(AdapterError, match="cannot import the carla client and CARLA's agents.navigation"):
        CarlaModeSettings.from_env(doubles.env())


def test_no_carla_variables_means_the_embedded_world() -> None:
    environment = {name: value for name, value in os.environ.items() if name not in ("CARLA_ROOT", "CARLA_HOST")}
    assert CarlaModeSettings.from_env(environment) is None
