"""driving_task: the engine Task of the driving policy (spec, score, prompts, rendering) for a TrainingMode."""

from __future__ import annotations

from functools import partial

from langprop_driver.engine import FeedbackConfig, Task

from .modes import TrainingMode
from .rendering import ObservationRendering, render_value
from .score_config import DrivingScoreConfig
from .scoring import score_drive
from .spec import DRIVE_SPEC
from .templates import driving_templates

DRIVING_FEEDBACK = FeedbackConfig(n_examples=3, value_chars=4000, budget_chars=20000)
"""Feedback sized for driving (pass as ``TrainerConfig(feedback=...)``): the engine's defaults cut
each value to 400 characters, far less than a rendered observation (about 1.5 to 3.5 k characters)."""


def driving_task(
    mode: TrainingMode | str = TrainingMode.DAGGER_PENALTY,
    config: DrivingScoreConfig | None = None,
    rendering: ObservationRendering | None = None,
) -> Task:
    """The Task training ``drive(observation)`` in ``mode``, scored by :func:`score_drive` with ``config``
    (defaults: ``DrivingScoreConfig()``), values shown as ``rendering`` says (``ObservationRendering()``);
    its setup and update prompts state ``mode`` and ``config``'s tolerances (:func:`driving_templates`)."""
    mode = TrainingMode.parse(mode)
    config = config if config is not None else DrivingScoreConfig()
    rendering = rendering if rendering is not None else ObservationRendering()
    return Task(
        spec=DRIVE_SPEC,
        score=partial(score_drive, config=config, mode=mode),
        templates=driving_templates(mode, config),
        render_value=partial(render_value, rendering=rendering),
    )
