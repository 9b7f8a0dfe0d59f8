"""What a LangProp task provides: samples, the judgement of one output, and the task bundle."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .prompts import PromptTemplates
from .spec import FunctionSpec


@dataclass(frozen=True)
class Sample:
    """One training example: the function's input and what a good output looks like.

    ``input`` is the single argument, or a tuple of the arguments when the spec takes several.
    ``expected`` is whatever the score function compares against (a label, a reference, None).
    """

    input: Any
    expected: Any = None


@dataclass(frozen=True)
class Judgement:
    """The score of one output on one sample; ``note`` names the kind of mistake when not passed."""

    score: float
    passed: bool
    note: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.score):
            raise ValueError(f"a score must be finite, got {self.score}")


ScoreFn = Callable[[Any, Sample], Judgement]
"""``score(output, sample) -> Judgement``: trusted code, runs in the trainer's process."""


def default_render(value: Any) -> str:
    """How inputs, outputs and expected values are shown to the LLM unless the task says otherwise."""
    return repr(value)


@dataclass(frozen=True)
class Task:
    """Everything the engine needs to know about a problem: the function, its scoring, its prompts."""

    spec: FunctionSpec
    score: ScoreFn
    templates: PromptTemplates = field(default_factory=PromptTemplates)
    render_value: Callable[[Any], str] = default_render
