"""What a LangProp task provides: samples, the judgement of one output, and the task bundle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from leaderboard_adapter.settings import one_line_errors

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


@checked_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Judgement:
    """The score of one output on one sample; ``note`` names the kind of mistake when not passed. One per sample
    and candidate: pydantic's check (a finite score) costs about 0.1 us more than the plain dataclass's."""

    score: Annotated[float, Field(allow_inf_nan=False)]
    passed: bool
    note: str = ""

    _one_line = model_validator(mode="wrap")(classmethod(one_line_errors))


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
