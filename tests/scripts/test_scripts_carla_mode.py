"""CARLA mode of scripts/collect.sh and scripts/evaluate.sh against TEST DOUBLES of CARLA and the leaderboard.

The doubles (tests/scripts/scripts_helpers.py) are a fake CarlaUE4.sh that listens on its RPC port
and crashes on demand, and a fake leaderboard_evaluator.py with the real evaluator's flags that writes
the results checkpoint route by route. What is tested is the scripts' server handling: free ports,
waiting for the port, restarting a crashed server and resuming, giving up, cleaning up.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scripts_helpers import (
    REPO,
    SCRIPTS,
    CarlaDoubles,
    base_env,
    describe,
    make_carla_doubles,
    pid_alive,
    results_json,
    run_script,
    start_fake_server,
    unused_port,
)


def _assert_no_process_left(doubles) -> None:
    pids = doubles.recorded_pids()
    assert pids, "the doubles recorded no process"
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and any(pid_alive(pid) for pid in pids):
        time.sleep(0.05)
    assert [pid for pid in pids if pid_alive(pid)] == []


def _collect(
    doubles, run_dir: Path, *extra: str, env: dict[str, str] | None = None, policy: str | Path = "baseline"
):
    return run_script(
        "collect.sh",
        "--run-dir", run_dir, "--routes", doubles.routes, "--policy", policy, "--beta", "0.25",
        "--collect-only", *extra,
        env=env if env is not None else doubles.env(),
    )  # fmt: skip



def _evaluate_baseline(doubles: CarlaDoubles, tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """scripts/evaluate.sh with the baseline policy over the doubles' routes, results to tmp_path/r.json."""
    return run_script(
        "evaluate.sh", "--policy", "baseline", "--routes", doubles.routes, "--checkpoint", tmp_path / "r.json", env=env
    )

def test_crashed_server_is_restarted_and_the_route_resumed(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=4)
    run_dir = tmp_path / "run"
    policy = tmp_path / "policy.py"
    policy.write_text("def drive(observation):\n    return None\n")
    # the first server dies at its 3rd route request; the second one lives
    result = _collect(doubles, run_dir, env=doubles.env(FAKE_CARLA_CRASH_PLAN="2"), policy=policy)
    assert result.returncode == 0, describe(result)

    starts = doubles.server_starts()
    assert len(starts) == 2
    for start in starts:
        assert {"-RenderOffScreen", "-nosound", f"-carla-rpc-port={start['port']}"} <= set(start["argv"])

    calls = doubles.evaluator_calls()
    assert [call["resume"] for call in calls] == [False, True]
    argv = calls[1]["argv"]
    assert argv[argv.index("--port") + 1] == str(starts[1]["port"])
    assert "--traffic-manager-port" in argv and argv[argv.index("--track") + 1] == "MAP"
    assert argv[argv.index("--agent") + 1] == str(REPO / "agents" / "dagger_agent.py")
    buffer = run_dir / "buffer" / "iter_1"
    assert (
        calls[0]["agent_config"]
        == calls[1]["agent_config"]
        == {
            "policy": str(policy),
            "beta": 0.25,
            "buffer_dir": str(buffer),
            "seed": 0,
        }
    )

    results = results_json(run_dir / "results" / "iter_1" / "collect_seed0.json")
    assert results["_checkpoint"]["progress"] == [4, 4]
    assert results["entry_status"] == "Finished" and results["_checkpoint"]["global_record"]
    assert [r["status"] for r in results["_checkpoint"]["records"]] == ["Completed"] * 4
    assert "restarting CARLA and resuming (restart 1 of 5)" in result.stdout
    assert "stopping before training" in result.stdout
    _assert_no_process_left(doubles)


def test_rerun_skips_a_finished_collection(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=2)
    run_dir = tmp_path / "run"
    assert _collect(doubles, run_dir).returncode == 0
    again = _collect(doubles, run_dir)
    assert again.returncode == 0, describe(again)
    assert "collection done (1 seeds complete" in again.stdout
    assert len(doubles.server_starts()) == 1 and len(doubles.evaluator_calls()) == 1


def test_checkpoint_policy_is_handed_to_the_agent(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=1)
    policy = tmp_path / "my_policy.py"
    policy.write_text("def drive(observation):\n    return None\n")
    result = run_script(
        "evaluate.sh", "--policy", policy, "--routes", doubles.routes, "--checkpoint", tmp_path / "eval.json",
        env=doubles.env(),
    )  # fmt: skip
    assert result.returncode == 0, describe(result)
    (call,) = doubles.evaluator_calls()
    argv = call["argv"]
    assert argv[argv.index("--agent") + 1] == str(REPO / "agents" / "langprop_agent.py")
    assert call["agent_config"] == {"policy": str(policy)}
    assert argv[argv.index("--checkpoint") + 1] == str(tmp_path / "eval.json")
    assert "complete 1/1, driving score 100.000" in result.stdout
    _assert_no_process_left(doubles)


def test_missing_leaderboard_root_is_a_clear_error(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path)
    env = doubles.env()
    del env["LEADERBOARD_ROOT"]
    result = _collect(doubles, tmp_path / "run", env=env)
    assert result.returncode != 0
    assert "needs LEADERBOARD_ROOT" in result.stderr
    assert doubles.server_starts() == []


def test_missing_scenario_runner_root_is_a_clear_error(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path)
    env = doubles.env()
    del env["SCENARIO_RUNNER_ROOT"]
    result = _evaluate_baseline(doubles, tmp_path, env)
    assert result.returncode != 0 and "needs SCENARIO_RUNNER_ROOT" in result.stderr


def test_repeated_crashes_stop_after_max_restarts(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=3)
    run_dir = tmp_path / "run"
    result = _collect(
        doubles, run_dir, "--max-restarts", "2", env=doubles.env(FAKE_CARLA_CRASH_PLAN="0,0,0,0,0,0")
    )
    assert result.returncode != 0
    assert "giving up after 2 restarts" in result.stderr
    assert "the evaluator exited with 255" in result.stderr
    assert len(doubles.server_starts()) == 3 and len(doubles.evaluator_calls()) == 3
    assert "crashed 1/3" in result.stderr  # the results file says where it stopped
    _assert_no_process_left(doubles)


def test_a_hanging_evaluator_is_stopped_when_its_server_died(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=2)
    env = doubles.env(FAKE_CARLA_CRASH_PLAN="1", FAKE_LB_HANG_ON_CRASH="1")
    result = _collect(doubles, tmp_path / "run", env=env)
    assert result.returncode == 0, describe(result)
    assert "its CARLA server had died 1 s earlier" in result.stdout
    assert len(doubles.server_starts()) == 2
    _assert_no_process_left(doubles)


def test_a_server_that_never_listens_times_out_clearly(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path)
    env = doubles.env(FAKE_CARLA_NO_LISTEN="1", CARLA_START_TIMEOUT_S="0.5")
    result = _collect(doubles, tmp_path / "run", "--max-restarts", "1", env=env)
    assert result.returncode != 0
    assert "did not accept connections on port" in result.stderr and "within 0.5 s" in result.stderr
    assert len(doubles.server_starts()) == 2 and doubles.evaluator_calls() == []
    _assert_no_process_left(doubles)


def test_parallel_servers_one_per_seed(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=2)
    run_dir = tmp_path / "run"
    result = _collect(doubles, run_dir, "--seeds", "0-2", "--servers", "2")
    assert result.returncode == 0, describe(result)
    for seed in range(3):
        results = results_json(run_dir / "results" / "iter_1" / f"collect_seed{seed}.json")
        assert results["_checkpoint"]["progress"] == [2, 2]
    calls = doubles.evaluator_calls()
    seeds = sorted(call["argv"][call["argv"].index("--traffic-manager-seed") + 1] for call in calls)
    assert seeds == ["0", "1", "2"]
    assert sorted(call["agent_config"]["seed"] for call in calls) == [0, 1, 2]
    assert len(doubles.server_starts()) == 2  # worker 0 ran seeds 0 and 2 on one server
    assert len({start["port"] for start in doubles.server_starts()}) == 2
    _assert_no_process_left(doubles)


def test_leaderboard_1_0_flags(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=1, leaderboard_version="1.0")
    scenarios = tmp_path / "scenarios.json"
    scenarios.write_text("{}")
    env = doubles.env(LEADERBOARD_VERSION="1.0")
    missing = _evaluate_baseline(doubles, tmp_path, env)
    assert missing.returncode != 0 and "needs LEADERBOARD_SCENARIOS" in missing.stderr
    env["LEADERBOARD_SCENARIOS"] = str(scenarios)
    result = _evaluate_baseline(doubles, tmp_path, env)
    assert result.returncode == 0, describe(result)
    (call,) = doubles.evaluator_calls()
    assert "--trafficManagerPort" in call["argv"] and "--traffic-manager-port" not in call["argv"]
    assert call["argv"][call["argv"].index("--scenarios") + 1] == str(scenarios)


def test_external_server_is_used_and_not_started(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=2)
    port = unused_port()
    env = doubles.env(CARLA_HOST="127.0.0.1", CARLA_PORT=str(port))
    del env["CARLA_ROOT"]
    env["CARLA_PYTHONAPI"] = str(doubles.carla_root / "PythonAPI")
    server = start_fake_server(doubles, port, env)
    try:
        result = _evaluate_baseline(doubles, tmp_path, env)
        assert result.returncode == 0, describe(result)
        assert "waiting for the external CARLA server 127.0.0.1:" in result.stdout
        assert len(doubles.server_starts()) == 1  # the one this test started
        (call,) = doubles.evaluator_calls()
        assert call["argv"][call["argv"].index("--port") + 1] == str(port)
        assert server.poll() is None  # an external server is not ours to stop
    finally:
        server.kill()
        server.wait()


def test_sigterm_stops_the_server_and_the_evaluator(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=50)
    env = doubles.env(FAKE_LB_ROUTE_S="0.5")
    process = subprocess.Popen(
        [str(SCRIPTS / "collect.sh"), "--run-dir", str(tmp_path / "run"), "--routes", str(doubles.routes),
         "--collect-only"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while not doubles.evaluator_calls() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert doubles.evaluator_calls(), "the evaluator never started"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143
    _assert_no_process_left(doubles)


def test_pythonpath_must_reach_carlas_agents_package(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=1)
    shutil.rmtree(doubles.carla_root / "PythonAPI" / "carla" / "agents")
    result = _evaluate_baseline(doubles, tmp_path, doubles.env())
    assert result.returncode != 0
    assert "cannot import the carla client and CARLA's agents.navigation package" in result.stderr
    assert doubles.server_starts() == []


def test_embedded_mode_checks_the_llm_endpoint_before_collecting(tmp_path: Path) -> None:
    env = base_env()
    env["LP_PYTHON"] = sys.executable
    result = run_script("collect.sh", "--run-dir", tmp_path / "run", "--routes", "embedded_smoke", env=env)
    assert result.returncode != 0
    assert "no LLM endpoint configured" in result.stderr  # checked before anything is collected
    assert not (tmp_path / "run" / "buffer").exists() and not (tmp_path / "run" / "results").exists()


@pytest.mark.parametrize("flag", ["--iterations", "--servers", "--repetitions"])
def test_bad_numbers_are_refused(tmp_path: Path, flag: str) -> None:
    result = run_script("collect.sh", "--run-dir", tmp_path / "run", flag, "zero")
    assert result.returncode != 0 and f"{flag} must be an integer" in result.stderr


def test_a_complete_results_file_is_not_evaluated_again(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=1)
    checkpoint = tmp_path / "r.json"
    assert run_script("evaluate.sh", "--policy", "baseline", "--routes", doubles.routes, "--checkpoint", checkpoint,
                      env=doubles.env()).returncode == 0  # fmt: skip
    again = run_script("evaluate.sh", "--policy", "baseline", "--routes", doubles.routes, "--checkpoint", checkpoint,
                       env=doubles.env())  # fmt: skip
    assert again.returncode == 0 and "already complete 1/1" in again.stdout
    assert len(doubles.evaluator_calls()) == 1
    assert json.loads(checkpoint.read_text())["entry_status"] == "Finished"


def test_carla_loop_skips_done_training_and_evaluates_the_policy(tmp_path: Path) -> None:
    """A run whose iteration-1 checkpoint is already trained needs no LLM: collect, skip train, evaluate."""
    doubles = make_carla_doubles(tmp_path, routes=2)
    run_dir = tmp_path / "run"
    checkpoint = run_dir / "policy" / "iter_1"
    checkpoint.mkdir(parents=True)
    (checkpoint / "state.json").write_text(json.dumps({"format_version": 1, "step": 3}))
    (checkpoint / "train_run.json").write_text(
        json.dumps({"policy": "baseline", "base_step": 0, "updates": 3})
    )
    result = run_script(
        "collect.sh", "--run-dir", run_dir, "--iterations", "1", "--routes", doubles.routes, "--evaluate",
        env=doubles.env(),
    )  # fmt: skip
    assert result.returncode == 0, describe(result)
    assert "is done step 3 of 3, skipped" in result.stdout
    collect_call, eval_call = doubles.evaluator_calls()
    assert collect_call["argv"][collect_call["argv"].index("--agent") + 1].endswith("agents/dagger_agent.py")
    assert eval_call["argv"][eval_call["argv"].index("--agent") + 1] == str(
        REPO / "agents" / "langprop_agent.py"
    )
    assert eval_call["agent_config"] == {"policy": str(checkpoint)}
    assert results_json(run_dir / "eval" / "iter_1.json")["_checkpoint"]["progress"] == [2, 2]
    _assert_no_process_left(doubles)
