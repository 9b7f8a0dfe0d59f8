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

FLUSH_EVERY = 20  # the DAgger agent's default: frames between flushes


def _frames_on_disk(buffer: Path) -> int:
    return max((len(p.read_text().splitlines()) - 1 for p in buffer.glob("*.jsonl*")), default=0)


def test_a_killed_collector_leaves_readable_shards_and_resume_completes(tmp_path: Path) -> None:
    buffer = tmp_path / "buffer"
    args = ("collect", "--buffer", buffer, *SMOKE, "--repetitions", "3", "--vehicles", "0", "--walkers", "0")
    process = cli_process(*args)
    deadline = time.monotonic() + 120
    while _frames_on_disk(buffer) < FLUSH_EVERY and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    results = buffer / "results" / "collect_seed0.json"
    done, total = json.loads(results.read_text())["_checkpoint"]["progress"] if results.exists() else (0, 6)
    assert done < total == 6, "the collector finished before it was killed: nothing was tested"
    shards = [read_shard(p) for p in buffer.glob("*.jsonl*")]  # every shard reads, the cut one included
    cut = [s for s in shards if not s.complete]
    assert len(cut) == 1 and len(cut[0].frames) >= FLUSH_EVERY

    assert cli(*args, "--resume") == 0
    final = load_results_json(results)
    assert final["_checkpoint"]["progress"] == [6, 6] and final["entry_status"] == "Finished"
    assert len(final["_checkpoint"]["records"]) == 6
    index = BufferIndex.scan(buffer)
    assert len(index.shards) == 7  # six finished runs and the cut one, which is kept
    assert sum(not s.complete for s in index.shards) == 1
    assert {s.header.route_id for s in index.shards if s.complete} == {
        f"RouteScenario_{r}_rep{k}" for r in (0, 1) for k in range(3)
    }


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
