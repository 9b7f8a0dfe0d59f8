"""SandboxedPolicy called step by step: the candidate is loaded once, failures do not end the policy."""

from __future__ import annotations

import pytest
from engine_helpers import fast_sandbox

from langprop_driver.engine import FunctionSpec, PolicyCallError, SandboxedPolicy
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES

SPEC = FunctionSpec("step", ("x",), "Returns how often it was called, or fails on request.")
COUNTING = """\
calls = 0

def step(x):
    global calls
    calls += 1
    if x == "loop":
        while True:
            pass
    if x == "raise":
        raise ValueError("asked to")
    if x == "memory":
        return len(bytearray(4 * 1024 ** 3))
    if x == "exit":
        import os
        os._exit(3)
    return calls
"""


def test_candidate_is_loaded_once_and_survives_exceptions_and_timeouts() -> None:
    # the healthy calls must not race the limit on a loaded machine; the loop waits it out once, and a
    # generous grace keeps the worker (its answer to the alarm) however slowly it is scheduled
    with SandboxedPolicy(COUNTING, SPEC, fast_sandbox(call_timeout_s=2.0, kill_grace_s=60.0)) as policy:
        assert [policy(0), policy(0)] == [1, 2]  # module state lives on between calls
        with pytest.raises(PolicyCallError, match="ValueError at line 10"):
            policy("raise")
        with pytest.raises(PolicyCallError, match="Timeout"):
            policy("loop")
        with pytest.raises(PolicyCallError, match="MemoryError"):
            policy("memory")
        assert policy(0) == 6  # the same worker, the same module: six calls so far


def test_a_dead_worker_is_replaced_and_the_candidate_loaded_again() -> None:
    config = fast_sandbox(allowed_modules=(*DEFAULT_ALLOWED_MODULES, "os"))
    with SandboxedPolicy(COUNTING, SPEC, config) as policy:
        assert policy(0) == 1
        with pytest.raises(PolicyCallError, match="WorkerDied"):
            policy("exit")
        assert policy(0) == 1  # a fresh worker: the module was loaded again


def test_a_candidate_that_does_not_load_raises_on_every_call() -> None:
    with SandboxedPolicy("import socket\n\ndef step(x):\n    return 1\n", SPEC, fast_sandbox()) as policy:
        for _ in range(2):
            with pytest.raises(PolicyCallError, match="socket"):
                policy(0)
