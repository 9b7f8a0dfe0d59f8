"""Priority blending, deterministic ranking and batches, and update-prompt feedback."""

from __future__ import annotations

import pytest
from engine_helpers import BAD, FAILING, SAMPLES, SPEC, TASK, fast_sandbox

from langprop_driver.engine import Candidate, FeedbackConfig, SandboxPool, ScoringConfig, Standing, evaluate
from langprop_driver.engine.batching import batch_indices
from langprop_driver.engine.feedback import build_feedback
from langprop_driver.engine.tracker import rank
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES


@pytest.mark.parametrize(("decay", "expected"), [(0.0, 0.0), (1.0, 2 / 3), (0.5, 0.5)])
def test_priority_blends_the_batch_with_the_decayed_past(decay: float, expected: float) -> None:
    standing = Standing.first(batch_mean=1.0, batch_size=10).updated(
        batch_mean=0.0, batch_size=5, decay=decay
    )
    assert standing.priority == pytest.approx(expected)
    assert standing.sample_weight == pytest.approx(10 * decay + 5) and standing.batches == 2


def test_ties_are_broken_by_the_seed_and_reproducibly() -> None:
    standings = {f"c{i}": Standing(1.0, 1.0, 1) for i in range(6)} | {"best": Standing(2.0, 1.0, 1)}
    orders = {seed: rank(standings, seed) for seed in range(5)}
    assert all(order[0] == "best" for order in orders.values())
    assert len({tuple(order) for order in orders.values()}) > 1
    assert rank(standings, 3) == orders[3]


def test_batches_are_seeded_and_cover_each_epoch() -> None:
    first_epoch = [i for step in (1, 2) for i in batch_indices(10, 5, step, seed=7)]
    assert sorted(first_epoch) == list(range(10))
    assert (
        batch_indices(10, 5, 3, seed=7) == batch_indices(10, 5, 3, seed=7) != batch_indices(10, 5, 3, seed=8)
    )


def test_feedback_shows_numbered_source_groups_and_worst_examples_in_budget() -> None:
    candidates = [Candidate.create(name, source, SPEC, DEFAULT_ALLOWED_MODULES, origin="given")
                  for name, source in (("failing", FAILING), ("bad", BAD))]  # fmt: skip
    with SandboxPool(fast_sandbox()) as pool:
        evaluations = evaluate(pool, TASK, candidates, SAMPLES, ScoringConfig(), seed=0)
    failing = build_feedback(
        TASK, candidates[0], evaluations["failing"], SAMPLES, -5.0, FeedbackConfig(n_examples=2)
    )
    assert failing.numbered_source.splitlines()[2] == "3 |     return x / zero if x > 3 else 2 * x"
    [group] = failing.failure_groups
    assert (
        group.label == "ZeroDivisionError at line 3 (`return x / zero if x > 3 else 2 * x`)"
        and group.count == 4
    )
    assert [e.index for e in failing.examples] == [4, 5] and failing.n_passed == 4
    bad = build_feedback(
        TASK, candidates[1], evaluations["bad"], SAMPLES, 0.0, FeedbackConfig(budget_chars=200)
    )
    assert bad.failure_groups[0].label == "wrong output (wrong value)" and bad.failure_groups[0].count == 7
    assert 0 < bad.omitted == 3 - len(bad.examples)
    assert len(bad.numbered_source) + sum(e.size for e in bad.examples) <= 200
    messages = TASK.templates.render("update", spec=SPEC, allowed_modules=("math",), feedback=failing)
    assert "sample 4, score -10.000" in messages[1]["content"] and "expected: 8" in messages[1]["content"]
