"""Test double of a trainer process: runs candidates through the trainer's scoring and the agent's
per-step worker, holding a canary secret in its own environment, and prints what came back as JSON.

    python hostile_parent.py < spec.json > report.json

``spec``: ``{"candidates": {name: source}, "inputs": [...], "function": "policy", "sandbox": {...}}``;
``PARENT_PID`` in a source becomes this process's pid.
The report: ``{"scoring": {name: {"mean_score", "results": [...]}}, "serving": {name: [...]}}`` where each
result is ``{"output", "error"}``. Run as its own process so that a candidate that escaped and killed its
parent kills this process, not pytest.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys

from langprop_driver.engine import (
    Candidate,
    FunctionSpec,
    Judgement,
    PolicyCallError,
    Sample,
    SandboxConfig,
    SandboxedPolicy,
    SandboxPool,
    ScoringConfig,
    Task,
    evaluate,
)


def score_double(output: object, sample: Sample) -> Judgement:
    """Trusted: 1 for twice the input, 0 otherwise."""
    return Judgement(1.0, True) if output == sample.expected else Judgement(0.0, False, "wrong value")


def _result(output: object, error: object, printed: str = "") -> dict:
    return {
        "output": output,
        "error": dataclasses.asdict(error) if error is not None else None,
        "printed": printed,
    }


def main() -> None:
    spec = json.load(sys.stdin)
    function = FunctionSpec(spec.get("function", "policy"), ("x",), "Return twice the number x.")
    config = SandboxConfig(**spec.get("sandbox", {}))
    samples = [Sample(x, 2 * x) for x in spec["inputs"]]
    candidates = [  # no static checks: these tests are about what holds when code gets past them
        Candidate(id=name, source=source.replace("PARENT_PID", str(os.getpid())), origin="given")
        for name, source in spec["candidates"].items()
    ]
    with SandboxPool(config) as pool:
        evaluations = evaluate(
            pool, Task(function, score_double), candidates, samples, ScoringConfig(), seed=0
        )
    scoring = {
        name: {
            "mean_score": evaluation.mean_score,
            "results": [_result(r.output, r.error, r.printed) for r in evaluation.results],
        }
        for name, evaluation in evaluations.items()
    }
    serving: dict[str, list] = {}
    for candidate in candidates:
        with SandboxedPolicy(candidate.source, function, config, name=candidate.id) as policy:
            row = []
            for x in spec["inputs"]:
                try:
                    row.append(_result(policy(x), None))
                except PolicyCallError as exc:
                    row.append(_result(None, exc.error))
            serving[candidate.id] = row
    json.dump({"scoring": scoring, "serving": serving}, sys.stdout)


if __name__ == "__main__":
    main()
