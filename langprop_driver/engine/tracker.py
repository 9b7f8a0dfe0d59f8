"""The priority tracker: LangProp's decayed running score per candidate, ranking and the pool cut."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from leaderboard_adapter.settings import one_line_errors


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class TrackerConfig:
    """How the pool evolves each batch (LangProp's names; driving used 2, 2, 20, 0)."""

    n_top: Annotated[int, Field(ge=1)] = 2
    """Best candidates updated per batch."""
    n_responses: Annotated[int, Field(ge=1)] = 2
    """Children asked for per updated candidate (and ``n_top * n_responses`` at setup)."""
    max_keep: int = 20
    """Pool size after each batch."""
    priority_decay: Annotated[float, Field(ge=0, le=1)] = 0.0
    """Weight kept by past batches each batch: 0 scores the current batch only, 1 the lifetime mean."""

    @model_validator(mode="after")
    def _pool_holds_the_updated(self) -> TrackerConfig:
        if self.max_keep < self.n_top:
            raise ValueError(f"max_keep ({self.max_keep}) must be >= n_top ({self.n_top})")
        return self

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))


@dataclass(frozen=True)
class Standing:
    """A candidate's priority and the (decayed) number of samples behind it."""

    priority: float
    sample_weight: float
    batches: int

    def updated(self, batch_mean: float, batch_size: int, decay: float) -> Standing:
        """Blend this batch's mean with the past priority, the past weighted by its decayed sample count."""
        past_weight = self.sample_weight * decay
        weight = past_weight + batch_size
        priority = (self.priority * past_weight + batch_mean * batch_size) / weight
        return Standing(priority, weight, self.batches + 1)

    @staticmethod
    def first(batch_mean: float, batch_size: int) -> Standing:
        return Standing(batch_mean, float(batch_size), 1)


def tie_break(seed: int, candidate_id: str) -> str:
    """A stable, seed-dependent order among equal priorities (not Python's salted ``hash``)."""
    return hashlib.sha256(f"{seed}:{candidate_id}".encode()).hexdigest()


def rank(standings: dict[str, Standing], seed: int) -> list[str]:
    """Candidate ids, best priority first; ties ordered by :func:`tie_break`."""
    return sorted(standings, key=lambda cid: (-standings[cid].priority, tie_break(seed, cid)))
