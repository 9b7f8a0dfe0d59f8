"""Selection in closed loop: who goes on to the expensive stage, how the pool ranks, and the elite.

Stages that decide a candidate's fate (:data:`STAGES`): ``static`` (it failed the static checks and
never ran), ``open_loop`` (its open-loop score kept it from the expensive stage), ``closed_loop``
(ranked by its training fitness) and ``validation`` (it is the elite, chosen on validation fitness).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from .candidate import Candidate
from .evaluation import Evaluation
from .fitness import CascadeConfig, Fitness, Split
from .tracker import Standing, tie_break

STAGES = ("static", "open_loop", "closed_loop", "validation")

FitnessBook = Mapping[str, Mapping[Split, Fitness]]
"""Candidate id -> split -> its fitness there."""


def admit(
    candidates: Sequence[Candidate],
    evaluations: Mapping[str, Evaluation],
    config: CascadeConfig,
    always: Collection[str] = (),
) -> tuple[list[Candidate], dict[str, str]]:
    """The candidates that go on to the expensive stage, and the stage that stopped each of the others.

    Candidates that fail the static checks stop there. Of the rest, those in ``always`` go on; the
    others are ranked by their open-loop mean score (ties by id) and the first ``config.top_k`` go
    on, with ``config.margin`` only those within it of the best of them. The order of ``candidates``
    is kept.
    """
    stopped = {c.id: "static" for c in candidates if not c.runnable}
    contenders = [c for c in candidates if c.runnable and c.id not in always]
    ranked = sorted(contenders, key=lambda c: (-evaluations[c.id].mean_score, c.id))
    chosen = ranked[: config.top_k]
    if config.margin is not None and chosen:
        best = evaluations[chosen[0].id].mean_score
        chosen = [c for c in chosen if evaluations[c.id].mean_score >= best - config.margin]
    going = {c.id for c in chosen} | {c.id for c in candidates if c.runnable and c.id in always}
    stopped.update({c.id: "open_loop" for c in contenders if c.id not in going})
    return [c for c in candidates if c.id in going], stopped


def closed_loop_rank(
    ids: Collection[str], fitness: FitnessBook, standings: Mapping[str, Standing], seed: int
) -> list[str]:
    """``ids`` best first: those with training fitness by its score, then by evidence (larger first);
    then those without, by open-loop priority; remaining ties by the seed's :func:`tie_break`."""

    def key(cid: str) -> tuple:
        train = fitness.get(cid, {}).get("train")
        if train is not None:
            return (0, -train.score, -train.evidence, 0.0, tie_break(seed, cid))
        standing = standings.get(cid)
        priority = standing.priority if standing is not None else float("-inf")
        return (1, 0.0, 0, -priority, tie_break(seed, cid))

    return sorted(ids, key=key)


def beats(challenger: str, holder: str, fitness: FitnessBook, seed: int) -> bool:
    """Whether ``challenger`` beats ``holder`` on validation: a higher score; at an equal score, more
    evidence; at equal evidence, the seed's :func:`tie_break`. A candidate without validation fitness
    never beats one with it."""
    mine, theirs = fitness.get(challenger, {}).get("validation"), fitness.get(holder, {}).get("validation")
    if mine is None:
        return False
    if theirs is None:
        return True
    if mine.score != theirs.score:
        return mine.score > theirs.score
    if mine.evidence != theirs.evidence:
        return mine.evidence > theirs.evidence
    return tie_break(seed, challenger) < tie_break(seed, holder)


def to_validate(ranked: Sequence[str], fitness: FitnessBook, config: CascadeConfig) -> list[str]:
    """The first ``config.validate_top`` of ``ranked`` that have training fitness but no validation yet."""
    pending = [cid for cid in ranked if "train" in fitness.get(cid, {}) and "validation" not in fitness.get(cid, {})]
    return pending[: config.validate_top]


def elect(elite: str | None, validated: Sequence[str], fitness: FitnessBook, seed: int) -> str | None:
    """The elite after ``validated`` were validated: the holder keeps its place unless one beats it."""
    for cid in validated:
        if elite is None or beats(cid, elite, fitness, seed):
            elite = cid
    return elite


def pool_order(elite: str | None, ranked: Sequence[str], max_keep: int) -> tuple[str, ...]:
    """The kept pool: the elite first (it stays until beaten), then ``ranked`` without it, ``max_keep`` in all."""
    head = [elite] if elite is not None else []
    return tuple([*head, *(cid for cid in ranked if cid != elite)][:max_keep])
