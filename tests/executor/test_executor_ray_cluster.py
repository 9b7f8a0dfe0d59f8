"""Route runs on a two-node Ray cluster on this machine (ray.cluster_utils.Cluster, one CPU per node): the runs
are spread over both nodes and their results and shards equal the local executor's; a node removed mid-run
has its run driven again on the other node, and nothing is lost or doubled."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from executor_helpers import (
    agent_config,
    evaluate_blocking,
    release,
    results_of,
    shard_texts,
    started,
    wait_until,
)
from ray.cluster_utils import Cluster

from leaderboard_adapter.executor import LocalExecutor
from leaderboard_adapter.executor.ray_cluster import RayExecutor

pytestmark = pytest.mark.slow

BOTH = ("RouteScenario_0_rep0", "RouteScenario_1_rep0")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)
    yield cluster
    ray.shutdown()
    cluster.shutdown()


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[str]]:
    """The results and shards of the blocking agent's smoke runs on the local executor (nothing blocks)."""
    folder = tmp_path_factory.mktemp("local")
    config = agent_config(folder / "agent", block=BOTH)
    release(config)
    with LocalExecutor(2) as executor:
        assert evaluate_blocking(config, folder / "results.json", executor, folder / "buffer") == 0
    return results_of(folder / "results.json"), shard_texts(folder / "buffer")


class _Evaluation(threading.Thread):
    """The blocking agent's evaluation on the cluster, in a thread, while the test steers the nodes."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.config = agent_config(folder / "agent", block=BOTH)
        self.code: int | BaseException | None = None

    def run(self) -> None:
        try:
            self.code = evaluate_blocking(self.config, self.folder / "results.json", RayExecutor(), self.folder / "buffer")
        except BaseException as error:  # handed to the test
            self.code = error


def _finish(evaluation: _Evaluation, local_reference: tuple[dict, list[str]]) -> None:
    evaluation.join()
    assert evaluation.code == 0
    results, shards = local_reference
    assert results_of(evaluation.folder / "results.json") == results
    assert results["_checkpoint"]["progress"] == [2, 2] and results["entry_status"] == "Finished"
    assert shard_texts(evaluation.folder / "buffer") == shards and len(shards) == 2  # nothing lost or doubled


def test_runs_spread_over_both_nodes_and_equal_the_local_executors(
    tmp_path: Path, cluster: Cluster, local_reference: tuple[dict, list[str]]
) -> None:
    evaluation = _Evaluation(tmp_path)
    evaluation.start()
    try:
        wait_until(lambda: len(started(evaluation.config)) == 2, "both runs to start")
        assert len({mark.node_id for mark in started(evaluation.config)}) == 2  # at once, one on each node
    finally:
        release(evaluation.config)
    _finish(evaluation, local_reference)


def test_a_node_removed_mid_run_has_its_run_driven_again(
    tmp_path: Path, cluster: Cluster, local_reference: tuple[dict, list[str]]
) -> None:
    (worker_node,) = cluster.worker_nodes
    evaluation = _Evaluation(tmp_path)
    evaluation.start()
    try:
        wait_until(lambda: len(started(evaluation.config)) == 2, "both runs to start")
        (lost,) = [mark for mark in started(evaluation.config) if mark.node_id == worker_node.node_id]
        cluster.remove_node(worker_node, allow_graceful=False)
    finally:
        release(evaluation.config)
        cluster.add_node(num_cpus=1)  # the module's cluster keeps two nodes
    _finish(evaluation, local_reference)
    again = [mark for mark in started(evaluation.config) if mark.route_id == lost.route_id]
    assert len(again) == 2 and again[0].pid != again[1].pid  # the lost run started a second time
