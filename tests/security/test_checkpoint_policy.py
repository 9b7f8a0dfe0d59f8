"""A checkpoint named as the agents' policy is data: a state.json whose ids point outside the folder is
refused with a clear error before anything is read (the trainer's side is tested in tests/engine)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langprop_driver.agent_runtime.config import AgentConfig, AgentConfigError
from langprop_driver.agent_runtime.policy_source import resolve_policy
from langprop_driver.driving import BASELINE_POLICY_SOURCE
from langprop_driver.engine import Candidate, Standing, TrainState
from langprop_driver.engine.checkpoint import save_state


def _checkpoint(folder: Path) -> Path:
    candidate = Candidate(id="c0001", source=BASELINE_POLICY_SOURCE, origin="given")
    state = TrainState(
        step=1,
        pool=("c0001",),
        candidates={"c0001": candidate},
        standings={"c0001": Standing(1.0, 8.0, 1)},
        next_index=2,
    )
    save_state(folder, state, {})
    return folder / "state.json"


def test_an_honest_checkpoint_resolves_to_its_best(tmp_path: Path) -> None:
    _checkpoint(tmp_path)
    resolved = resolve_policy(AgentConfig(policy=str(tmp_path)))
    assert resolved.candidate == "c0001" and resolved.source == BASELINE_POLICY_SOURCE


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "../../../etc/passwd"), ("file", "/etc/passwd"), ("file", "candidates/../../outside.py")],
)
def test_a_checkpoint_naming_other_files_is_refused(tmp_path: Path, field: str, value: str) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("def drive(observation):\n    return 'read from outside'\n")
    run_dir = tmp_path / "run"
    state_file = _checkpoint(run_dir)
    document = json.loads(state_file.read_text())
    if field == "id":
        document["candidates"][value] = document["candidates"].pop("c0001")
        document["pool"], document["best"] = [value], value
    else:
        document["candidates"]["c0001"]["file"] = value
    state_file.write_text(json.dumps(document))
    with pytest.raises(AgentConfigError, match=f"policy {run_dir}: .*state.json"):
        resolve_policy(AgentConfig(policy=str(run_dir)))
