"""`langprop-drive loop` and `loop-evaluate` in CARLA mode, run in this process against TEST DOUBLES of CarlaUE4.sh
and of the leaderboard evaluator (tests/scripts/scripts_helpers.py): what each phase hands the evaluator, resuming
(finished phases skipped, a partial collection goes on), and bad input refused before any server starts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from scripts_helpers import REPO, CarlaDoubles, assert_no_process_left, make_carla_doubles, results_json

from langprop_driver.cli import main
from langprop_driver.driving import BASELINE_POLICY_SOURCE
from langprop_driver.engine import Candidate, Standing, TrainState
from langprop_driver.engine.checkpoint import save_state


def _use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    """Make `env` this process's whole environment for the test."""
    for name in set(os.environ) - set(env):
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


@pytest.fixture()
def doubles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CarlaDoubles:
    doubles = make_carla_doubles(tmp_path, routes=3)
    _use_env(monkeypatch, doubles.env())
    return doubles


def _loop(doubles: CarlaDoubles, run_dir: Path, *extra: str | Path) -> int:
    return main(["loop", "--run-dir", str(run_dir), "--routes", str(doubles.routes), *map(str, extra)])


def _flag(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def _trained(checkpoint: Path, step: int = 3) -> Path:
    """A checkpoint folder (the baseline as its one candidate) whose training reached its target: no LLM needed."""
    candidate = Candidate(id="c0001", source=BASELINE_POLICY_SOURCE, origin="given")
    state = TrainState(step=step, pool=("c0001",), candidates={"c0001": candidate},
                       standings={"c0001": Standing(1.0, 8.0, 1)}, next_index=2)  # fmt: skip
    save_state(checkpoint, state, {})
    (checkpoint / "train_run.json").write_text(json.dumps({"policy": "baseline", "base_step": 0, "updates": step}))
    return checkpoint


def test_collection_drives_the_dagger_agent_once_per_seed(doubles: CarlaDoubles, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.py"
    policy.write_text("def drive(observation):\n    return None\n")
    run_dir = tmp_path / "run"
    assert _loop(doubles, run_dir, "--policy", policy, "--beta", "0.25", "--seeds", "0-1", "--collect-only") == 0
    out = capsys.readouterr().out
    assert "iteration 1: collecting with policy" in out and "stopping before training" in out
    calls = sorted(doubles.evaluator_calls(), key=lambda call: call["agent_config"]["seed"])
    assert [_flag(call["argv"], "--traffic-manager-seed") for call in calls] == ["0", "1"]
    buffer = run_dir / "buffer" / "iter_1"
    for seed, call in enumerate(calls):
        assert _flag(call["argv"], "--agent") == str(REPO / "agents" / "dagger_agent.py")
        assert _flag(call["argv"], "--checkpoint") == str(run_dir / "results" / "iter_1" / f"collect_seed{seed}.json")
        assert call["agent_config"] == {"policy": str(policy), "beta": 0.25, "buffer_dir": str(buffer), "seed": seed}
        assert results_json(run_dir / "results" / "iter_1" / f"collect_seed{seed}.json")["_checkpoint"]["progress"] == [3, 3]
    assert len(doubles.server_starts()) == 1  # one server ran both seeds in turn
    assert (run_dir / "logs" / "carla_server0_start1.log").is_file()
    assert "langprop-drive loop" in (run_dir / "loop.log").read_text()
    assert_no_process_left(doubles)


def test_a_finished_collection_is_skipped(doubles: CarlaDoubles, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "run"
    assert _loop(doubles, run_dir, "--collect-only") == 0
    capsys.readouterr()
    assert _loop(doubles, run_dir, "--collect-only") == 0
    assert "iteration 1: collection done (1 seeds complete" in capsys.readouterr().out
    assert len(doubles.server_starts()) == 1 and len(doubles.evaluator_calls()) == 1


def test_a_partial_collection_goes_on(doubles: CarlaDoubles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "run"
    results = run_dir / "results" / "iter_1" / "collect_seed0.json"
    monkeypatch.setenv("FAKE_CARLA_CRASH_PLAN", "1")  # the first server dies at its 2nd route
    assert _loop(doubles, run_dir, "--collect-only", "--max-restarts", "0") == 2
    assert "giving up after 0 restarts" in capsys.readouterr().err
    assert results_json(results)["_checkpoint"]["progress"] == [2, 3]  # route 0 done, route 1 crashed
    monkeypatch.delenv("FAKE_CARLA_CRASH_PLAN")
    assert _loop(doubles, run_dir, "--collect-only") == 0
    assert "seeds 0 (resuming)" in capsys.readouterr().out
    assert [call["resume"] for call in doubles.evaluator_calls()] == [False, True]
    records = results_json(results)["_checkpoint"]["records"]
    assert [record["status"] for record in records] == ["Completed"] * 3
    assert_no_process_left(doubles)


def test_done_training_is_skipped_and_the_policy_evaluated(doubles: CarlaDoubles, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """A run whose iteration-1 checkpoint is trained needs no LLM: collect, skip training, evaluate; then all skipped."""
    run_dir = tmp_path / "run"
    checkpoint = _trained(run_dir / "policy" / "iter_1")
    assert _loop(doubles, run_dir, "--iterations", "1", "--evaluate") == 0
    assert "is done step 3 of 3, skipped" in capsys.readouterr().out
    _collect_call, eval_call = doubles.evaluator_calls()
    assert _flag(eval_call["argv"], "--agent") == str(REPO / "agents" / "langprop_agent.py")
    assert eval_call["agent_config"] == {"policy": str(checkpoint)}
    assert results_json(run_dir / "eval" / "iter_1.json")["_checkpoint"]["progress"] == [3, 3]
    assert _loop(doubles, run_dir, "--iterations", "1", "--evaluate") == 0
    out = capsys.readouterr().out
    assert "collection done (1 seeds complete" in out and "iter_1.json is already complete 3/3" in out
    assert len(doubles.evaluator_calls()) == 2 and len(doubles.server_starts()) == 2
    assert_no_process_left(doubles)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CARLA_ROOT", "/no/such/carla", "CARLA_ROOT=/no/such/carla is not a folder"),
        ("CARLA_ROOT", "EMPTY", "has no CarlaUE4.sh"),
        ("LEADERBOARD_ROOT", None, "needs LEADERBOARD_ROOT"),
    ],
)
def test_bad_carla_setup_is_refused_before_any_route(doubles: CarlaDoubles, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                     variable: str, value: str | None, message: str) -> None:  # fmt: skip
    if value is None:
        monkeypatch.delenv(variable)
    else:
        (tmp_path / "EMPTY").mkdir()
        monkeypatch.setenv(variable, str(tmp_path / value) if value == "EMPTY" else value)
    assert _loop(doubles, tmp_path / "run", "--collect-only") == 2
    assert message in capsys.readouterr().err
    assert doubles.server_starts() == [] and doubles.evaluator_calls() == []
    assert not (tmp_path / "run" / "results").exists()


def test_routes_must_be_a_route_file_in_carla_mode(doubles: CarlaDoubles, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["loop", "--run-dir", str(tmp_path / "run"), "--routes", "embedded_smoke", "--collect-only"]) == 2
    assert "--routes must be a leaderboard route XML file" in capsys.readouterr().err
    assert doubles.server_starts() == []


def test_extra_flags_are_for_the_embedded_world_only(doubles: CarlaDoubles, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert _loop(doubles, tmp_path / "run", "--collect-only", "--", "--vehicles", "0") == 2
    assert "extra flags after -- go to the embedded world's command only" in capsys.readouterr().err


def test_bad_numbers_are_refused(doubles: CarlaDoubles, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for flag, value in (("--iterations", "zero"), ("--servers", "0"), ("--repetitions", "-1"), ("--beta", "2")):
        with pytest.raises(SystemExit) as exit_info:
            _loop(doubles, tmp_path / "run", flag, value)
        assert exit_info.value.code == 2
        assert f"argument {flag}: must be" in capsys.readouterr().err


def test_the_llm_endpoint_is_checked_before_collecting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from scripts_helpers import base_env

    _use_env(monkeypatch, base_env())
    assert main(["loop", "--run-dir", str(tmp_path / "run"), "--routes", "embedded_smoke"]) == 2
    assert "no LLM endpoint" in capsys.readouterr().err
    assert not (tmp_path / "run" / "buffer").exists() and not (tmp_path / "run" / "results").exists()


# ----------------------------------------------------------------------------- loop-evaluate


def _evaluate(doubles: CarlaDoubles, checkpoint: Path, *extra: str | Path) -> int:
    return main(["loop-evaluate", "--routes", str(doubles.routes), "--checkpoint", str(checkpoint), *map(str, extra)])


def test_evaluate_hands_the_policy_to_the_langprop_agent(doubles: CarlaDoubles, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "my_policy.py"
    policy.write_text("def drive(observation):\n    return None\n")
    checkpoint = tmp_path / "eval.json"
    assert _evaluate(doubles, checkpoint, "--policy", policy, "--track", "SENSORS") == 0
    (call,) = doubles.evaluator_calls()
    assert _flag(call["argv"], "--agent") == str(REPO / "agents" / "langprop_agent.py")
    assert _flag(call["argv"], "--track") == "SENSORS"
    assert call["agent_config"] == {"policy": str(policy)}
    assert json.loads((tmp_path / "eval_agent.json").read_text()) == {"policy": str(policy)}
    assert "complete 3/3, driving score 100.000" in capsys.readouterr().out
    assert (tmp_path / "logs").is_dir()  # the default log folder, beside the results
    assert_no_process_left(doubles)


def test_evaluate_leaves_a_complete_file_unless_forced(doubles: CarlaDoubles, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = tmp_path / "r.json"
    assert _evaluate(doubles, checkpoint, "--policy", "baseline") == 0
    assert _evaluate(doubles, checkpoint, "--policy", "baseline") == 0
    assert "is already complete 3/3" in capsys.readouterr().out
    assert len(doubles.evaluator_calls()) == 1
    assert _evaluate(doubles, checkpoint, "--policy", "baseline", "--force") == 0
    assert "kept the previous" in capsys.readouterr().out
    assert len(doubles.evaluator_calls()) == 2 and len(list(tmp_path.glob("r.*.json"))) == 1
    assert doubles.evaluator_calls()[1]["resume"] is False


def test_evaluate_an_agent_file_with_its_config(doubles: CarlaDoubles, tmp_path: Path) -> None:
    agent = REPO / "agents" / "route_follower_agent.py"
    assert _evaluate(doubles, tmp_path / "r.json", "--agent", agent, "--agent-config", "cfg.toml", "--seed", "7") == 0
    (call,) = doubles.evaluator_calls()
    assert _flag(call["argv"], "--agent") == str(agent) and _flag(call["argv"], "--agent-config") == "cfg.toml"
    assert _flag(call["argv"], "--traffic-manager-seed") == "7"


def test_evaluate_needs_a_policy_or_an_agent(doubles: CarlaDoubles, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert _evaluate(doubles, tmp_path / "r.json") == 2
    assert "give --policy P" in capsys.readouterr().err
    assert doubles.server_starts() == []
