"""Feedback for an update prompt: the whole numbered source, failures grouped by kind, worst examples in a budget.

The source to rewrite is always shown whole: a cut source would ask the LLM to rewrite code it
cannot see. Only the failure groups and the examples are fitted to ``FeedbackConfig.budget_chars``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from leaderboard_adapter.settings import one_line_errors

from .candidate import Candidate
from .evaluation import Evaluation
from .task import Sample, Task


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class FeedbackConfig:
    """How much the update prompt shows."""

    n_examples: Annotated[int, Field(ge=0)] = 3
    """Worst examples shown (K)."""
    value_chars: Annotated[int, Field(ge=20)] = 400
    """Each input, output, expected value and printed output is cut to this many characters."""
    budget_chars: Annotated[int, Field(ge=200)] = 6000
    """The failure groups and examples are kept under this many characters; the numbered source is
    always shown whole, outside this budget."""

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))


@dataclass(frozen=True)
class FailureGroup:
    label: str
    count: int
    example: str


@dataclass(frozen=True)
class Example:
    index: int
    score: float
    input: str
    output: str
    expected: str
    error: str
    note: str
    printed: str

    @property
    def size(self) -> int:
        return sum(
            len(text)
            for text in (self.input, self.output, self.expected, self.error, self.note, self.printed)
        )


@dataclass(frozen=True)
class Feedback:
    """The template context ``feedback`` of an update prompt."""

    numbered_source: str
    check_failures: tuple[str, ...]
    priority: float
    mean_score: float
    pass_ratio: float
    n_passed: int
    n_samples: int
    failure_groups: tuple[FailureGroup, ...]
    examples: tuple[Example, ...]
    omitted: int
    value_chars: int
    budget_chars: int
    omitted_groups: int = 0
    """Failure groups (the rarest kinds) left out to keep within ``budget_chars``."""


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    marker = f"... [{len(text) - limit} more characters]"
    return text[: max(0, limit - len(marker))] + marker


def numbered(source: str) -> str:
    lines = source.rstrip("\n").splitlines()
    width = len(str(len(lines)))
    return "\n".join(f"{number:>{width}} | {line}" for number, line in enumerate(lines, start=1))


GROUP_OVERHEAD_CHARS = 30
"""Characters a failure group's line adds to its label and example in the prompt (bullet, count)."""
EXAMPLE_OVERHEAD_CHARS = 80
"""Characters an example adds to its values in the prompt (heading, field names)."""


def _group_size(group: FailureGroup) -> int:
    return len(group.label) + len(group.example) + GROUP_OVERHEAD_CHARS


def _failure_groups(evaluation: Evaluation) -> tuple[FailureGroup, ...]:
    labels: Counter[str] = Counter()
    first_message: dict[str, str] = {}
    for index, judgement in enumerate(evaluation.judgements):
        if judgement.passed:
            continue
        error = evaluation.results[index].error if evaluation.results else None
        if error is not None:
            where = f" at line {error.line} (`{error.line_text}`)" if error.line is not None else ""
            label, message = f"{error.type}{where}", error.message
        else:
            label, message = f"wrong output ({judgement.note})" if judgement.note else "wrong output", ""
        labels[label] += 1
        first_message.setdefault(label, message)
    return tuple(
        FailureGroup(label, count, cut(repr(first_message[label]), 200) if first_message[label] else "")
        for label, count in sorted(labels.items(), key=lambda item: (-item[1], item[0]))
    )


def _example(task: Task, evaluation: Evaluation, samples: list[Sample], index: int, chars: int) -> Example:
    judgement = evaluation.judgements[index]
    result = evaluation.results[index]
    sample = samples[index]
    return Example(
        index=index,
        score=judgement.score,
        input=cut(task.render_value(sample.input), chars),
        output=cut(task.render_value(result.output), chars) if result.ok else "",
        expected=cut(task.render_value(sample.expected), chars),
        error=cut(result.error.describe(), chars) if result.error else "",
        note=cut(judgement.note, chars) if not result.error else "",
        printed=cut(result.printed, chars),
    )


def build_feedback(
    task: Task,
    candidate: Candidate,
    evaluation: Evaluation,
    samples: list[Sample],
    priority: float,
    config: FeedbackConfig,
) -> Feedback:
    """Feedback on ``candidate`` from its evaluation on ``samples``: the whole numbered source, then the
    failure groups (most frequent first) and the worst examples that fit in ``config.budget_chars``."""
    source = numbered(candidate.source)
    groups: list[FailureGroup] = []
    used = 0
    all_groups = _failure_groups(evaluation)
    for group in all_groups:
        if used + _group_size(group) > config.budget_chars:
            break
        groups.append(group)
        used += _group_size(group)
    examples: list[Example] = []
    if evaluation.results:
        order = sorted(range(len(samples)), key=lambda i: (evaluation.judgements[i].score, i))
        worst = [i for i in order if not evaluation.judgements[i].passed][: config.n_examples]
        for index in worst:
            example = _example(task, evaluation, samples, index, config.value_chars)
            if used + example.size + EXAMPLE_OVERHEAD_CHARS > config.budget_chars:
                break
            examples.append(example)
            used += example.size + EXAMPLE_OVERHEAD_CHARS
        omitted = len(worst) - len(examples)
    else:
        omitted = 0
    return Feedback(
        numbered_source=source,
        check_failures=tuple(failure.describe() for failure in candidate.check_failures),
        priority=priority,
        mean_score=evaluation.mean_score,
        pass_ratio=evaluation.pass_ratio,
        n_passed=sum(j.passed for j in evaluation.judgements),
        n_samples=len(evaluation.judgements),
        failure_groups=tuple(groups),
        examples=tuple(examples),
        omitted=omitted,
        value_chars=config.value_chars,
        budget_chars=config.budget_chars,
        omitted_groups=len(all_groups) - len(groups),
    )
