"""One training step of the driving task against the local OpenAI-compatible test server: the engine's
trainer renders the driving prompts with its own feedback and keeps the better candidate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from driving_helpers import (
    CONSTANT,
    OpenAITestServer,
    buffer_frame,
    by_content,
    fast_sandbox,
    fenced,
    last_user_message,
    llm_for,
    observation_double,
    pedestrian_record,
    ran_red_light_frame,
)

from langprop_driver.driving import (
    BASELINE_POLICY_SOURCE,
    DRIVING_FEEDBACK,
    TrainingMode,
    driving_task,
    samples_from_frames,
)
from langprop_driver.engine import TrackerConfig, Trainer, TrainerConfig, load_best

FRAMES = [
    ran_red_light_frame(number=0),
    buffer_frame(observation_double(speed_mps=8.0), expert=(13.89, 0.0), number=1),
    buffer_frame(
        observation_double(speed_mps=4.0, pedestrians=[pedestrian_record(7, 6.0, 0.2)]),
        expert=(0.0, 0.0),
        reason="pedestrian",
        number=2,
    ),
]


def test_a_training_step_prompts_with_driving_feedback_and_keeps_the_better_policy(tmp_path: Path) -> None:
    """The setup answer drives at a constant 8 m/s; the update answer is the baseline, which stops where
    the expert stops and cruises where it cruises, so it ranks first."""
    answers = by_content(
        [("Here is an implementation", [fenced(BASELINE_POLICY_SOURCE)])], [fenced(CONSTANT)]
    )
    config = TrainerConfig(
        tracker=TrackerConfig(n_top=1, n_responses=1, max_keep=3),
        feedback=DRIVING_FEEDBACK,
        batch_size=3,
        n_steps=1,
        progress_bar=False,
    )
    samples = samples_from_frames(FRAMES, TrainingMode.DAGGER_PENALTY)
    with OpenAITestServer(answers) as server:
        trainer = Trainer(driving_task(), tmp_path, config, llm_for(server.base_url), fast_sandbox())
        result = trainer.fit(samples)
        prompts = [last_user_message(request) for request in server.requests]
    assert result.stop_reason == "completed" and result.step == 1
    assert load_best(tmp_path).source == BASELINE_POLICY_SOURCE
    state = json.loads((tmp_path / "state.json").read_text())
    standings = {cid: c["standing"]["priority"] for cid, c in state["candidates"].items()}
    # constant: red light -0.5 (steering agrees, speed does not: 0.5; minus 1 for repeating the run),
    # cruise 0.5, pedestrian 0.5;
    # baseline: red light 0.5 (braking from 8 m/s to the line, not to 0 at once), cruise 1, pedestrian 1
    assert standings == {"c0001": pytest.approx(0.5 / 3), "c0002": pytest.approx(2.5 / 3)}
    setup, update = prompts
    assert "Write this Python function, the driving policy of the ego car" in setup
    assert re.search(r"### Case 1 \(sample \d, score -0.500\)", update)  # the batch order is seeded
    assert "judgement: repeats the action that led to red_light; does not stop (red_light)" in update
    assert "judgement: does not stop (pedestrian)" in update
