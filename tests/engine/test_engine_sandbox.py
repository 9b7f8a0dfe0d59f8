"""Sandboxed evaluation: failures are captured with their line, limits hold, workers are replaced."""

from __future__ import annotations

import pytest
from engine_helpers import FAILING, GOOD, SPEC, fast_sandbox

from langprop_driver.engine import PolicyCallError, PolicyLoadError, Program, SandboxedPolicy, SandboxPool
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES
from langprop_driver.sandbox.process import worker_environment

LOOPING = "def double(x):\n    while True:\n        pass\n"
NATIVE_LOOP = "def double(x):\n    return sum(range(10**12))\n"
MEMORY_EATER = "def double(x):\n    hog = []\n    while True:\n        hog.append(bytearray(64 * 2**20))\n"
RUNTIME_IMPORT = "def double(x):\n    import subprocess\n    return x\n"
RANDOM = "import random\n\ndef double(x):\n    print('value', x)\n    return x + random.random()\n"


def run(sources: list[str], inputs: list, **config: object) -> list[list]:
    with SandboxPool(fast_sandbox(**config)) as pool:
        return pool.run([Program(f"c{i}", s, "double") for i, s in enumerate(sources)], inputs)


def test_outputs_and_exception_type_message_and_line() -> None:
    good, failing = run([GOOD, FAILING], [1, 5])
    assert [r.output for r in good] == [2, 10]
    assert failing[0].output == 2 and failing[0].ok
    error = failing[1].error
    assert (error.type, error.line, error.message) == ("ZeroDivisionError", 3, "division by zero")
    assert error.line_text == "return x / zero if x > 3 else 2 * x"


def test_loops_and_forbidden_import_fail_and_the_run_goes_on() -> None:
    # a short grace: the native loop cannot answer its alarm, each of its samples waits the grace out
    looping, native, imports, good = run(
        [LOOPING, NATIVE_LOOP, RUNTIME_IMPORT, GOOD], [1, 2], kill_grace_s=0.3
    )
    assert {r.error.type for r in looping} == {"Timeout"}
    assert {r.error.type for r in native} == {"Timeout"}  # killed and replaced: the signal cannot interrupt C
    assert imports[0].error.type == "ImportError" and "not allowed" in imports[0].error.message
    assert [r.output for r in good] == [2, 4]


def test_memory_limit_gives_a_memory_error_and_the_run_goes_on() -> None:
    # a generous call limit: on a loaded machine the allocations must not race the timeout
    memory, good = run([MEMORY_EATER, GOOD], [1, 2], memory_limit_mib=384, call_timeout_s=120.0)
    assert [r.error.type for r in memory] == ["MemoryError", "MemoryError"]
    assert memory[0].error.line == 4
    assert [r.output for r in good] == [2, 4]


def test_results_do_not_depend_on_the_worker_count() -> None:
    inputs = list(range(10))
    one = run([RANDOM, FAILING], inputs, n_workers=1, chunk_size=3)
    two = run([RANDOM, FAILING], inputs, n_workers=2, chunk_size=3)
    assert one == two
    assert one[0][0].printed == "value 0\n"


def test_workers_hold_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("MY_TOKEN", "secret")
    assert not {"OPENAI_API_KEY", "MY_TOKEN"} & set(worker_environment())
    source = "import os\n\ndef double(x):\n    return sorted(os.environ)\n"
    [[result]] = run([source], [0], allowed_modules=(*DEFAULT_ALLOWED_MODULES, "os"))
    assert result.ok and "OPENAI_API_KEY" not in result.output and "MY_TOKEN" not in result.output


def test_sandboxed_policy_calls_and_raises_with_location() -> None:
    with SandboxedPolicy(FAILING, SPEC, fast_sandbox()) as policy:
        assert policy(3) == 6
        with pytest.raises(PolicyCallError, match="ZeroDivisionError at line 3"):
            policy(4)
        with pytest.raises(TypeError, match="takes 1 argument"):
            policy(1, 2)


SLOW_LOAD = (
    "import time\n\nstarted = time.monotonic()\nwhile time.monotonic() - started < 1.0:\n    pass\n\n\n"
    "def double(x):\n    return 2 * x\n"
)
ENDLESS_LOAD = "while True:\n    pass\n\n\ndef double(x):\n    return 2 * x\n"


def test_loading_has_its_own_time_limit_apart_from_the_calls() -> None:
    # the module takes at least 1 s to load, five times the call limit: it is a load, not a call
    config = {
        "call_timeout_s": 0.2,
        "load_timeout_s": 120.0,
        "allowed_modules": (*DEFAULT_ALLOWED_MODULES, "time"),
    }
    [results] = run([SLOW_LOAD], [1, 2], **config)
    assert [r.output for r in results] == [2, 4]
    with SandboxedPolicy(SLOW_LOAD, SPEC, fast_sandbox(**config)) as policy:
        assert policy(3) == 6


def test_a_load_that_never_ends_fails_once_as_a_load() -> None:
    [results] = run([ENDLESS_LOAD], [1, 2, 3], load_timeout_s=0.5, call_timeout_s=60.0)
    assert {(r.error.type, r.error.message) for r in results} == {
        ("Timeout", "loading the candidate ran longer than 0.5 s")
    }
    with SandboxedPolicy(ENDLESS_LOAD, SPEC, fast_sandbox(load_timeout_s=0.5)) as policy:
        with pytest.raises(PolicyLoadError, match="loading the candidate ran longer than 0.5 s"):
            policy(1)
        with pytest.raises(PolicyLoadError):  # the same error again, without another worker
            policy(2)
