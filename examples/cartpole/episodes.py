"""The episode loop a sandbox worker runs around a candidate: gymnasium's CartPole-v1, built in the worker.

This module is the sandbox harness of the CartPole scorer (``SandboxConfig.harness``): the template
process imports it (and gymnasium's CartPole with it) before any worker is confined, and each call of a
candidate becomes ``play(act, seed)``. It is trusted code sharing a process with hostile code, so the
parent believes nothing of the worker's but the actions it returns, and replays them (``replay.py``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import gymnasium
from gymnasium.envs.classic_control import cartpole  # noqa: F401 - imported before workers are confined

ENV_ID = "CartPole-v1"
MAX_STEPS = 500
"""CartPole-v1's time limit [steps]; each step the pole stays up earns 1, so this is the best return."""
ACTIONS = {0: "push the cart left", 1: "push the cart right"}
HARNESS = f"{__name__}:play"
"""This module's episode loop, as ``SandboxConfig.harness`` names it."""


class InvalidAction(ValueError):
    """``act`` returned something other than the int 0 or 1."""


def is_action(value: Any) -> bool:
    """Whether ``value`` is an action: the int 0 or 1 (numpy integers too; not a bool, not a float)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) in ACTIONS


def make_env() -> gymnasium.Env:
    """gymnasium's CartPole-v1, with its 500-step time limit."""
    return gymnasium.make(ENV_ID)


def as_observation(observation: Sequence[float]) -> list[float]:
    """What ``act`` is given: [cart position m, cart velocity m/s, pole angle rad, pole angular velocity rad/s]."""
    return [float(value) for value in observation]


def play(act: Callable[[list[float]], Any], seed: int) -> list[int]:
    """One episode from ``reset(seed=seed)`` with ``act`` choosing every action: the actions, in order.

    Raises :class:`InvalidAction` at the first answer that is not an action; whatever ``act`` raises
    goes through (the sandbox reports it with the candidate's line).
    """
    env = make_env()
    observation, _ = env.reset(seed=seed)
    actions: list[int] = []
    while True:
        action = act(as_observation(observation))
        if not is_action(action):
            raise InvalidAction(
                f"act returned {action!r} at step {len(actions) + 1}; an action is the int 0 ({ACTIONS[0]}) "
                f"or 1 ({ACTIONS[1]})"
            )
        actions.append(int(action))
        observation, _, terminated, truncated, _ = env.step(actions[-1])
        if terminated or truncated:
            return actions
