"""The setup and update prompts state the training mode (what the score rewards) and the tolerances of the
task's DrivingScoreConfig, and the update prompt has a place for closed-loop driving feedback."""

from __future__ import annotations

import pytest

from langprop_driver.driving import (
    DRIVE_SPEC,
    DrivingScoreConfig,
    TrainingMode,
    driving_task,
    driving_templates,
)
from langprop_driver.engine.feedback import FailureGroup, Feedback

FEEDBACK = Feedback(
    numbered_source="1 | def drive(observation):\n2 |     return {}",
    check_failures=(),
    priority=0.4,
    mean_score=0.5,
    pass_ratio=0.5,
    n_passed=1,
    n_samples=2,
    failure_groups=(FailureGroup("wrong output (too fast (cruise))", 1, ""),),
    examples=(),
    omitted=0,
    value_chars=400,
    budget_chars=6000,
    omitted_groups=2,
)
MODE_WORDS = {
    TrainingMode.OFFLINE_IMITATION: 'Training mode "offline" (offline imitation): the observations are frames the expert drove',
    TrainingMode.DAGGER_IMITATION: 'Training mode "dagger" (DAgger imitation)',
    TrainingMode.DAGGER_PENALTY: 'Training mode "dagger_penalty" (DAgger with penalty)',
    TrainingMode.ONLINE: 'Training mode "online": the observations are only those that led to an infraction',
}


def _prompts(mode: TrainingMode, config: DrivingScoreConfig | None = None, **context: object) -> tuple[str, str]:
    """The user messages of the setup and update prompts of ``driving_task(mode, config)``."""
    templates = driving_task(mode, config).templates
    setup = templates.render("setup", spec=DRIVE_SPEC, allowed_modules=("math",))[1]["content"]
    update = templates.render("update", spec=DRIVE_SPEC, allowed_modules=("math",), feedback=FEEDBACK, **context)
    return setup, update[1]["content"]


@pytest.mark.parametrize("mode", list(TrainingMode))
def test_both_prompts_state_the_mode_and_the_default_tolerances(mode: TrainingMode) -> None:
    for prompt in _prompts(mode):
        assert MODE_WORDS[mode] in prompt
        others = [words for other, words in MODE_WORDS.items() if other is not mode]
        assert not any(words in prompt for words in others)
        assert "within max(1 m/s, 10 % of the expert's target speed)" in prompt
        assert "and steer_deg when within 5 deg of the expert's" in prompt
        assert ("Agreement term:" in prompt) is mode.imitates
        assert ("0.5 x speed agreement + 0.5 x steering agreement" in prompt) is mode.imitates
        assert ("Infraction penalty (1):" in prompt) is mode.penalises
        assert ("An action within the tolerances of the expert's is never penalised." in prompt) is mode.penalises


def test_the_prompts_follow_the_config_numbers() -> None:
    config = DrivingScoreConfig(
        speed_tolerance_mps=2.0,
        speed_tolerance_ratio=0.2,
        steer_tolerance_deg=3.0,
        speed_weight=3.0,
        steer_weight=1.0,
        infraction_penalty=2.5,
        repeat_speed_tolerance_mps=0.5,
        repeat_steer_tolerance_deg=2.0,
    )
    for prompt in _prompts(TrainingMode.DAGGER_PENALTY, config):
        assert "within max(2 m/s, 20 % of the expert's target speed)" in prompt
        assert "steer_deg when within 3 deg of the expert's" in prompt
        assert "0.75 x speed agreement + 0.25 x steering agreement" in prompt
        assert "minus the infraction penalty (from -2.5 to 1)" in prompt
        assert "Infraction penalty (2.5)" in prompt and "both within 0.5 m/s and 2 deg of it" in prompt
    online, _ = _prompts(TrainingMode.ONLINE, config)
    assert "the score of each is 0, or -2.5 when your action repeats" in online


def test_driving_templates_default_to_the_default_task() -> None:
    assert driving_templates() == driving_task().templates
    assert driving_templates("online") == driving_task(TrainingMode.ONLINE).templates != driving_templates()


def test_the_update_prompt_shows_closed_loop_feedback_after_the_open_loop_section_when_given() -> None:
    closed = "Driven closed loop on 2 routes: DS 41.2 on route 1 (2 layout collisions)."
    _, update = _prompts(TrainingMode.DAGGER_PENALTY, closed_loop=closed)
    assert update.index("Mistakes grouped by kind") < update.index(closed) < update.index("Think about which rule")
    assert "- (2 rarer kind(s) left out)" in update
    assert "The closed-loop driving score decides which implementation is kept" in update
    for context in ({}, {"closed_loop": None}, {"closed_loop": ""}):
        _, without = _prompts(TrainingMode.DAGGER_PENALTY, **context)
        assert "Driven closed loop" not in without and "Think about which rule" in without
        assert "driving score decides" not in without
