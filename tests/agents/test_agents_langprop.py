"""agents/langprop_agent.py as the evaluator runs it: a failing policy brakes for a step, a run of failures
(or a policy that cannot load) ends the route as a crash, a policy failing the static checks is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from agents_helpers import (
    AGENTS,
    BROKEN_AT_IMPORT,
    EMPTY,
    LIGHTS_ROUTE,
    LOOPS_EVERY_CALL,
    CountingPolicy,
    route_runner_policy,
    smoke_run,
)

from langprop_driver.agent_runtime import (
    AgentConfig,
    AgentConfigError,
    PolicyCheckError,
    checked_policy,
    resolve_policy,
)
from langprop_driver.agent_runtime import guarded_policy as guarded_policy_module
from leaderboard_adapter.evaluator.route_runner import AgentSpec, RouteOutcome, run_route
from leaderboard_adapter.scoring import RouteEnding

GUARD_LOGGER = "langprop_driver.agent_runtime.guarded_policy"
FAILS_CHECKS = "import os\n\n\ndef drive(observation):\n    return speed\n"

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


@pytest.mark.slow
@pytest.mark.parametrize("version", ["2.1", "1.0"])
def test_raising_looping_and_garbage_answers_brake_for_a_step_and_the_route_goes_on(
    tmp_path, caplog: pytest.LogCaptureFixture, version: str
) -> None:
    (tmp_path / "flaky.py").write_text(FLAKY)
    config = tmp_path / "agent.toml"
    # the healthy steps must not race the limit on a loaded machine; each loop waits it out
    config.write_text('policy = "flaky.py"\nstep_timeout_s = 0.5\n')
    run = smoke_run(LIGHTS_ROUTE)
    caplog.set_level(logging.WARNING, logger="langprop_driver.agent_runtime.guarded_policy")
    outcome = run_route(AgentSpec(AGENTS / "langprop_agent.py", str(config), version, "MAP"), run.town, run.points,
                        EMPTY, 3, version)  # fmt: skip
    assert outcome.failure_detail == ""
    assert outcome.ending is RouteEnding.COMPLETED
    assert outcome.agent_meta["policy_calls"] == outcome.ticks
    assert 3 <= outcome.agent_meta["policy_failures"] <= 3 * (outcome.ticks // 60 + 1)
    messages = [r.getMessage() for r in caplog.records]
    assert any("RuntimeError" in m and "flaky policy" in m for m in messages)
    assert any("Timeout" in m for m in messages)
    assert any("invalid action" in m for m in messages)


def _drive_smoke_route(tmp_path: Path, policy_source: str, settings: str, monkeypatch) -> tuple[RouteOutcome, list]:
    """Smoke route 0 with the LangProp agent on `policy_source`; the outcome and the policies it made."""
    made: list[CountingPolicy] = []

    def counting(*args, **kwargs) -> CountingPolicy:
        made.append(CountingPolicy(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(guarded_policy_module, "SandboxedPolicy", counting)
    (tmp_path / "policy.py").write_text(policy_source)
    config = tmp_path / "agent.toml"
    config.write_text(f'policy = "policy.py"\n{settings}')
    run = smoke_run(LIGHTS_ROUTE)
    outcome = run_route(AgentSpec(AGENTS / "langprop_agent.py", str(config), "2.1", "MAP"), run.town, run.points,
                        EMPTY, 3, "2.1")  # fmt: skip
    return outcome, made


def test_a_policy_that_cannot_load_is_loaded_once_in_setup_and_ends_the_route_as_a_crash(
    tmp_path, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=GUARD_LOGGER)
    outcome, made = _drive_smoke_route(tmp_path, BROKEN_AT_IMPORT, "max_consecutive_failures = 5\n", monkeypatch)
    assert outcome.ending is RouteEnding.AGENT_CRASHED
    assert outcome.ticks == 4  # steps 1 to 4 brake, step 5 is the fifth failure in a row
    assert "failed 5 consecutive calls: could not be loaded: ZeroDivisionError" in outcome.failure_detail
    assert outcome.agent_meta == {"policy_calls": 5, "policy_failures": 5}
    (policy,) = made
    assert policy.events == ["load"]  # loaded in setup, and no worker is asked again
    guard = [r for r in caplog.records if r.name == GUARD_LOGGER]
    assert len(guard) == 1 and "could not be loaded" in guard[0].getMessage()


def test_a_hung_policy_ends_the_route_after_the_run_of_timeouts(tmp_path, monkeypatch) -> None:
    settings = "step_timeout_s = 0.05\nmax_consecutive_failures = 3\n"
    outcome, made = _drive_smoke_route(tmp_path, LOOPS_EVERY_CALL, settings, monkeypatch)
    assert outcome.ending is RouteEnding.AGENT_CRASHED and outcome.ticks == 2
    assert "PolicyGaveUp" in outcome.failure_detail
    assert "failed 3 consecutive calls: Timeout" in outcome.failure_detail
    assert outcome.agent_meta == {"policy_calls": 3, "policy_failures": 3}
    (policy,) = made
    assert policy.events[:2] == ["load", "call"] and policy.events.count("call") == 3


def test_a_policy_failing_the_static_checks_is_not_set_up_and_destroy_does_not_raise(
    tmp_path, monkeypatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    outcome, made = _drive_smoke_route(tmp_path, FAILS_CHECKS, "", monkeypatch)
    assert outcome.ending is RouteEnding.AGENT_SETUP_FAILED and made == []
    assert "fails the static checks: line 1: import of `os`" in outcome.failure_detail
    assert "line 5: name `speed`" in outcome.failure_detail
    assert not [r for r in caplog.records if "destroy()" in r.getMessage()]


def test_the_agent_refuses_a_bad_config_before_any_route_runs(tmp_path) -> None:
    from langprop_driver.agent_runtime.agents import LangPropAgent

    (tmp_path / "bad.py").write_text(FAILS_CHECKS)
    with pytest.raises(PolicyCheckError, match="line 1: import of `os`"):
        LangPropAgent.check_config(str(tmp_path / "bad.py"))
    (tmp_path / "beta.toml").write_text("beta = 2\n")
    with pytest.raises(AgentConfigError, match="beta.toml: beta must be in"):
        LangPropAgent.check_config(str(tmp_path / "beta.toml"))
    with pytest.raises(AgentConfigError, match="no such policy checkpoint folder"):
        LangPropAgent.check_config(str(tmp_path / "nonexistent"))
    LangPropAgent.check_config("baseline")


def test_checked_policy_names_every_failure_and_passes_the_baseline(tmp_path) -> None:
    (tmp_path / "bad.py").write_text(FAILS_CHECKS)
    with pytest.raises(PolicyCheckError) as error:
        checked_policy(AgentConfig(policy=str(tmp_path / "bad.py")))
    message = str(error.value)
    assert message.startswith(f"policy file:{tmp_path / 'bad.py'} fails the static checks: line 1: import of `os`")
    assert message.endswith("; line 5: name `speed` is used but never defined or imported")
    assert checked_policy(AgentConfig()).version == "baseline"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_consecutive_failures = -1\n", "max_consecutive_failures must be an int >= 0"),
        ("max_consecutive_failures = 2.5\n", "max_consecutive_failures must be an int >= 0"),
        ("max_consecutive_failures = true\n", "max_consecutive_failures must be an int >= 0"),
        ("load_timeout_s = 0\n", "load_timeout_s must be > 0"),
        ("extends = 3\n", "extends must be an agent config path"),
        ('extends = "a.toml"\n', "is a cycle"),
        ('extends = "gone.toml"\n', "gone.toml: no such file"),
    ],
)
def test_bad_new_settings_are_named(tmp_path, text: str, message: str) -> None:
    (tmp_path / "a.toml").write_text(text)
    with pytest.raises(AgentConfigError, match=message):
        AgentConfig.load(tmp_path / "a.toml")


def test_extends_takes_the_other_config_and_overrides_it(tmp_path) -> None:
    (tmp_path / "p.py").write_text("def drive(observation):\n    return {}\n")
    (tmp_path / "base.toml").write_text('policy = "p.py"\nbeta = 0.5\nstep_timeout_s = 1.0\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "fast.json").write_text('{"extends": "../base.toml", "step_timeout_s": 0.05}')
    loaded = AgentConfig.load(tmp_path / "sub" / "fast.json")
    assert (Path(loaded.policy).resolve(), loaded.beta, loaded.step_timeout_s) == ((tmp_path / "p.py"), 0.5, 0.05)
    (tmp_path / "on_file.json").write_text(f'{{"extends": "{tmp_path / "p.py"}", "max_consecutive_failures": 0}}')
    on_file = AgentConfig.load(tmp_path / "on_file.json")
    assert (on_file.policy, on_file.max_consecutive_failures) == (str(tmp_path / "p.py"), 0)
    assert AgentConfig.from_dict({"extends": "baseline", "load_timeout_s": 3.0}) == AgentConfig(load_timeout_s=3.0)


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
