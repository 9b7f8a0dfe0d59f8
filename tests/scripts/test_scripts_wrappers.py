"""scripts/*.sh are thin wrappers of `langprop-drive` commands: syntax, strictness, flags and --help passed through,
and signals reaching the command (SIGTERM stops its CARLA server and evaluator: nothing is left running)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from scripts_helpers import (
    REPO,
    SAFETY_S,
    SCRIPT_NAMES,
    SCRIPTS,
    assert_no_process_left,
    base_env,
    describe,
    make_carla_doubles,
    run_script,
    wait_until,
)

SHELL_FILES = [*sorted(SCRIPTS.glob("*.sh")), *sorted((SCRIPTS / "lib").glob("*.sh")), REPO / "docker" / "run_leaderboard.sh"]
COMMANDS = {"collect.sh": "loop", "evaluate.sh": "loop-evaluate", "train.sh": "loop-train", "replay.sh": "replay"}
CLI = [sys.executable, "-m", "langprop_driver.cli"]


@pytest.mark.parametrize("path", SHELL_FILES, ids=lambda path: path.relative_to(REPO).as_posix())
def test_bash_syntax(path: Path) -> None:
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_scripts_are_executable_strict_and_thin(name: str) -> None:
    path = SCRIPTS / name
    assert path.stat().st_mode & 0o111
    text = path.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
    assert text.rstrip().endswith(f'lp_exec {COMMANDS[name]} "$@"')  # every argument goes to the command


@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_help_is_the_commands_help(name: str) -> None:
    result = run_script(name, "--help")
    assert result.returncode == 0, describe(result)
    command = subprocess.run([*CLI, COMMANDS[name], "--help"], capture_output=True, text=True, env=base_env())
    assert result.stdout == command.stdout
    assert result.stdout.startswith(f"usage: langprop-drive {COMMANDS[name]}")


@pytest.mark.parametrize("name", ["collect.sh", "evaluate.sh"])
def test_help_documents_carla_mode(name: str) -> None:
    text = run_script(name, "--help").stdout
    for needed in ("CARLA_ROOT", "CARLA_HOST", "LEADERBOARD_ROOT", "SCENARIO_RUNNER_ROOT", "LEADERBOARD_VERSION",
                   "CARLA_GPUS", "-RenderOffScreen", "--resume", "--max-restarts"):  # fmt: skip
        assert needed in text


@pytest.mark.parametrize("name", ["collect.sh", "train.sh", "evaluate.sh"])
def test_unknown_flag_is_refused(name: str) -> None:
    result = run_script(name, "--no-such-flag")
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-flag" in result.stderr


def test_train_passes_its_flags_and_needs_an_endpoint(tmp_path: Path) -> None:
    (tmp_path / "buffer").mkdir()
    result = run_script("train.sh", "--buffer", tmp_path / "buffer", "--out", tmp_path / "ckpt", env=base_env())
    assert result.returncode == 2 and "no LLM endpoint" in result.stderr
    assert not (tmp_path / "ckpt").exists()


def test_replay_passes_the_commands_errors_on(tmp_path: Path) -> None:
    result = run_script("replay.sh", "--shard", tmp_path / "none.shard.jsonl", "--kind", "red_light")
    assert result.returncode != 0
    assert "none.shard.jsonl" in result.stderr


def test_sigterm_to_collect_stops_the_server_and_the_evaluator(tmp_path: Path) -> None:
    doubles = make_carla_doubles(tmp_path, routes=50)
    process = subprocess.Popen(
        [str(SCRIPTS / "collect.sh"), "--run-dir", str(tmp_path / "run"), "--routes", str(doubles.routes),
         "--collect-only"],
        env=doubles.env(FAKE_LB_ROUTE_S="0.5"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until(lambda: bool(doubles.evaluator_calls()) or process.poll() is not None)
        assert doubles.evaluator_calls(), "the evaluator never started"
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=SAFETY_S)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, process.stderr.read() if process.stderr else ""
    assert_no_process_left(doubles)
