"""`langprop-drive loop`, `loop-train` and `loop-evaluate` in the embedded world end to end, run in this process:
the DAgger loop (collect, train, resume), with the local OpenAI-compatible test server answering with the
baseline policy. One smoke route, one update per iteration.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripts_helpers import REPO, OpenAITestServer, base_env, fenced, scripted

from langprop_driver.cli import main
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
def llm_env() -> Iterator[None]:
    """This process's environment with the LLM test server as the endpoint and no CARLA settings."""
    with OpenAITestServer(scripted([fenced(BASELINE_POLICY_SOURCE)])) as server, pytest.MonkeyPatch.context() as patch:
        env = base_env()
        env.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="test")
        for name in set(os.environ) - set(env):
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        yield


def _loop(run_dir: Path, *extra: str, capsys: pytest.CaptureFixture[str] | None = None) -> str:
    """Run `langprop-drive loop` on the smoke route; its stdout (exit 0 asserted)."""
    code = main(["loop", "--run-dir", str(run_dir), *extra, *SMOKE])
    assert code == 0
    return capsys.readouterr().out if capsys is not None else ""


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory, llm_env: None) -> Path:
    """A run folder after one iteration of the loop."""
    run_dir = tmp_path_factory.mktemp("collect_loop") / "run"
    _loop(run_dir, "--iterations", "1")
    return run_dir


def _shards(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.shard.jsonl"))


@pytest.mark.slow
def test_one_iteration_collects_and_trains(first_run: Path) -> None:
    assert len(_shards(first_run / "buffer" / "iter_1")) == 1
    results = json.loads((first_run / "results" / "iter_1" / "collect_seed0.json").read_text())
    assert results["_checkpoint"]["progress"] == [1, 1] and results["_checkpoint"]["global_record"]
    checkpoint = first_run / "policy" / "iter_1"
    state = json.loads((checkpoint / "state.json").read_text())
    assert state["step"] == 1 and state["best"]
    assert (checkpoint / "candidates" / f"{state['best']}.py").is_file()
    assert (checkpoint / "training.png").is_file()


def _files_and_times(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in sorted(folder.rglob("*")) if path.is_file() and path.name != "loop.log"}


@pytest.mark.slow
def test_rerun_skips_the_finished_iteration(first_run: Path, llm_env: None,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    before = _files_and_times(first_run)
    out = _loop(first_run, "--iterations", "1", capsys=capsys)
    assert "iteration 1: collection done (1 seeds complete" in out
    assert "iteration 1: policy" in out and "is done step 1 of 1, skipped" in out
    assert _files_and_times(first_run) == before  # nothing driven, trained or written again


@pytest.mark.slow
def test_second_iteration_drives_and_trains_from_the_first_policy(
    first_run: Path, tmp_path: Path, llm_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree(first_run, run_dir)
    out = _loop(run_dir, "--iterations", "2", capsys=capsys)
    first_policy = run_dir / "policy" / "iter_1"
    assert f"iteration 2: collecting with policy {first_policy}" in out
    assert len(_shards(run_dir / "buffer" / "iter_2")) == 1
    train_run = json.loads((run_dir / "policy" / "iter_2" / "train_run.json").read_text())
    assert train_run == {"policy": str(first_policy), "base_step": 1, "updates": 1, "start": "checkpoint",
                         "fitness": "closed_loop"}  # fmt: skip
    assert json.loads((run_dir / "policy" / "iter_2" / "state.json").read_text())["step"] == 2
    history = (run_dir / "policy" / "iter_2" / "train_history.jsonl").read_text().splitlines()
    assert [json.loads(line)["base_step"] for line in history] == [0, 1]  # iteration 2 is marked at step 1
    assert "on buffers iter_1..iter_2" in out


@pytest.mark.slow
def test_loop_train_trains_on_the_run_buffer(first_run: Path, llm_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["loop-train", "--run-dir", str(first_run), "--policy", str(first_run / "policy" / "iter_1"),
                 "--updates", "1", "--", "--config", str(TRAIN_CONFIG)])  # fmt: skip
    assert code == 0
    out = first_run / "policy" / "train"
    assert json.loads((out / "state.json").read_text())["step"] == 2
    assert f"checkpoint {out}" in capsys.readouterr().out


def test_loop_train_names_a_missing_buffer(tmp_path: Path, llm_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["loop-train", "--run-dir", str(tmp_path / "run")]) == 2
    assert "--buffer" in capsys.readouterr().err and not (tmp_path / "run").exists()


def test_loop_evaluate_in_the_embedded_world(tmp_path: Path, llm_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = tmp_path / "eval.json"
    args = ["loop-evaluate", "--policy", "baseline", "--routes", "embedded_smoke", "--routes-subset", "0",
            "--checkpoint", str(checkpoint)]  # fmt: skip
    assert main(args) == 0
    assert json.loads(checkpoint.read_text())["_checkpoint"]["progress"] == [1, 1]
    assert "complete 1/1, driving score" in capsys.readouterr().out
    before = checkpoint.stat().st_mtime_ns
    assert main(args) == 0
    assert "already complete 1/1" in capsys.readouterr().out and checkpoint.stat().st_mtime_ns == before
