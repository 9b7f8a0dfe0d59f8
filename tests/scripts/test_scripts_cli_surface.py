"""The scripts' surface: syntax, --help documenting every flag, refusal of unknown flags."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from scripts_helpers import REPO, SCRIPT_NAMES, SCRIPTS, base_env, describe, run_script

SHELL_FILES = [
    *sorted(SCRIPTS.glob("*.sh")),
    *sorted((SCRIPTS / "lib").glob("*.sh")),
    REPO / "docker" / "run_leaderboard.sh",
]


@pytest.mark.parametrize("path", SHELL_FILES, ids=lambda path: path.relative_to(REPO).as_posix())
def test_bash_syntax(path: Path) -> None:
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_scripts_are_executable_and_strict(name: str) -> None:
    path = SCRIPTS / name
    assert path.stat().st_mode & 0o111
    text = path.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text


def _parsed_flags(name: str) -> set[str]:
    """The long flags the script's option parser accepts (its `case` labels)."""
    return set(re.findall(r"^\s+(?:-\w \| )?(--[a-z][a-z-]*)\)", (SCRIPTS / name).read_text(), re.MULTILINE))


@pytest.mark.parametrize("name", ["collect.sh", "train.sh", "evaluate.sh"])
def test_help_documents_every_flag(name: str) -> None:
    result = run_script(name, "--help")
    assert result.returncode == 0, describe(result)
    assert result.stdout.startswith(f"Usage: scripts/{name}")
    flags = _parsed_flags(name)
    assert len(flags) >= 7
    undocumented = {
        flag for flag in flags if not re.search(rf"^\s+(?:-\w, )?{flag}\b", result.stdout, re.MULTILINE)
    }
    assert undocumented == set()


@pytest.mark.parametrize("name", ["collect.sh", "evaluate.sh"])
def test_help_documents_carla_mode(name: str) -> None:
    text = run_script(name, "--help").stdout
    for needed in ("CARLA_ROOT", "CARLA_HOST", "LEADERBOARD_ROOT", "SCENARIO_RUNNER_ROOT", "LEADERBOARD_VERSION",
                   "-RenderOffScreen", "--resume", "--max-restarts"):  # fmt: skip
        assert needed in text


def test_replay_help_shows_the_commands_flags() -> None:
    result = run_script("replay.sh", "--help")
    assert result.returncode == 0, describe(result)
    assert result.stdout.startswith("Usage: scripts/replay.sh")
    for flag in ("--results", "--route-id", "--shard", "--kind", "--compare", "--out"):
        assert flag in result.stdout
    assert "usage: langprop-drive replay" in result.stdout  # the command's own help follows


@pytest.mark.parametrize("name", ["collect.sh", "train.sh", "evaluate.sh"])
def test_unknown_flag_is_refused(name: str) -> None:
    result = run_script(name, "--no-such-flag")
    assert result.returncode != 0
    assert "unknown option '--no-such-flag'" in result.stderr


def test_train_needs_an_endpoint(tmp_path: Path) -> None:
    (tmp_path / "buffer").mkdir()
    result = run_script(
        "train.sh", "--buffer", tmp_path / "buffer", "--out", tmp_path / "ckpt", env=base_env()
    )
    assert result.returncode != 0 and "no LLM endpoint configured" in result.stderr
    assert not (tmp_path / "ckpt").exists()


def test_evaluate_needs_a_policy_or_an_agent() -> None:
    result = run_script("evaluate.sh")
    assert result.returncode != 0 and "give --policy P" in result.stderr
