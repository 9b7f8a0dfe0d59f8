"""The driving task for the LangProp engine: ``drive(observation)``, its samples, score, prompts and baseline.

Frames of the DAgger replay buffer become samples (:func:`samples_from_frames`) as a
:class:`TrainingMode` says; :func:`score_drive` compares a candidate's action with the expert's
and penalises repeating an action that led to an infraction; :func:`driving_task` bundles it all
for the engine. See docs/driving_task.md.
"""

from .baseline import BASELINE_POLICY_SOURCE
from .modes import TrainingMode
from .rendering import ObservationRendering, render_value
from .samples import DRIVERS, DrivingLabel, Infraction, samples_from_frames
from .score_config import DrivingScoreConfig
from .scoring import PASS_IMITATION, score_drive
from .spec import DRIVE_SPEC
from .task import DRIVING_FEEDBACK, driving_task
from .templates import driving_templates

__all__ = [
    "BASELINE_POLICY_SOURCE",
    "DRIVERS",
    "DRIVE_SPEC",
    "DRIVING_FEEDBACK",
    "PASS_IMITATION",
    "DrivingLabel",
    "DrivingScoreConfig",
    "Infraction",
    "ObservationRendering",
    "TrainingMode",
    "driving_task",
    "driving_templates",
    "render_value",
    "samples_from_frames",
    "score_drive",
]
