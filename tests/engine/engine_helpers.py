"""Helpers of the engine tests: a toy task (double a number) and fast configurations."""

from __future__ import annotations

from langprop_driver.engine import FunctionSpec, Judgement, LLMConfig, Sample, SandboxConfig, Task

SPEC = FunctionSpec("double", ("x",), "Return twice the number x.")
GOOD = "def double(x):\n    return 2 * x\n"
BAD = "def double(x):\n    return x + 1\n"
FAILING = "def double(x):\n    zero = 0\n    return x / zero if x > 3 else 2 * x\n"


def score_double(output: object, sample: Sample) -> Judgement:
    if output == sample.expected:
        return Judgement(1.0, True)
    return Judgement(0.0, False, "wrong value")


TASK = Task(SPEC, score_double)
SAMPLES = [Sample(x, 2 * x) for x in range(8)]


def fast_sandbox(**overrides: object) -> SandboxConfig:
    """A short call limit (a looping candidate costs little), and a generous grace past it: a worker that
    answers is never waited for, so the grace costs nothing, but a loaded machine must not get a healthy
    worker killed (only a worker stuck in C code waits it out; a test of one gives a short grace)."""
    values = {
        "n_workers": 2,
        "call_timeout_s": 0.5,
        "kill_grace_s": 30.0,
        "memory_limit_mib": 512,
        "chunk_size": 4,
    }
    return SandboxConfig(**{**values, **overrides})


def llm_for(base_url: str, **overrides: object) -> LLMConfig:
    values = {"base_url": base_url, "api_key": "test-key", "model": "test-model"}
    return LLMConfig(**{**values, **overrides})
