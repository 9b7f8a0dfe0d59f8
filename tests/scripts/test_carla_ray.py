"""CARLA servers as Ray actors (leaderboard_adapter/carla_mode/ray_actors.py) on a local Ray cluster without
GPUs (CARLA_RAY_GPUS=0), against the TEST DOUBLES of CarlaUE4.sh and of the leaderboard evaluator: a crashed
server restarts on new ports and the head writes the complete results file; no process is left after the
run nor after an actor is killed mid-run (its watchdog kills the server and the evaluator); a cluster
without GPUs, and a host without CARLA_ROOT, are refused before any route runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from scripts_helpers import (
    CarlaDoubles,
    assert_no_process_left,
    make_carla_doubles,
    pid_alive,
    results_json,
    wait_until,
)

from leaderboard_adapter.carla_mode import CarlaModeSettings, LeaderboardJob
from leaderboard_adapter.carla_mode.ray_actors import ActorJob, CarlaActorPool, carla_actor, run_jobs_on_ray
from leaderboard_adapter.errors import AdapterError

ray = pytest.importorskip("ray")

AGENT = Path(__file__).resolve().parents[2] / "agents" / "langprop_agent.py"


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    ray.init(num_cpus=2, num_gpus=0, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def _setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, routes: int = 3,
           **env: str) -> tuple[CarlaDoubles, CarlaModeSettings, dict[str, str], LeaderboardJob]:  # fmt: skip
    """The doubles, their settings (CPU-only actors), the actors' environment and one job."""
    doubles = make_carla_doubles(tmp_path, routes=routes)
    environment = doubles.env(CARLA_RAY_GPUS="0", **env)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = CarlaModeSettings.from_env(environment)
    assert settings is not None
    config = tmp_path / "agent.json"
    config.write_text('{"policy": "baseline"}')
    job = LeaderboardJob("job", tmp_path / "results" / "job.json", AGENT, str(config), doubles.routes)
    actor_env = {name: environment[name] for name in environment if name.startswith(("FAKE_", "CARLA_"))}
    return doubles, settings, actor_env, job


def test_a_crashed_server_restarts_on_new_ports_and_the_head_writes_the_complete_results(
        ray_cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    doubles, settings, env, job = _setup(tmp_path, monkeypatch, routes=4, FAKE_CARLA_CRASH_PLAN="2")
    run_jobs_on_ray([job], settings, tmp_path / "logs", servers=1, address=ray_cluster, env=env)
    records = results_json(job.results)["_checkpoint"]["records"]
    assert [record["status"] for record in records] == ["Completed"] * 4
    first, second = doubles.server_starts()
    assert first["port"] != second["port"]
    assert [call["resume"] for call in doubles.evaluator_calls()] == [False, True]
    assert doubles.evaluator_calls()[0]["agent_config"] == {"policy": "baseline"}  # sent with the job
    assert list((tmp_path / "logs").glob("*/evaluator_job_attempt2.log"))  # the actor's logs, written by the head
    assert_no_process_left(doubles)


def test_an_actor_killed_mid_run_leaves_no_server_or_evaluator(ray_cluster: str, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # the server dies at route 2 and the evaluator hangs; the actor waits (dead grace 600 s) until it is killed
    doubles, settings, env, job = _setup(tmp_path, monkeypatch, FAKE_CARLA_CRASH_PLAN="1", FAKE_LB_HANG_ON_CRASH="1",
                                         CARLA_DEAD_GRACE_S="600")  # fmt: skip
    actor = carla_actor(settings, 0, env)
    actor.run.remote(ActorJob(job, None, None))
    wait_until(lambda: bool(doubles.evaluator_calls()) and bool(doubles.server_starts())
               and not pid_alive(doubles.server_starts()[0]["pid"]))  # fmt: skip
    evaluator = doubles.evaluator_calls()[0]["pid"]
    assert pid_alive(evaluator)
    ray.kill(actor)
    assert_no_process_left(doubles)


def test_a_job_whose_actor_died_is_driven_by_another_actor(ray_cluster: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    doubles, settings, env, job = _setup(tmp_path, monkeypatch)
    pool = CarlaActorPool(settings, 2, env)
    try:
        ray.kill(pool.actors[0])  # the job goes to actor 0 first: its host is lost
        [(position, result)] = list(pool.results([ActorJob(job, None, None)]))
    finally:
        pool.close()
    assert (position, result.failure) == (0, "")
    assert result.results is not None
    records = json.loads(result.results)["_checkpoint"]["records"]
    assert [record["status"] for record in records] == ["Completed"] * 3
    assert len(doubles.evaluator_calls()) == 1
    assert_no_process_left(doubles)


def test_a_killed_actor_s_running_server_is_killed_too(ray_cluster: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    doubles, settings, env, job = _setup(tmp_path, monkeypatch, FAKE_CARLA_NO_LISTEN="1", CARLA_START_TIMEOUT_S="600")
    actor = carla_actor(settings, 0, env)
    actor.run.remote(ActorJob(job, None, None))  # waits for a server that never listens
    wait_until(lambda: bool(doubles.server_starts()))
    ray.kill(actor)
    assert_no_process_left(doubles)


def test_a_cluster_without_gpus_and_a_host_without_carla_are_refused(ray_cluster: str, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    doubles, settings, env, job = _setup(tmp_path, monkeypatch)
    with pytest.raises(AdapterError, match=r"needs GPUs: the cluster has 0 .*CARLA_RAY_GPUS=1"):
        run_jobs_on_ray([job], replace(settings, ray_gpus=1.0), tmp_path / "logs", address=ray_cluster, env=env)
    with pytest.raises(AdapterError, match=r"^host \S+: CARLA_ROOT=/no/carla/here is not a folder"):
        run_jobs_on_ray([job], settings, tmp_path / "logs", address=ray_cluster,
                        env={**env, "CARLA_ROOT": "/no/carla/here"})  # fmt: skip
    assert doubles.server_starts() == [] and not job.results.exists()


def test_loop_passes_workers_and_ray_to_its_phases_and_runs_carla_servers_as_actors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from langprop_driver.cli import build_parser
    from langprop_driver.pipeline import loop_steps
    from langprop_driver.pipeline.command_settings import LoopSettings
    from langprop_driver.pipeline.loop_command import _step_context
    from leaderboard_adapter.carla_mode import ray_actors

    parser = build_parser()
    flags = ["--workers", "3", "--ray", "10.0.0.1:6379", "--run-dir", str(tmp_path / "run"), "--collect-only"]
    for name in ("CARLA_ROOT", "CARLA_HOST", "RAY_ADDRESS"):  # the embedded world
        monkeypatch.delenv(name, raising=False)
    commands: list[list[str]] = []
    ctx = _step_context(LoopSettings.from_flags(parser.parse_args(["loop", *flags])), tmp_path / "logs", lambda argv: commands.append(argv) or 0)
    selection = loop_steps.RouteSelection("embedded_training", "0")
    loop_steps.collect(ctx, "baseline", 0.0, selection, [0], tmp_path / "buffer", tmp_path / "results", "iter1")
    loop_steps.evaluate(ctx, loop_steps.Evaluation(tmp_path / "eval.json", selection, policy="baseline"), "eval")
    loop_steps.run_command(ctx.cli, loop_steps.TrainRequest("baseline", (tmp_path / "buffer",), tmp_path / "out")
                           .argv(False, ctx.executor_flags()), "train")  # fmt: skip
    for argv in commands:  # each phase's command line, parsed by the CLI as the phase will parse it
        phase = parser.parse_args(argv)
        assert (phase.command, phase.workers, phase.ray) == (argv[0], 3, "10.0.0.1:6379")
    assert [argv[0] for argv in commands] == ["collect", "evaluate", "train"]

    # CARLA mode with --ray: the leaderboard jobs go to the server actors, --servers of them
    doubles = make_carla_doubles(tmp_path)
    for name, value in doubles.env().items():
        monkeypatch.setenv(name, value)
    calls: list[tuple[int, int, str | None]] = []
    monkeypatch.setattr(ray_actors, "run_jobs_on_ray",
                        lambda jobs, settings, log_dir, servers, address: calls.append((len(jobs), servers, address)))  # fmt: skip
    args = LoopSettings.from_flags(parser.parse_args(["loop", "--ray", "--servers", "2", "--routes", str(doubles.routes)]))
    ctx = _step_context(args, tmp_path / "logs", lambda argv: 0, args.servers)
    loop_steps.collect(ctx, "baseline", 0.0, loop_steps.RouteSelection(str(doubles.routes)), [0, 1, 2],
                       tmp_path / "buffer", tmp_path / "results", "iter1")  # fmt: skip
    assert calls == [(3, 2, None)]
