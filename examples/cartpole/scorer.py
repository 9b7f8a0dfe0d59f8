"""The CartPole expensive scorer: each candidate plays seeded episodes in sandbox workers; fitness is the
mean return / 500.

Every episode is one call through the sandbox harness ``episodes.play`` (the environment is built in the
worker, a fresh worker and candidate module per episode), and the actions it returns are replayed in the
parent (``replay.py``). An episode in which ``act`` raises, runs out of time or returns something other than
an action scores 0; the run goes on. Training episodes and validation episodes have disjoint seeds; each
candidate's episodes are written to ``<run_dir>/episodes/<split>/<candidate>.json``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import Annotated

import gymnasium
from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass

from langprop_driver.engine import Candidate, Program, Sample, SandboxConfig, SandboxPool
from langprop_driver.engine.fitness import Fitness, Split
from langprop_driver.engine.llm_cache import write_json_atomic
from leaderboard_adapter.settings import one_line_errors

from .episodes import ENV_ID, HARNESS, MAX_STEPS
from .feedback import EpisodeFeedbackConfig, episode_feedback
from .replay import Episode, replay
from .task import SPEC

RESULTS_DIR = "episodes"


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class EpisodeConfig:
    """What the candidates play: the episode seeds of each split, and their limits."""

    train_seeds: tuple[int, ...] = tuple(range(5))
    validation_seeds: tuple[int, ...] = tuple(range(1000, 1010))
    episode_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    """Wall-clock limit of one episode in its worker [s] (500 calls of ``act`` and the environment's steps)."""
    workers: int | None = None
    """Episodes played at once; None: one per core. Results do not depend on it."""
    feedback: EpisodeFeedbackConfig = field(default_factory=EpisodeFeedbackConfig)

    @model_validator(mode="after")
    def _splits_apart(self) -> EpisodeConfig:
        if not self.train_seeds or not self.validation_seeds:
            raise ValueError("each split needs at least one episode seed")
        shared = set(self.train_seeds) & set(self.validation_seeds)
        if shared:
            raise ValueError(f"validation must be episodes training never plays; seeds {sorted(shared)} are in both")
        return self

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))

    @classmethod
    def counted(cls, n_train: int, n_validation: int, seed: int, **settings: object) -> EpisodeConfig:
        """``n_train`` training seeds from ``1000 * seed`` and ``n_validation`` validation seeds after them."""
        if n_train < 1 or n_validation < 1:
            raise ValueError(f"need at least one episode per split, got {n_train} and {n_validation}")
        first = 1000 * seed
        train = tuple(range(first, first + n_train))
        return cls(train, tuple(range(first + n_train, first + n_train + n_validation)), **settings)  # type: ignore[arg-type]

    def seeds(self, split: Split) -> tuple[int, ...]:
        return self.train_seeds if split == "train" else self.validation_seeds


class EpisodeScorer:
    """The :class:`~langprop_driver.engine.fitness.ExpensiveScorer` of CartPole (see the module doc)."""

    def __init__(self, run_dir: str | Path, config: EpisodeConfig | None = None,
                 sandbox: SandboxConfig | None = None) -> None:  # fmt: skip
        self.run_dir = Path(run_dir)
        self.config = config = config or EpisodeConfig()
        sandbox = sandbox or SandboxConfig()
        self._pool = SandboxPool(replace(sandbox, harness=HARNESS, call_timeout_s=config.episode_timeout_s,
                                         chunk_size=1, n_workers=config.workers))  # fmt: skip
        described = {"env": ENV_ID, "gymnasium": gymnasium.__version__, "train": config.train_seeds,
                     "validation": config.validation_seeds, "episode_timeout_s": config.episode_timeout_s}  # fmt: skip
        self.key = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()[:16]

    def play(self, candidates: Sequence[Candidate], split: Split) -> dict[str, list[Episode]]:
        """Every candidate's episodes of ``split``, as replayed in this process."""
        seeds = self.config.seeds(split)
        programs = [Program(c.id, c.source, SPEC.name) for c in candidates]
        results = self._pool.run(programs, list(seeds))
        return {c.id: [replay(seed, r) for seed, r in zip(seeds, row, strict=True)]
                for c, row in zip(candidates, results, strict=True)}  # fmt: skip

    def score(self, candidates: Sequence[Candidate], split: Split) -> dict[str, Fitness]:
        """Each candidate's fitness on ``split``: mean return / 500, with feedback on training episodes."""
        fitness = {}
        for cid, episodes in self.play(candidates, split).items():
            self._write(cid, split, episodes)
            returns = [e.episode_return for e in episodes]
            summary: dict[str, float | str] = {
                "mean_return": sum(returns) / len(returns),
                "failed": float(sum(e.failed for e in episodes)),
                "errors": float(sum(e.error is not None for e in episodes)),
                "env_steps": float(sum(len(e.steps) for e in episodes)),
            }
            feedback = episode_feedback(episodes, self.config.feedback) if split == "train" else ""
            fitness[cid] = Fitness(sum(returns) / len(returns) / MAX_STEPS, len(episodes), summary, feedback)
        return fitness

    def _write(self, cid: str, split: Split, episodes: list[Episode]) -> None:
        rows = [{"seed": e.seed, "return": e.episode_return, "end": e.end,
                 "error": e.error.describe() if e.error is not None else None} for e in episodes]  # fmt: skip
        write_json_atomic(self.run_dir / RESULTS_DIR / split / f"{cid}.json",
                          {"candidate": cid, "split": split, "key": self.key, "episodes": rows})  # fmt: skip

    def visited_samples(self) -> list[Sample]:
        """None: CartPole has no labels for the states the candidates visit."""
        return []

    def close(self) -> None:
        self._pool.close()


def env_steps(run_dir: str | Path) -> dict[str, int]:
    """Environment steps played in ``run_dir`` so far, per split (from the episodes written there); steps of
    episodes in which ``act`` failed are not known and not counted."""
    totals = {}
    for split in ("train", "validation"):
        files = sorted((Path(run_dir) / RESULTS_DIR / split).glob("*.json"))
        totals[split] = int(sum(row["return"] for f in files for row in json.loads(f.read_text())["episodes"]))
    return totals
