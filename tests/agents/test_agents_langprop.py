"""agents/langprop_agent.py as the evaluator runs it: a failing policy never ends the route."""

from __future__ import annotations

import logging

import pytest
from agents_helpers import AGENTS, EMPTY, LIGHTS_ROUTE, route_runner_policy, smoke_run

from langprop_driver.agent_runtime import AgentConfig, AgentConfigError, resolve_policy
from leaderboard_adapter.evaluator.route_runner import AgentSpec, run_route
from leaderboard_adapter.scoring import RouteEnding

FLAKY = route_runner_policy(6.0).replace(
    "def drive(observation):",
    "calls = 0\n\ndef _drive(observation):",
) + '''

def drive(observation):
    global calls
    calls += 1
    if calls % 60 == 20:
        raise RuntimeError("flaky policy")
    if calls % 60 == 40:
        while True:
            pass
    if calls % 60 == 50:
        return {"speed": 3}
    return _drive(observation)
'''


@pytest.mark.parametrize("version", ["2.1", "1.0"])
def test_raising_looping_and_garbage_answers_brake_for_a_step_and_the_route_goes_on(
    tmp_path, caplog: pytest.LogCaptureFixture, version: str
) -> None:
    (tmp_path / "flaky.py").write_text(FLAKY)
    config = tmp_path / "agent.toml"
    config.write_text('policy = "flaky.py"\nstep_timeout_s = 0.05\n')
    run = smoke_run(LIGHTS_ROUTE)
    caplog.set_level(logging.WARNING, logger="langprop_driver.agent_runtime.guarded_policy")
    outcome = run_route(AgentSpec(AGENTS / "langprop_agent.py", str(config), version, "MAP"), run.town, run.points,
                        EMPTY, 3, version)  # fmt: skip
    assert outcome.failure_detail == ""
    assert outcome.ending is RouteEnding.COMPLETED
    messages = [r.getMessage() for r in caplog.records]
    assert any("RuntimeError" in m and "flaky policy" in m for m in messages)
    assert any("Timeout" in m for m in messages)
    assert any("invalid action" in m for m in messages)


def test_agent_config_forms_and_errors(tmp_path) -> None:
    assert AgentConfig.load("") == AgentConfig.load("baseline") == AgentConfig()
    (tmp_path / "p.py").write_text("def drive(observation):\n    return {}\n")
    assert AgentConfig.load(tmp_path / "p.py").policy == str(tmp_path / "p.py")
    (tmp_path / "c.json").write_text('{"policy": "p.py", "beta": 0.5}')
    loaded = AgentConfig.load(tmp_path / "c.json")
    assert (loaded.policy, loaded.beta) == (str(tmp_path / "p.py"), 0.5)
    (tmp_path / "bad.toml").write_text("polcy = 'x'\n")
    with pytest.raises(AgentConfigError, match="unknown setting.*polcy"):
        AgentConfig.load(tmp_path / "bad.toml")
    (tmp_path / "beta.toml").write_text("beta = 2.0\n")
    with pytest.raises(AgentConfigError, match="beta must be in"):
        AgentConfig.load(tmp_path / "beta.toml")
    with pytest.raises(AgentConfigError, match="no such file"):
        AgentConfig.load(tmp_path / "missing.toml")


def test_policy_sources_that_do_not_exist_are_named(tmp_path) -> None:
    (tmp_path / "empty_run").mkdir()
    with pytest.raises(AgentConfigError, match="no checkpoint"):
        resolve_policy(AgentConfig(policy=str(tmp_path / "empty_run")))
    with pytest.raises(AgentConfigError, match="no such checkpoint folder or policy file"):
        resolve_policy(AgentConfig(policy=str(tmp_path / "gone")))
    with pytest.raises(AgentConfigError, match="no such policy file"):
        AgentConfig.load(tmp_path / "gone.py")
    assert "def drive(observation)" in resolve_policy(AgentConfig()).source
