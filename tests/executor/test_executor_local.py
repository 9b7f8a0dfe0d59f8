"""The local executor: the same results in job order whatever the worker count, a worker killed mid-route is
retried and one that keeps dying is recorded as a crashed simulation, Ctrl-C keeps what was scored, and bad
executor flags fail before any route runs."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from executor_helpers import (
    DYING_AGENT,
    agent_config,
    comparable,
    interrupt_and_resume,
    smoke_jobs,
)

from langprop_driver.agent_paths import LANGPROP_AGENT
from langprop_driver.cli import main
from leaderboard_adapter.executor import LocalExecutor, run_all


@pytest.mark.slow
def test_results_are_the_same_in_job_order_whatever_the_worker_count(tmp_path: Path) -> None:
    jobs = smoke_jobs(LANGPROP_AGENT, agent_config(tmp_path), seeds=(0, 3))
    by_count = {}
    for workers in (1, 2):
        with LocalExecutor(workers) as executor:
            by_count[workers] = [comparable(r) for r in run_all(executor, jobs)]
    assert by_count[1] == by_count[2]
    assert [c[0] for c in by_count[1]] == jobs  # in job order
    assert all(c[1]["status"] in ("Perfect", "Completed") for c in by_count[1])
    assert by_count[1][0][1] != by_count[1][2][1]  # another seed is another world


@pytest.mark.parametrize("name, crashed", [("agent_config.json", False), ("always_agent_config.json", True)])
def test_a_worker_killed_mid_route_is_retried_and_one_that_keeps_dying_is_a_crashed_simulation(
    tmp_path: Path, name: str, crashed: bool
) -> None:
    dying_config = agent_config(tmp_path, name)
    dying, healthy = smoke_jobs(DYING_AGENT, dying_config)
    healthy = smoke_jobs(LANGPROP_AGENT, agent_config(tmp_path / "healthy"))[1]
    with LocalExecutor(2) as executor:
        first, other = run_all(executor, [dying, healthy])
    assert dying_config.with_suffix(".died").exists()  # it did die at least once
    assert other.record["status"] in ("Perfect", "Completed")  # the run beside it is not lost
    if crashed:
        assert first.record["status"] == "Failed - Simulation crashed"
        assert "died 2 times" in first.record["meta"]["failure_detail"]
    else:
        assert first.record["status"] in ("Perfect", "Completed") and first.record["scores"]["score_route"] == 100


@pytest.mark.slow
def test_ctrl_c_stops_the_runs_and_keeps_what_was_scored(tmp_path: Path) -> None:
    interrupt_and_resume(tmp_path, ("--workers", "2"))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_an_unreachable_ray_address_fails_before_any_route_runs(
    tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    address = f"127.0.0.1:{_closed_port()}"
    checkpoint = tmp_path / "results.json"
    flags = ["--ray", address] if how == "flag" else []
    if how == "environment":
        monkeypatch.setenv("RAY_ADDRESS", address)
    assert main(["evaluate", "--routes", "embedded_smoke", "--checkpoint", str(checkpoint), "--no-progress", *flags]) == 2
    error = capsys.readouterr().err
    assert f"Ray address {address}: unreachable" in error and "ray start --head" in error
    assert not checkpoint.exists()


def test_negative_workers_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = tmp_path / "results.json"
    assert main(["evaluate", "--routes", "embedded_smoke", "--checkpoint", str(checkpoint), "--workers", "-1"]) == 2
    assert "--workers must be >= 0" in capsys.readouterr().err
    assert not checkpoint.exists()
