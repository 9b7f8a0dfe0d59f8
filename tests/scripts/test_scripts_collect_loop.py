"""The embedded-world path of the scripts end to end: scripts/collect.sh's DAgger loop (collect, train,
resume), scripts/train.sh, scripts/evaluate.sh and scripts/replay.sh, with the local OpenAI-compatible
test server answering with the baseline policy. One smoke route, one update per iteration.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripts_helpers import REPO, OpenAITestServer, base_env, describe, fenced, run_script, scripted

from langprop_driver.driving import BASELINE_POLICY_SOURCE

pytestmark = pytest.mark.skipif(
    not (REPO / "langprop_driver" / "pipeline" / "collect_command.py").is_file()
    or not (REPO / "langprop_driver" / "pipeline" / "train_command.py").is_file(),
    reason="the collect and train commands are not there yet",
)

TRAIN_CONFIG = REPO / "tests" / "fixtures" / "closed_loop_smoke.toml"
"""Closed-loop fitness on the smoke routes (the default drives 12 training and validation routes)."""
SMOKE = ("--routes", "embedded_smoke", "--routes-subset", "0", "--updates", "1", "--train-config", str(TRAIN_CONFIG))


@pytest.fixture(scope="module")
def llm_env() -> Iterator[dict[str, str]]:
    with OpenAITestServer(scripted([fenced(BASELINE_POLICY_SOURCE)])) as server:
        env = base_env()
        env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="test")
        yield env


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory, llm_env: dict[str, str]) -> Path:
    """A run folder after one iteration of `scripts/collect.sh`."""
    run_dir = tmp_path_factory.mktemp("collect_loop") / "run"
    result = run_script(
        "collect.sh", "--run-dir", run_dir, "--iterations", "1", *SMOKE, env=llm_env, timeout=120
    )
    assert result.returncode == 0, describe(result)
    assert "iteration 1: collecting with policy baseline" in result.stdout
    assert "iteration 1: policy" in result.stdout and "trained (done step 1 of 1)" in result.stdout
    return run_dir


def _shards(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.shard.jsonl"))


def test_one_iteration_collects_and_trains(first_run: Path) -> None:
    assert len(_shards(first_run / "buffer" / "iter_1")) == 1
    results = json.loads((first_run / "results" / "iter_1" / "collect_seed0.json").read_text())
    assert results["_checkpoint"]["progress"] == [1, 1] and results["_checkpoint"]["global_record"]
    checkpoint = first_run / "policy" / "iter_1"
    state = json.loads((checkpoint / "state.json").read_text())
    assert state["step"] == 1 and state["best"]
    assert (checkpoint / "candidates" / f"{state['best']}.py").is_file()
    assert (checkpoint / "training.png").is_file()


def test_rerun_skips_the_finished_iteration_quickly(first_run: Path, llm_env: dict[str, str]) -> None:
    state = first_run / "policy" / "iter_1" / "state.json"
    before = (state.stat().st_mtime_ns, _shards(first_run))
    started = time.monotonic()
    result = run_script("collect.sh", "--run-dir", first_run, "--iterations", "1", *SMOKE, env=llm_env)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, describe(result)
    assert "iteration 1: collection done (1 seeds complete" in result.stdout
    assert "iteration 1: policy" in result.stdout and "is done step 1 of 1, skipped" in result.stdout
    assert (state.stat().st_mtime_ns, _shards(first_run)) == before
    assert elapsed < 3.0


def test_second_iteration_drives_and_trains_from_the_first_policy(
    first_run: Path, tmp_path: Path, llm_env: dict[str, str]
) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(first_run, run_dir)
    result = run_script(
        "collect.sh", "--run-dir", run_dir, "--iterations", "2", *SMOKE, env=llm_env, timeout=120
    )
    assert result.returncode == 0, describe(result)
    first_policy = run_dir / "policy" / "iter_1"
    assert f"iteration 2: collecting with policy {first_policy}" in result.stdout
    assert len(_shards(run_dir / "buffer" / "iter_2")) == 1
    train_run = json.loads((run_dir / "policy" / "iter_2" / "train_run.json").read_text())
    assert train_run == {"policy": str(first_policy), "base_step": 1, "updates": 1, "start": "checkpoint",
                         "fitness": "closed_loop"}  # fmt: skip
    assert json.loads((run_dir / "policy" / "iter_2" / "state.json").read_text())["step"] == 2
    history = (run_dir / "policy" / "iter_2" / "train_history.jsonl").read_text().splitlines()
    assert [json.loads(line)["base_step"] for line in history] == [0, 1]  # iteration 2 is marked at step 1
    assert "on buffers iter_1..iter_2" in result.stdout


def test_train_sh_trains_on_the_run_buffer(first_run: Path, llm_env: dict[str, str]) -> None:
    result = run_script(
        "train.sh", "--run-dir", first_run, "--policy", first_run / "policy" / "iter_1", "--updates", "1",
        "--", "--config", TRAIN_CONFIG, env=llm_env, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, describe(result)
    out = first_run / "policy" / "train"
    assert json.loads((out / "state.json").read_text())["step"] == 2
    assert f"checkpoint {out}" in result.stdout


def test_evaluate_sh_in_the_embedded_world(tmp_path: Path) -> None:
    checkpoint = tmp_path / "eval.json"
    args = (
        "--policy",
        "baseline",
        "--routes",
        "embedded_smoke",
        "--routes-subset",
        "0",
        "--checkpoint",
        checkpoint,
    )
    result = run_script("evaluate.sh", *args, timeout=120)
    assert result.returncode == 0, describe(result)
    assert json.loads(checkpoint.read_text())["_checkpoint"]["progress"] == [1, 1]
    assert "complete 1/1, driving score" in result.stdout
    again = run_script("evaluate.sh", *args)
    assert again.returncode == 0 and "already complete 1/1" in again.stdout


def test_replay_sh_passes_the_commands_errors_on(tmp_path: Path) -> None:
    result = run_script("replay.sh", "--shard", tmp_path / "none.shard.jsonl", "--kind", "red_light")
    assert result.returncode != 0
    assert "none.shard.jsonl" in result.stderr
