"""Update-prompt feedback: the numbered source is shown whole, only the groups and examples are budgeted."""

from __future__ import annotations

from engine_helpers import SAMPLES, SPEC, TASK

from langprop_driver.engine import Candidate, FeedbackConfig, Judgement
from langprop_driver.engine.evaluation import Evaluation
from langprop_driver.engine.feedback import build_feedback, numbered
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES
from langprop_driver.sandbox.results import CallResult

LONG_SOURCE = "def double(x):\n" + "".join(f"    step_{i} = x + {i}  # a long helper line\n" for i in range(400)) + (
    "    return x + 1\n"
)
"""A candidate of about 16 k characters: more than twice a 6000-character budget."""


def _wrong_everywhere(candidate: Candidate, notes: tuple[str, ...] = ("wrong value",)) -> Evaluation:
    """Every sample answered x + 1 and judged wrong, with notes cycling through ``notes``."""
    return Evaluation(
        candidate.id,
        tuple(Judgement(0.0, False, notes[i % len(notes)]) for i in range(len(SAMPLES))),
        tuple(CallResult(output=s.input + 1) for s in SAMPLES),
    )


def _candidate(source: str) -> Candidate:
    return Candidate.create("long", source, SPEC, DEFAULT_ALLOWED_MODULES, origin="given")


def test_a_long_source_is_shown_whole_and_the_examples_still_fit_the_budget() -> None:
    candidate = _candidate(LONG_SOURCE)
    config = FeedbackConfig(n_examples=3, budget_chars=6000)
    feedback = build_feedback(TASK, candidate, _wrong_everywhere(candidate), SAMPLES, 0.0, config)
    assert len(LONG_SOURCE) > 2 * config.budget_chars
    assert feedback.numbered_source == numbered(LONG_SOURCE)
    assert "more characters" not in feedback.numbered_source
    assert feedback.numbered_source.splitlines()[-1].endswith("|     return x + 1")
    # the source no longer eats the budget: all three worst examples are shown
    assert [e.index for e in feedback.examples] == [0, 1, 2] and feedback.omitted == 0
    messages = TASK.templates.render("update", spec=SPEC, allowed_modules=("math",), feedback=feedback)
    assert numbered(LONG_SOURCE) in messages[1]["content"]


def test_the_budget_cuts_examples_then_failure_groups_never_the_source() -> None:
    candidate = _candidate(LONG_SOURCE)
    notes = tuple(f"wrong value of kind {k} " + "x" * 60 for k in range(8))
    evaluation = _wrong_everywhere(candidate, notes)
    full = build_feedback(TASK, candidate, evaluation, SAMPLES, 0.0, FeedbackConfig(budget_chars=5000))
    assert len(full.failure_groups) == 8 and full.omitted_groups == 0 and len(full.examples) == 3
    tight = build_feedback(TASK, candidate, evaluation, SAMPLES, 0.0, FeedbackConfig(budget_chars=400))
    assert tight.numbered_source == numbered(LONG_SOURCE)
    assert tight.examples == () and tight.omitted == 3
    assert 0 < len(tight.failure_groups) < 8 and tight.omitted_groups == 8 - len(tight.failure_groups)
    assert tight.failure_groups == full.failure_groups[: len(tight.failure_groups)]
    shown = sum(len(g.label) + len(g.example) + 30 for g in tight.failure_groups)
    assert shown <= 400
