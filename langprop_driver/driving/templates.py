"""driving_templates: the driving task's system, setup and update prompts (the .j2 files in templates/).

The setup and update templates hold ``{{ scoring }}``: before the engine ever renders them,
:func:`driving_templates` replaces it with :func:`scoring_text`, which states the training mode (what
the score rewards) and the tolerances of a :class:`DrivingScoreConfig` in plain numbers. The engine
then renders them with its usual context (``spec``, ``allowed_modules``, in update.j2 ``feedback`` and,
when given, ``closed_loop``: closed-loop driving feedback, a str or None).
"""

from __future__ import annotations

from pathlib import Path

from langprop_driver.engine import PromptTemplates

from .modes import TrainingMode
from .score_config import DrivingScoreConfig
from .scoring import PASS_IMITATION

TEMPLATES_DIR = Path(__file__).with_name("templates")
"""system.j2, setup.j2, update.j2: the engine's defaults extended for driving (same context variables:
``spec``, ``allowed_modules`` and, in update.j2, ``feedback`` and optionally ``closed_loop``)."""
SCORING_PLACEHOLDER = "{{ scoring }}"
"""Replaced in setup.j2 and update.j2 by :func:`scoring_text` (never reaches the engine's renderer)."""

_MODE_TEXT = {
    TrainingMode.OFFLINE_IMITATION: (
        'Training mode "offline" (offline imitation): the observations are frames the expert drove, and '
        "the score of each is the agreement term alone (no infraction penalty)."
    ),
    TrainingMode.DAGGER_IMITATION: (
        'Training mode "dagger" (DAgger imitation): the observations come from drives of earlier '
        "policies, each labelled with the expert's action, and the score of each is the agreement term "
        "alone (no infraction penalty)."
    ),
    TrainingMode.DAGGER_PENALTY: (
        'Training mode "dagger_penalty" (DAgger with penalty): the observations come from drives of '
        "earlier policies, each labelled with the expert's action, and the score of each is the agreement "
        "term minus the infraction penalty (from -{penalty:g} to 1)."
    ),
    TrainingMode.ONLINE: (
        'Training mode "online": the observations are only those that led to an infraction in the '
        "simulation, and there is no agreement term: the score of each is 0, or -{penalty:g} when your "
        "action repeats the one that led to the infraction. Agreeing with the expert within the "
        "tolerances below always avoids the penalty."
    ),
}


def scoring_text(mode: TrainingMode | str, config: DrivingScoreConfig) -> str:
    """What the score of ``mode`` rewards, with the tolerances and penalty of ``config``, in plain words."""
    mode = TrainingMode.parse(mode)
    penalty = config.infraction_penalty
    lines = [_MODE_TEXT[mode].format(penalty=penalty)]
    tolerances = (
        f"target_speed_mps agrees with the expert's when within max({config.speed_tolerance_mps:g} m/s, "
        f"{100 * config.speed_tolerance_ratio:g} % of the expert's target speed), and steer_deg when within "
        f"{config.steer_tolerance_deg:g} deg of the expert's"
    )
    if mode.imitates:
        weight = config.speed_weight + config.steer_weight
        lines.append(
            f"Agreement term: {tolerances}; each agreement is 1 within its tolerance, 0.5 at twice it and 0 "
            f"from three times it, and the term is {config.speed_weight / weight:g} x speed agreement + "
            f"{config.steer_weight / weight:g} x steering agreement."
        )
    else:
        lines.append(f"Tolerances: {tolerances}.")
    if mode.penalises:
        lines.append(
            f"Infraction penalty ({penalty:g}): on an observation followed by an infraction (a collision, "
            "running a red light or a stop sign, leaving the lanes), when your action repeats the action the "
            f"policy executed there: both within {config.repeat_speed_tolerance_mps:g} m/s and "
            f"{config.repeat_steer_tolerance_deg:g} deg of it, or at least as fast as it where the expert "
            "wanted to go slower. An action within the tolerances of the expert's is never penalised."
        )
    passed = "no penalty" if not mode.imitates else (
        f"an agreement term above {PASS_IMITATION:g}" + (" and no penalty" if mode.penalises else "")
    )
    lines.append(f"An observation passes with {passed}.")
    return "\n".join(lines)


def _fill(template: str, scoring: str) -> str:
    """``template`` with ``{{ scoring }}`` replaced by ``scoring``, kept literal (Jinja's raw block)."""
    return template.replace(SCORING_PLACEHOLDER, "{% raw %}" + scoring + "{% endraw %}")


def driving_templates(
    mode: TrainingMode | str = TrainingMode.DAGGER_PENALTY, config: DrivingScoreConfig | None = None
) -> PromptTemplates:
    """The driving prompts stating ``mode`` and the tolerances of ``config`` (default ``DrivingScoreConfig()``);
    FileNotFoundError naming what is missing if the package lost a template."""
    missing = [
        name for name in ("system.j2", "setup.j2", "update.j2") if not (TEMPLATES_DIR / name).is_file()
    ]
    if missing:
        raise FileNotFoundError(f"driving prompt template(s) {missing} missing from {TEMPLATES_DIR}")
    scoring = scoring_text(mode, config if config is not None else DrivingScoreConfig())
    texts = {name: (TEMPLATES_DIR / f"{name}.j2").read_text() for name in ("system", "setup", "update")}
    return PromptTemplates(
        system=texts["system"], setup=_fill(texts["setup"], scoring), update=_fill(texts["update"], scoring)
    )
