"""The expensive scorer: a task's closed-loop judge of candidates (e.g. driving routes), and its results.

The engine knows nothing of what the scorer runs. A task that can run its candidates for real
supplies an :class:`ExpensiveScorer`; the trainer then scores candidates in a cascade (static
checks, the open-loop score on samples, the expensive scorer for the survivors) and selects on
the expensive score: training fitness ranks the pool, validation fitness (on runs training never
sees) chooses the best.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Annotated, Any, Literal, Protocol

from pydantic import ConfigDict, Field, SkipValidation, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import one_line_errors

from .candidate import Candidate
from .task import Sample

Split = Literal["train", "validation"]
SPLITS: tuple[Split, ...] = ("train", "validation")


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Fitness:
    """One candidate's expensive score on one split.

    score: higher is better (driving: the mean driving score, 0 to 100).
    evidence: independent runs behind the score (more evidence breaks ties).
    summary: plain numbers and short strings for metrics and the checkpoint (e.g. RC, IP, counts).
    feedback: what the update prompt shows of these runs (task-rendered text; "" for none).
    """

    score: Annotated[float, Field(allow_inf_nan=False)]
    evidence: Annotated[int, Field(ge=0)]
    summary: Annotated[Mapping[str, float | str], SkipValidation] = field(default_factory=dict)
    """Kept as given (a count stays an int in the checkpoint)."""
    feedback: str = ""

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))

    def to_json(self) -> dict[str, Any]:
        return {"score": self.score, "evidence": self.evidence, "summary": dict(self.summary),
                "feedback": self.feedback}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fitness:
        return cls(float(data["score"]), int(data["evidence"]), dict(data["summary"]), str(data["feedback"]))


class ExpensiveScorer(Protocol):
    """What a task supplies for closed-loop scoring.

    ``key`` names what the scores mean (runs, seeds, settings): fitness recorded under another key is
    dropped and measured again. ``score`` must give the same result for a candidate whatever else is
    scored with it and however many workers run it. ``visited_samples`` are labelled samples of the
    states the candidates reached on training runs (online DAgger), joined to the training samples.
    """

    key: str

    def score(self, candidates: Sequence[Candidate], split: Split) -> dict[str, Fitness]: ...

    def visited_samples(self) -> list[Sample]: ...

    def close(self) -> None: ...


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class CascadeConfig:
    """Which candidates reach the expensive stage and how many are validated.

    top_k: at most this many new candidates per step go on from the open-loop stage (best open-loop
        mean score first).
    margin: when set, only those whose open-loop mean score is within this of the best new one go on.
    validate_top: the best this many by training fitness that have no validation fitness yet are
        validated each step.
    """

    top_k: Annotated[int, Field(ge=1)] = 4
    margin: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    validate_top: Annotated[int, Field(ge=1)] = 1

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))
