"""GuardedPolicy over a real sandbox worker: a policy that cannot load fails once, a run of failures gives up."""

from __future__ import annotations

import logging

import pytest
from agents_helpers import BROKEN_AT_IMPORT, FAILS_TWO_IN_THREE, LOOPS_EVERY_CALL, CountingPolicy

from langprop_driver.agent_runtime import SAFE_ACTION, GuardedPolicy, PolicyGaveUp
from langprop_driver.agent_runtime import guarded_policy as guarded_policy_module
from langprop_driver.driving import DRIVE_SPEC
from langprop_driver.engine import SandboxConfig, SandboxedPolicy

LOGGER = "langprop_driver.agent_runtime.guarded_policy"
def guarded(source: str, max_failures: int, call_timeout_s: float = 5.0, load_timeout_s: float = 10.0):
    config = SandboxConfig(n_workers=1, call_timeout_s=call_timeout_s, load_timeout_s=load_timeout_s, kill_grace_s=0.5)
    policy = CountingPolicy(source, DRIVE_SPEC, config, name="p")
    return GuardedPolicy(policy, "p", max_failures), policy


def test_a_policy_that_cannot_load_fails_once_brakes_and_never_calls_the_worker(caplog) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    policy, inner = guarded(BROKEN_AT_IMPORT, max_failures=0)  # never gives up: brakes every step
    try:
        assert policy.load() is False and policy.load() is False
        steps = [policy.act({}) for _ in range(50)]
    finally:
        policy.close()
    assert inner.events == ["load"]  # one load, then no worker is asked again
    assert all(step.action == SAFE_ACTION for step in steps)
    assert all("could not be loaded" in step.error and "ZeroDivisionError" in step.error for step in steps)
    assert (policy.calls, policy.failures) == (50, 50)
    records = [r for r in caplog.records if r.name == LOGGER]
    assert len(records) == 1 and records[0].levelno == logging.ERROR
    assert "could not be loaded" in records[0].getMessage() and "ZeroDivisionError" in records[0].getMessage()


def test_a_load_failure_fails_every_step_and_gives_up_after_the_run_of_failures() -> None:
    policy, inner = guarded(BROKEN_AT_IMPORT, max_failures=5)
    try:
        policy.load()
        for _ in range(4):
            assert policy.act({}).action == SAFE_ACTION
        with pytest.raises(PolicyGaveUp, match=r"policy p failed 5 consecutive calls: could not be loaded: ZeroDivision"):
            policy.act({})
        with pytest.raises(PolicyGaveUp, match="failed 5 consecutive calls"):
            policy.act({})  # stays given up, without another call
    finally:
        policy.close()
    assert (policy.calls, policy.failures) == (5, 5)
    assert inner.events == ["load"]


def test_a_hung_policy_gives_up_after_the_run_of_timeouts() -> None:
    policy, inner = guarded(LOOPS_EVERY_CALL, max_failures=3, call_timeout_s=0.05)
    try:
        assert policy.load() is True
        assert policy.act({}).error.startswith("Timeout")
        assert policy.act({}).error.startswith("Timeout")
        with pytest.raises(PolicyGaveUp, match="policy p failed 3 consecutive calls: Timeout"):
            policy.act({})
        with pytest.raises(PolicyGaveUp):
            policy.act({})
    finally:
        policy.close()
    assert inner.events.count("call") == 3 and policy.calls == 3


@pytest.mark.parametrize(("max_failures", "gives_up_at"), [(3, None), (2, 2)])
def test_only_consecutive_failures_count(max_failures: int, gives_up_at: int | None) -> None:
    """Calls 1, 2 raise, 3 answers, 4, 5 raise, ...: runs of two failures."""
    policy, _ = guarded(FAILS_TWO_IN_THREE, max_failures=max_failures)
    steps = []
    try:
        for _ in range(12):
            steps.append(policy.act({}))
    except PolicyGaveUp:
        pass
    finally:
        policy.close()
    if gives_up_at is None:
        assert len(steps) == 12 and policy.failures == 8 and policy.gave_up is None
        assert [step.error is None for step in steps[:3]] == [False, False, True]
        assert steps[2].action.target_speed_mps == 1.0
    else:
        assert len(steps) == gives_up_at - 1 and policy.calls == gives_up_at
        assert "failed 2 consecutive calls: RuntimeError" in policy.gave_up


def test_sandboxed_passes_the_step_and_load_limits_to_the_sandbox(monkeypatch) -> None:
    made: list[SandboxConfig] = []

    class Recording(SandboxedPolicy):
        def __init__(self, source: str, spec, config: SandboxConfig, name: str) -> None:
            made.append(config)
            super().__init__(source, spec, config, name)

    monkeypatch.setattr(guarded_policy_module, "SandboxedPolicy", Recording)
    policy = GuardedPolicy.sandboxed(
        "def drive(observation):\n    return None\n", DRIVE_SPEC, "p",
        step_timeout_s=0.3, load_timeout_s=7.0, memory_limit_mib=512, max_consecutive_failures=4,
    )  # fmt: skip
    policy.close()
    (config,) = made
    assert (config.call_timeout_s, config.load_timeout_s, config.memory_limit_mib) == (0.3, 7.0, 512)
    assert policy.max_consecutive_failures == 4
