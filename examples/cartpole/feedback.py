"""The update prompt's account of a candidate's training episodes: how they ended, and what led to each fall."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import one_line_errors

from .episodes import MAX_STEPS
from .replay import ENDS, Episode, Observation

OBSERVATION_FIELDS = "[cart position m, cart velocity m/s, pole angle rad, pole angular velocity rad/s]"


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class EpisodeFeedbackConfig:
    """How much of the failed episodes the update prompt shows."""

    n_episodes: Annotated[int, Field(ge=0)] = 3
    """Failed episodes shown in detail (the shortest first)."""
    n_steps: Annotated[int, Field(ge=1)] = 5
    """Observations shown before each fall."""

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))


def _vector(observation: Observation) -> str:
    return "[" + ", ".join(f"{value:+.3f}" for value in observation) + "]"


def _detail(episode: Episode, n_steps: int) -> str:
    lines = [f"- seed {episode.seed}: {episode.describe()}"]
    if episode.steps:
        first = len(episode.steps) - min(n_steps, len(episode.steps))
        lines.append(f"  observations before it {OBSERVATION_FIELDS} and the action act returned:")
        for number, step in enumerate(episode.steps[first:], start=first + 1):
            lines.append(f"    step {number}: {_vector(step.observation)} -> {step.action}")
        if episode.final is not None:
            lines.append(f"    after step {len(episode.steps)}: {_vector(episode.final)}")
    return "\n".join(lines)


def episode_feedback(episodes: Sequence[Episode], config: EpisodeFeedbackConfig) -> str:
    """The closed-loop part of an update prompt: the mean return, the ends by kind, and the shortest failed
    episodes with the observations before their end."""
    mean = sum(e.episode_return for e in episodes) / len(episodes)
    lines = [
        f"In closed loop it played {len(episodes)} episodes of CartPole-v1 (seeds "
        f"{', '.join(str(e.seed) for e in episodes)}); the mean return is {mean:.1f} of {MAX_STEPS}, "
        "and the mean return decides which candidate is kept."
    ]
    failed = sorted((e for e in episodes if e.failed), key=lambda e: (len(e.steps), e.seed))
    if not failed:
        return lines[0] + f"\nEvery episode kept the pole up for all {MAX_STEPS} steps."
    kinds = Counter(ENDS[e.end] for e in failed)
    lines.append("Failed episodes: " + "; ".join(f"{kind}: {count}" for kind, count in kinds.most_common()) + ".")
    shown: list[Episode] = []
    for episode in failed:  # an error that repeats in every episode is shown once
        if len(shown) < config.n_episodes and (episode.error is None or all(episode.error != e.error for e in shown)):
            shown.append(episode)
    if shown:
        lines.append(f"The shortest ({len(shown)} shown):")
        lines += [_detail(episode, config.n_steps) for episode in shown]
    return "\n".join(lines)
