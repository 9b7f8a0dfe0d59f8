"""The priority tracker: LangProp's decayed running score per candidate, ranking and the pool cut."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class TrackerConfig:
    """How the pool evolves each batch (LangProp's names; driving used 2, 2, 20, 0)."""

    n_top: int = 2
    """Best candidates updated per batch."""
    n_responses: int = 2
    """Children asked for per updated candidate (and ``n_top * n_responses`` at setup)."""
    max_keep: int = 20
    """Pool size after each batch."""
    priority_decay: float = 0.0
    """Weight kept by past batches each batch: 0 scores the current batch only, 1 the lifetime mean."""

    def __post_init__(self) -> None:
        if self.n_top < 1 or self.n_responses < 1:
            raise ValueError("n_top and n_responses must be >= 1")
        if self.max_keep < self.n_top:
            raise ValueError(f"max_keep ({self.max_keep}) must be >= n_top ({self.n_top})")
        if not 0.0 <= self.priority_decay <= 1.0:
            raise ValueError(f"priority_decay must be in [0, 1], got {self.priority_decay}")


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
