"""Helpers of the pipeline tests: the `langprop-drive` CLI in-process and in a subprocess, a collected
smoke buffer, and the engine tests' local OpenAI-compatible test server (a test double of an LLM endpoint)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "engine") not in sys.path:  # reuse the engine tests' server (test folders are not packages)
    sys.path.insert(0, str(TESTS / "engine"))

from openai_test_server import OpenAITestServer, fenced, scripted  # noqa: E402

from langprop_driver.cli import main  # noqa: E402
from langprop_driver.driving import BASELINE_POLICY_SOURCE  # noqa: E402

__all__ = ["OpenAITestServer", "fenced", "scripted"]

SMOKE = ["--routes", "embedded_smoke", "--no-progress"]
CLOSED_LOOP_SMOKE = TESTS / "fixtures" / "closed_loop_smoke.toml"
"""Training settings for closed-loop fitness on the smoke routes (route 0 trains, route 1 validates)."""
CAUTIOUS_POLICY = BASELINE_POLICY_SOURCE.replace(
    "def drive(observation):", "CAUTION = 0.9\n\n\ndef drive(observation):", 1
)
"""A policy the scripted LLM answers with: the baseline plus a module constant, so it is a new candidate."""
assert CAUTIOUS_POLICY != BASELINE_POLICY_SOURCE


def cli(*argv: str | Path) -> int:
    """`langprop-drive ARGV` in this process; its exit code."""
    return main([str(a) for a in argv])


def cli_process(*argv: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """`langprop-drive ARGV` in a new process (stdout and stderr to pipes)."""
    command = [sys.executable, "-m", "langprop_driver.cli", *(str(a) for a in argv)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def results_json(path: Path) -> dict:
    return json.loads(path.read_text())


def collect_smoke(buffer: Path, *extra: str | Path) -> int:
    """Collect the two smoke routes with seed 0 into `buffer` (results in `buffer`/results)."""
    return cli("collect", "--buffer", buffer, *SMOKE, *extra)
