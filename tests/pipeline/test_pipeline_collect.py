"""`langprop-drive collect`: a killed collector leaves readable shards and `--resume` finishes the job; bad
input is refused before any route runs."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest
from pipeline_helpers import SMOKE, cli, cli_process

from data_collection import BufferIndex, read_shard
from leaderboard_adapter.scoring.results_file import load_results_json


def _progress(results: Path) -> int:
    return json.loads(results.read_text())["_checkpoint"]["progress"][0] if results.exists() else 0


@pytest.mark.slow
def test_a_killed_collector_leaves_the_shards_of_its_recorded_runs_and_resume_completes(tmp_path: Path) -> None:
    """Shards come back from the route runs to the collector, which writes each run's shard with its record:
    killed, it leaves exactly the shards of the runs recorded, none cut, and `--resume` drives the others."""
    buffer = tmp_path / "buffer"
    args = ("collect", "--buffer", buffer, *SMOKE, "--repetitions", "3", "--vehicles", "0", "--walkers", "0")
    process = cli_process(*args)
    results = buffer / "results" / "collect_seed0.json"
    deadline = time.monotonic() + 300  # a fail-safe: the wait ends when a run is recorded
    while _progress(results) < 1 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = _progress(results)
    assert 1 <= done < 6, "the collector finished before it was killed: nothing was tested"
    shards = [read_shard(p) for p in buffer.glob("*.jsonl*")]
    assert len(shards) == done and all(s.complete for s in shards)

    assert cli(*args, "--resume") == 0
    final = load_results_json(results)
    assert final["_checkpoint"]["progress"] == [6, 6] and final["entry_status"] == "Finished"
    assert len(final["_checkpoint"]["records"]) == 6
    index = BufferIndex.scan(buffer)
    assert len(index.shards) == 6 and all(s.complete for s in index.shards)  # nothing lost, nothing doubled
    assert {s.header.route_id for s in index.shards} == {f"RouteScenario_{r}_rep{k}" for r in (0, 1) for k in range(3)}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--policy", "no/such/policy.py"), "no/such/policy.py: no such checkpoint folder or policy file"),
        (("--beta", "1.5"), "beta must be in [0, 1]"),
        (("--seeds", "3-1"), "'3-1' is not a seed >= 0 or an ascending range"),
        (("--routes-subset", "9"), "9"),
    ],
)
def test_bad_collection_settings_are_refused_before_any_route_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: tuple[str, ...], message: str
) -> None:
    buffer = tmp_path / "buffer"
    assert cli("collect", "--buffer", buffer, *SMOKE, *flags) == 2
    error = capsys.readouterr().err
    assert error.startswith("langprop-drive: error:") and message in error
    assert not list(buffer.rglob("*.jsonl*"))


def test_a_policy_failing_the_trainers_static_checks_is_refused_with_its_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "bad.py"
    policy.write_text("import os\n\n\ndef drive(observation):\n    return speed\n")
    buffer = tmp_path / "buffer"
    assert cli("collect", "--buffer", buffer, *SMOKE, "--policy", policy) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"langprop-drive: error: policy file:{policy} fails the static checks: line 1: import of `os`")
    assert "line 5: name `speed` is used but never defined or imported" in error
    assert not buffer.exists()
