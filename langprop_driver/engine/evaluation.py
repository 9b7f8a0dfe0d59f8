"""Scoring candidates on a batch: static-check failures without running, the rest in the sandbox."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ConfigDict, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from langprop_driver.sandbox.pool import Program, SandboxPool
from langprop_driver.sandbox.results import CallResult
from leaderboard_adapter.settings import one_line, one_line_errors

from .candidate import Candidate
from .task import Judgement, Sample, Task

logger = logging.getLogger(__name__)


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class ScoringConfig:
    """Scores given to failures that the task's score function never sees."""

    exception_score: float = -10.0
    """A call that raised, timed out or killed its worker."""
    invalid_score: float = -20.0
    """A candidate that failed the static checks (it never runs)."""

    @model_validator(mode="after")
    def _invalid_is_worse(self) -> ScoringConfig:
        if self.invalid_score > self.exception_score:
            raise ValueError(
                "invalid_score should not be above exception_score: a candidate that cannot run is worse"
            )
        return self

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))


@dataclass(frozen=True)
class Evaluation:
    """One candidate on one batch: per-sample results (empty if it could not run) and judgements."""

    candidate_id: str
    judgements: tuple[Judgement, ...]
    results: tuple[CallResult, ...]

    @property
    def mean_score(self) -> float:
        return sum(j.score for j in self.judgements) / len(self.judgements) if self.judgements else 0.0

    @property
    def pass_ratio(self) -> float:
        return sum(j.passed for j in self.judgements) / len(self.judgements) if self.judgements else 0.0


def _judge(task: Task, result: CallResult, sample: Sample, config: ScoringConfig) -> Judgement:
    if result.error is not None:
        return Judgement(config.exception_score, False, result.error.type)
    try:
        judgement = task.score(result.output, sample)
    except Exception as exc:  # noqa: BLE001 - an output the scorer cannot read is a wrong output
        logger.debug("the score function rejected an output", exc_info=True)
        return Judgement(
            config.exception_score, False, f"output rejected by the scorer: {type(exc).__name__}: {one_line(exc)}"
        )
    if not isinstance(judgement, Judgement):
        raise TypeError(f"the task's score function must return a Judgement, got {type(judgement).__name__}")
    return judgement


def evaluate(
    pool: SandboxPool,
    task: Task,
    candidates: Sequence[Candidate],
    samples: Sequence[Sample],
    config: ScoringConfig,
    seed: int,
) -> dict[str, Evaluation]:
    """Score every candidate on every sample; identical whatever the pool's worker count."""
    runnable = [c for c in candidates if c.runnable]
    programs = [Program(c.id, c.source, task.spec.name) for c in runnable]
    results = pool.run(programs, [s.input for s in samples], spread_args=task.spec.spread_args, seed=seed)
    evaluations = {}
    for candidate, candidate_results in zip(runnable, results, strict=True):
        judgements = tuple(
            _judge(task, r, s, config) for r, s in zip(candidate_results, samples, strict=True)
        )
        evaluations[candidate.id] = Evaluation(candidate.id, judgements, tuple(candidate_results))
    invalid = Judgement(config.invalid_score, False, "failed static checks")
    for candidate in candidates:
        if not candidate.runnable:
            evaluations[candidate.id] = Evaluation(candidate.id, (invalid,) * len(samples), ())
    return {c.id: evaluations[c.id] for c in candidates}
