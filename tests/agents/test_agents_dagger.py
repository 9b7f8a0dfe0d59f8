"""agents/dagger_agent.py in the embedded world: frames at 2 Hz with both actions, infractions marked."""

from __future__ import annotations

import pytest
from agents_helpers import AGENTS, EMPTY, LIGHTS_ROUTE, LOOPS_EVERY_CALL, route_runner_policy, smoke_run

from data_collection import BufferIndex, read_shard
from leaderboard_adapter.evaluator.route_runner import AgentSpec, run_route
from leaderboard_adapter.privileged import RunInfo
from leaderboard_adapter.scoring import RouteEnding


def _collect(tmp_path, beta: float, policy: str = route_runner_policy(9.0), settings: str = ""):
    (tmp_path / "runner.py").write_text(policy)
    config = tmp_path / "dagger.toml"
    config.write_text(f'policy = "runner.py"\nbuffer_dir = "buffer"\nbeta = {beta}\n{settings}')
    run = smoke_run(LIGHTS_ROUTE)
    info = RunInfo(run.route_id, run.index, run.repetition, run.town.name, 0, 3, "2.1")
    outcome = run_route(AgentSpec(AGENTS / "dagger_agent.py", str(config), "2.1", "MAP"), run.town, run.points,
                        EMPTY, 3, "2.1", run_info=info)  # fmt: skip
    return outcome, tmp_path / "buffer"


def test_policy_runs_the_red_light_and_the_frames_before_it_are_marked(tmp_path) -> None:
    outcome, buffer = _collect(tmp_path, beta=0.0)
    red = [e for e in outcome.events if e.type.results_key == "red_light"]
    assert red, "the test policy should run the red light on this route and seed"
    (path,) = buffer.iterdir()
    shard = read_shard(path)
    assert shard.complete
    assert shard.header.route_id == "RouteScenario_0_rep0" and shard.header.world_seed == 3
    # 2 Hz: one frame every 10 ticks of 0.05 s
    assert len(shard.frames) == pytest.approx(outcome.duration_game_s * 2.0, abs=2)
    assert {f["driver"] for f in shard.frames} == {"policy"}
    assert all(f["policy_action"]["target_speed_mps"] == 9.0 for f in shard.frames)
    assert [e["kind"] for e in shard.events] == ["red_light"] * len(red)
    assert [e["game_time_s"] for e in shard.events] == pytest.approx([e.game_time_s for e in red])
    # the expert labels the approach to a red light with a lower speed (the light may turn red late)
    marked = BufferIndex.scan(buffer, lookahead_s=2.0).frames_with_infractions()
    assert 3 * len(red) <= len(marked) <= 5 * len(red)  # 2 s before each event at 2 Hz
    index = BufferIndex.scan(buffer, lookahead_s=2.0)
    frames = [index.load(ref) for ref in marked]
    assert all(f["infraction"]["kinds"] == ["red_light"] for f in frames)
    assert any(f["expert_action"]["target_speed_mps"] < 9.0 for f in frames)


def test_beta_one_lets_the_expert_drive_and_no_light_is_run(tmp_path) -> None:
    outcome, buffer = _collect(tmp_path, beta=1.0)
    assert not [e for e in outcome.events if e.type.results_key == "red_light"]
    (path,) = buffer.iterdir()
    shard = read_shard(path)
    assert {f["driver"] for f in shard.frames} == {"expert"}
    assert shard.events == []


def test_a_hung_policy_ends_the_route_and_its_shard_says_the_agent_crashed(tmp_path) -> None:
    settings = "step_timeout_s = 0.05\nmax_consecutive_failures = 12\n"
    outcome, buffer = _collect(tmp_path, beta=0.0, policy=LOOPS_EVERY_CALL, settings=settings)
    assert outcome.ending is RouteEnding.AGENT_CRASHED and outcome.ticks == 11
    assert outcome.agent_meta == {"policy_calls": 12, "policy_failures": 12}
    (path,) = buffer.iterdir()
    shard = read_shard(path)
    assert shard.complete and shard.status == "Failed - Agent crashed"
    assert [f["frame"] for f in shard.frames] == [0, 10]  # 2 Hz over the 11 steps driven
    assert all(f["policy_action"] == {"target_speed_mps": 0.0, "steer_deg": 0.0} for f in shard.frames)
    assert shard.header.extra["max_consecutive_failures"] == 12
