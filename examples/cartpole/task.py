"""The CartPole task: the function ``act(observation) -> int``, its prompts, and the open-loop filter.

CartPole has no labels: the open-loop stage only checks, on sampled states, that a candidate answers
with an action; the closed-loop scorer (scorer.py) ranks candidates by the return of the episodes they play.
"""

from __future__ import annotations

import random
from pathlib import Path

from langprop_driver.engine import FunctionSpec, Judgement, PromptTemplates, Sample, Task

from .episodes import ACTIONS, is_action

SPEC = FunctionSpec(
    name="act",
    args=("observation",),
    doc=(
        "Choose the push of one step of gymnasium's CartPole-v1: a pole hinged on a cart that rolls along a\n"
        "frictionless track. Keep the pole upright and the cart on the track for 500 steps of 0.02 s.\n"
        "observation: a list of 4 floats, in this order:\n"
        "  [0] cart position [m]: 0 at the track's centre, positive to the right; beyond +-2.4 m the episode fails\n"
        "  [1] cart velocity [m/s]: positive to the right\n"
        "  [2] pole angle [rad] from upright: positive when the pole leans to the right; beyond +-0.2095 rad\n"
        "      (12 degrees) the episode fails\n"
        "  [3] pole angular velocity [rad/s]: positive when the pole turns to the right\n"
        f"Return the int 0 ({ACTIONS[0]}) or 1 ({ACTIONS[1]}), a force of 10 N during the step; a bool or\n"
        "float is not an action. Each step with the pole up scores 1, at most 500 per episode. act is called\n"
        "once per step; each episode starts with a fresh copy of the module."
    ),
)
STATE_BOUNDS = (2.4, 2.0, 0.2095, 2.0)
"""Sampled states are uniform within +- these [m, m/s, rad, rad/s]."""
PROMPTS = Path(__file__).with_name("prompts")


def make_samples(count: int, seed: int) -> list[Sample]:
    """``count`` states drawn uniformly within :data:`STATE_BOUNDS`; there is no expected action."""
    if count < 1:
        raise ValueError(f"need at least one sampled state, got {count}")
    rng = random.Random(seed)
    return [Sample([rng.uniform(-bound, bound) for bound in STATE_BOUNDS]) for _ in range(count)]


def score_action(output: object, sample: Sample) -> Judgement:
    """1 for an action (the int 0 or 1), else 0: the open-loop filter."""
    if is_action(output):
        return Judgement(1.0, True)
    return Judgement(0.0, False, f"not an action: {output!r}; an action is the int 0 or 1")


TASK = Task(SPEC, score_action, PromptTemplates.from_dir(PROMPTS))
