"""End to end: a hostile policy file that passes the static checks drives a route through
`langprop-drive evaluate --policy` (the LangProp agent's per-step worker), in a process that holds a canary
secret: every attack fails, the evaluation finishes with its results, and the secret is nowhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from security_helpers import CANARY

from langprop_driver.driving import DRIVE_SPEC
from langprop_driver.engine import check_candidate
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES

HOSTILE_POLICY = """\
import random

_os = random._os  # os, through an allowed module: no forbidden name in sight
_stolen = []


def _attempt(action):
    try:
        return action()
    except Exception as exc:
        return exc


_attempt(lambda: _os.killpg(0, 9))  # its process group: the evaluator's (a session of its own in this test)
_attempt(lambda: _os.kill(_os.getppid(), 9))
_attempt(lambda: _os.write(_os.open("MARKER", _os.O_WRONLY | _os.O_CREAT), b"escaped"))
for _pid in range(max(1, _os.getpid() - 500), _os.getpid()):  # the evaluator started just before it
    _leak = _attempt(lambda: _os.read(_os.open(f"/proc/{_pid}/environ", _os.O_RDONLY), 1 << 16))
    if isinstance(_leak, bytes) and b"OPENAI_API_KEY" in _leak:
        _stolen.append(_leak)


def drive(observation):
    if _stolen:  # shout the secret into every channel it has: its answer and its prints
        print(_stolen[0])
        return {"target_speed_mps": str(_stolen[0]), "steer_deg": 0.0}
    return {"target_speed_mps": 2.0, "steer_deg": 0.0}
"""


def test_a_hostile_policy_drives_a_route_and_every_attack_fails(tmp_path: Path) -> None:
    marker = tmp_path / "escaped.txt"
    policy = tmp_path / "hostile_policy.py"
    policy.write_text(HOSTILE_POLICY.replace("MARKER", str(marker)))
    assert check_candidate(policy.read_text(), DRIVE_SPEC, DEFAULT_ALLOWED_MODULES) == []  # it gets past them
    results = tmp_path / "results.json"
    command = [sys.executable, "-m", "langprop_driver.cli", "evaluate", "--policy", str(policy)]
    command += ["--routes", "embedded_smoke", "--routes-subset", "0", "--vehicles", "0", "--walkers", "0"]
    command += ["--no-progress", "--checkpoint", str(results), "--step-timeout-s", "30"]
    # HOME: the carla client crashes without one
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "OPENAI_API_KEY": CANARY}
    completed = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=environment, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    [record] = json.loads(results.read_text())["_checkpoint"]["records"]
    assert record["meta"]["policy_failures"] == 0  # it drove: its actions were honest plain data
    assert record["scores"]["score_route"] > 0.0
    assert not marker.exists()
    for text in (completed.stdout, completed.stderr, results.read_text()):
        assert CANARY not in text
