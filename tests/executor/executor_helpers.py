"""Helpers of the executor tests: smoke-route jobs and evaluations, the test-double agents that die or block,
waiting on the files they write, and results and shards compared without wall-clock fields."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langprop_driver.pipeline.evaluate_command import EvaluationRequest, evaluate_runs
from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.evaluator.planned_run import plan_runs
from leaderboard_adapter.evaluator.route_runner import AgentSpec
from leaderboard_adapter.evaluator.route_sets import resolve_routes
from leaderboard_adapter.executor import RouteJob, RouteJobResult, RouteRunExecutor

TESTS = Path(__file__).resolve().parents[1]
SMOKE = resolve_routes("embedded_smoke").resolve()
BLOCKING_AGENT = Path(__file__).resolve().parent / "agent_files" / "lbtest_blocking_agent.py"
DYING_AGENT = TESTS / "pipeline" / "agent_files" / "lbtest_dying_agent.py"
EMPTY = WorldConfig().with_counts(0, 0)
SAFETY_S = 600.0
"""A fail-safe against a hung test, never a measure of speed: waits end on the event they wait for."""


def without_durations(data: Any) -> Any:
    """`data` (results JSON) without `duration_system`, the only wall-clock field of a results file."""
    if isinstance(data, dict):
        return {k: without_durations(v) for k, v in data.items() if k != "duration_system"}
    if isinstance(data, list):
        return [without_durations(v) for v in data]
    return data


def results_of(path: Path) -> dict:
    return without_durations(json.loads(path.read_text()))


def shard_texts(folder: Path) -> list[str]:
    """The text of every shard under `folder`, sorted; none may be unfinished."""
    assert not list(folder.rglob("*.part")), "an unfinished shard reached the buffer"
    return sorted(p.read_text() for p in folder.rglob("*.shard.jsonl"))


def agent_config(folder: Path, name: str = "agent_config.json", block: tuple[str, ...] = ()) -> Path:
    """A LangProp/DAgger agent config (the baseline policy) in `folder`; the blocking agent blocks on `block`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({"policy": "baseline", "buffer_dir": str(folder / "agent_buffer")}))
    path.with_suffix(".block").write_text(json.dumps(list(block)))
    return path


def release(config: Path) -> None:
    config.with_suffix(".release").touch()


@dataclass(frozen=True)
class Started:
    """A blocked run's mark: its record id, the process driving it, its Ray node id ('' outside Ray)."""

    route_id: str
    pid: int
    node_id: str


def started(config: Path) -> list[Started]:
    folder = config.with_suffix(".started")
    marks = sorted(folder.iterdir()) if folder.is_dir() else []
    return [Started(p.name.rsplit("_", 1)[0], int(p.name.rsplit("_", 1)[1]), p.read_text()) for p in marks]


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` until it holds (see SAFETY_S)."""
    deadline = time.monotonic() + SAFETY_S
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie (killed, not yet reaped by its parent) is gone too
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def smoke_jobs(agent_file: Path, config: Path, seeds: tuple[int, ...] = (0,), world: WorldConfig = EMPTY,
               output_dir: Path | None = None) -> list[RouteJob]:  # fmt: skip
    """The two smoke routes for every seed, as jobs of `agent_file` with `config`."""
    agent = AgentSpec(agent_file, str(config), "2.1", "MAP")
    return [
        RouteJob(str(SMOKE), route, seed, agent, world, index=i,
                 output_dir=str(output_dir / f"s{seed}") if output_dir is not None else None)  # fmt: skip
        for seed in seeds
        for i, route in enumerate(("0", "1"))
    ]


def comparable(result: RouteJobResult) -> tuple:
    """A result without its wall-clock fields and where it ran."""
    return result.job, without_durations(result.record), result.events, result.ending, result.files


def evaluate_blocking(config: Path, checkpoint: Path, executor: RouteRunExecutor, buffer: Path,
                      resume: bool = False) -> int:  # fmt: skip
    """The blocking agent over the smoke routes (no NPCs) on `executor`, its shards brought back into `buffer`."""
    request = EvaluationRequest(
        runs=plan_runs(SMOKE, "", 1, None, None),
        agent=AgentSpec(BLOCKING_AGENT, str(config), "2.1", "MAP"),
        world_config=EMPTY,
        checkpoint=checkpoint,
        seed=0,
        leaderboard_version="2.1",
        executor=executor,
        resume=resume,
        progress=False,
        output_dir=buffer,
    )
    return evaluate_runs(request)


def interrupt_and_resume(tmp_path: Path, executor_flags: tuple[str, ...]) -> None:
    """`langprop-drive evaluate` of the blocking agent in a subprocess, interrupted (SIGINT) while route 1 is
    blocked and route 0 is scored: it exits 130 keeping route 0, the blocked run's process is stopped, and
    `--resume` drives route 1 alone."""
    import signal
    import subprocess
    import sys

    from langprop_driver.cli import main

    config = agent_config(tmp_path / "agent", block=("RouteScenario_1_rep0",))
    checkpoint = tmp_path / "results.json"
    argv = ["evaluate", "--routes", str(SMOKE), "-a", str(BLOCKING_AGENT), "--agent-config", str(config),
            "--checkpoint", str(checkpoint), "--vehicles", "0", "--walkers", "0", "--no-progress", *executor_flags]  # fmt: skip
    env = {**os.environ, "HOME": os.environ.get("HOME", "/root")}
    process = subprocess.Popen([sys.executable, "-m", "langprop_driver.cli", *argv], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip

    def route_0_scored_and_route_1_blocked() -> bool:
        assert process.poll() is None, process.communicate()[0]
        done = json.loads(checkpoint.read_text())["_checkpoint"]["progress"][0] if checkpoint.exists() else 0
        return done == 1 and len(started(config)) == 1

    wait_until(route_0_scored_and_route_1_blocked, "route 0 scored while route 1 is blocked")
    process.send_signal(signal.SIGINT)
    output = process.communicate()[0]
    assert process.returncode == 130, output
    assert "interrupted: 1 of 2 routes are saved" in output
    saved = json.loads(checkpoint.read_text())["_checkpoint"]
    assert saved["progress"] == [1, 2] and [r["route_id"] for r in saved["records"]] == ["RouteScenario_0_rep0"]
    (blocked,) = started(config)
    wait_until(lambda: process_gone(blocked.pid), f"the blocked run's process {blocked.pid} to be stopped")

    release(config)
    assert main([*argv, "--resume"]) == 0
    final = json.loads(checkpoint.read_text())
    assert final["_checkpoint"]["progress"] == [2, 2] and final["entry_status"] == "Finished"
    assert final["_checkpoint"]["records"][0] == saved["records"][0]  # kept, not driven again
    assert final["_checkpoint"]["records"][1]["status"] in ("Perfect", "Completed")
