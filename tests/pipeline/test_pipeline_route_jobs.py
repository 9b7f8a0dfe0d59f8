"""Route runs on the pool of worker processes: the same records whatever the worker count, a worker killed
mid-route is retried, and one that keeps dying is recorded as the leaderboard records a crashed simulation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langprop_driver.pipeline.route_jobs import RouteJob, RouteJobPool, RouteJobResult
from leaderboard_adapter.evaluator.evaluate_command import AGENTS_DIR
from leaderboard_adapter.evaluator.route_sets import resolve_routes

SMOKE = str(resolve_routes("embedded_smoke"))
DYING_AGENT = Path(__file__).parent / "agent_files" / "lbtest_dying_agent.py"


def _config(folder: Path, name: str = "agent_config.json") -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps({"policy": "baseline"}))
    return str(path)


def _comparable(result: RouteJobResult) -> tuple:
    """The record without its wall-clock duration, and the events."""
    record = json.loads(json.dumps(result.record))
    record["meta"].pop("duration_system")
    return result.job, record, result.events


def test_records_and_events_are_the_same_whatever_the_worker_count(tmp_path: Path) -> None:
    agent = str(AGENTS_DIR / "langprop_agent.py")
    jobs = [RouteJob(SMOKE, route, seed, agent, _config(tmp_path)) for route, seed in (("0", 0), ("1", 0), ("0", 3))]
    by_count = {}
    for workers in (1, 2):
        pool = RouteJobPool(workers)
        try:
            by_count[workers] = [_comparable(r) for r in pool.run(jobs)]
        finally:
            pool.close()
    assert by_count[1] == by_count[2]
    assert [job for job, _, _ in by_count[1]] == jobs  # in job order
    assert all(record["status"] in ("Perfect", "Completed") for _, record, _ in by_count[1])
    assert by_count[1][0][1] != by_count[1][2][1]  # another seed is another world


@pytest.mark.parametrize("name, crashed", [("agent_config.json", False), ("always_agent_config.json", True)])
def test_a_worker_killed_mid_route_is_retried_and_one_that_keeps_dying_is_a_crashed_simulation(
    tmp_path: Path, name: str, crashed: bool
) -> None:
    job = RouteJob(SMOKE, "0", 0, str(DYING_AGENT), _config(tmp_path, name))
    healthy = RouteJob(SMOKE, "1", 0, str(AGENTS_DIR / "langprop_agent.py"), _config(tmp_path / "healthy"))
    pool = RouteJobPool(2)
    try:
        dying, other = pool.run([job, healthy])
    finally:
        pool.close()
    assert (tmp_path / name).with_suffix(".died").exists()  # it did die at least once
    assert other.record["status"] in ("Perfect", "Completed")  # the run beside it is not lost
    if crashed:
        assert dying.record["status"] == "Failed - Simulation crashed"
        assert "died twice" in dying.record["meta"]["failure_detail"]
    else:
        assert dying.record["status"] in ("Perfect", "Completed") and dying.record["scores"]["score_route"] == 100
