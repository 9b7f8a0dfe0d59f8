"""Route runs on a local Ray cluster (ray.init(num_cpus=2)): results files and shards of `collect`, and the
closed-loop fitness, equal the local executor's; a Ray worker killed mid-route is retried and one that keeps
dying is a crashed simulation; Ctrl-C of a command connected with --ray ADDRESS cancels its tasks on the
cluster and keeps what was scored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from executor_helpers import (
    DYING_AGENT,
    agent_config,
    interrupt_and_resume,
    results_of,
    shard_texts,
    smoke_jobs,
)

from langprop_driver.agent_paths import LANGPROP_AGENT
from langprop_driver.cli import main
from langprop_driver.driving import BASELINE_POLICY_SOURCE, DRIVE_SPEC
from langprop_driver.driving.baseline_variants import without_stop_signs
from langprop_driver.engine import Candidate
from langprop_driver.pipeline.closed_loop import ONLINE_BUFFER, ClosedLoopConfig, DrivingScorer, RouteSplit
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES
from leaderboard_adapter.executor import run_all
from leaderboard_adapter.executor.ray_cluster import RayExecutor

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def test_collect_on_ray_writes_the_results_and_shards_of_the_local_executor(
    tmp_path: Path, ray_address: str, capsys: pytest.CaptureFixture[str]
) -> None:
    executors = {"local_1": ("--workers", "1"), "local_2": ("--workers", "2"), "ray": ("--ray", ray_address)}
    for name, flags in executors.items():
        buffer = tmp_path / name
        assert main(["collect", "--routes", "embedded_smoke", "--seeds", "0-1", "--no-progress", "--buffer", str(buffer), *flags]) == 0
    ray_summary = capsys.readouterr().out.split("Route runs per host")[-1]
    assert "node" in ray_summary  # the per-host summary names the Ray node that drove the runs
    for seed in (0, 1):  # both seeds' runs went to the executor at once
        results = {name: results_of(tmp_path / name / "results" / f"collect_seed{seed}.json") for name in executors}
        assert results["ray"] == results["local_1"] == results["local_2"]
        assert results["ray"]["_checkpoint"]["progress"] == [2, 2] and results["ray"]["entry_status"] == "Finished"
    shards = {name: shard_texts(tmp_path / name) for name in executors}
    assert len(shards["ray"]) == 4 and shards["ray"] == shards["local_1"] == shards["local_2"]


@pytest.mark.parametrize("name, crashed", [("agent_config.json", False), ("always_agent_config.json", True)])
def test_a_ray_worker_killed_mid_route_is_retried_and_one_that_keeps_dying_is_a_crashed_simulation(
    tmp_path: Path, ray_address: str, name: str, crashed: bool
) -> None:
    dying_config = agent_config(tmp_path, name)
    dying = smoke_jobs(DYING_AGENT, dying_config)[0]
    healthy = smoke_jobs(LANGPROP_AGENT, agent_config(tmp_path / "healthy"))[1]
    first, other = run_all(RayExecutor(ray_address), [dying, healthy])
    assert dying_config.with_suffix(".died").exists()  # it did die at least once
    assert other.record["status"] in ("Perfect", "Completed")
    if crashed:
        assert first.record["status"] == "Failed - Simulation crashed"
        assert "Ray worker died 2 times" in first.record["meta"]["failure_detail"]
    else:
        assert first.record["status"] in ("Perfect", "Completed") and first.record["scores"]["score_route"] == 100


def test_ctrl_c_cancels_the_clusters_tasks_and_keeps_what_was_scored(tmp_path: Path, ray_address: str) -> None:
    interrupt_and_resume(tmp_path, ("--ray", ray_address))


def test_closed_loop_fitness_on_ray_equals_the_local_executors(tmp_path: Path, ray_address: str) -> None:
    candidate = Candidate.create("c0001", without_stop_signs(BASELINE_POLICY_SOURCE), DRIVE_SPEC,
                                 DEFAULT_ALLOWED_MODULES, origin="given")  # fmt: skip
    fitness, shards = {}, {}
    for name, address in (("local", None), ("ray", ray_address)):
        run_dir = tmp_path / name
        config = ClosedLoopConfig(routes_file="embedded_smoke", train=RouteSplit("1", (0,)), validation=RouteSplit("0", (1,)),
                                  vehicles=0, walkers=0, ray=address, progress=False)  # fmt: skip
        scorer = DrivingScorer(run_dir, config)
        try:
            fitness[name] = scorer.score([candidate], "train")["c0001"]
        finally:
            scorer.close()
        shards[name] = [text.replace(str(run_dir), "RUN_DIR") for text in shard_texts(run_dir / ONLINE_BUFFER)]
    assert fitness["ray"] == fitness["local"] and fitness["ray"].summary["n_stop_infraction"] >= 1
    assert len(shards["ray"]) == 1 and shards["ray"] == shards["local"]  # the visited frames came back
