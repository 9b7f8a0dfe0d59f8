"""The driving prompts: templates rendered with the engine's real feedback, and the compact value rendering."""

from __future__ import annotations

import json
import re

import pytest
from driving_helpers import (
    CONSTANT,
    actor_record,
    buffer_frame,
    fast_sandbox,
    observation_double,
    pedestrian_record,
    ran_red_light_frame,
)

from langprop_driver.driving import (
    DRIVE_SPEC,
    DRIVING_FEEDBACK,
    ObservationRendering,
    TrainingMode,
    driving_task,
    driving_templates,
    render_value,
    samples_from_frames,
)
from langprop_driver.engine import Candidate, PromptTemplates, SandboxPool, ScoringConfig, evaluate
from langprop_driver.engine.feedback import build_feedback

WRONG_KEY = 'def drive(observation):\n    return observation["ego"]["speed"]\n'
IMPORTS_OS = 'import os\n\ndef drive(observation):\n    return {"target_speed_mps": 0.0, "steer_deg": 0.0}\n'

FRAMES = [
    ran_red_light_frame(number=0),
    buffer_frame(observation_double(speed_mps=8.0), expert=(8.0, 0.0), number=1),
    buffer_frame(
        observation_double(speed_mps=8.0, pedestrians=[pedestrian_record(7, 9.0, 0.2)]),
        expert=(0.0, 0.0),
        reason="pedestrian",
        number=2,
    ),
]
SAMPLES = samples_from_frames(FRAMES, TrainingMode.DAGGER_PENALTY)
TASK = driving_task()


@pytest.fixture(scope="module")
def update_prompts() -> dict[str, str]:
    """The update prompt (user message) of each candidate, from its real evaluation on SAMPLES."""
    sources = {"constant": CONSTANT, "wrong_key": WRONG_KEY, "imports_os": IMPORTS_OS}
    candidates = [
        Candidate.create(name, source, DRIVE_SPEC, ("math",), origin="given")
        for name, source in sources.items()
    ]
    with SandboxPool(fast_sandbox(n_workers=1)) as pool:
        evaluations = evaluate(pool, TASK, candidates, SAMPLES, ScoringConfig(), seed=0)
    prompts = {}
    for candidate in candidates:
        feedback = build_feedback(TASK, candidate, evaluations[candidate.id], SAMPLES, 0.0, DRIVING_FEEDBACK)
        messages = TASK.templates.render(
            "update", spec=DRIVE_SPEC, allowed_modules=("math",), feedback=feedback
        )
        assert [m["role"] for m in messages] == ["system", "user"]
        prompts[candidate.id] = messages[1]["content"]
    return prompts


def test_the_templates_are_the_driving_ones_with_the_engine_context() -> None:
    templates = driving_templates()
    defaults = PromptTemplates()
    assert (templates.system, templates.setup, templates.update) != (
        defaults.system,
        defaults.setup,
        defaults.update,
    )
    system, user = driving_templates().render("setup", spec=DRIVE_SPEC, allowed_modules=("math", "numpy"))
    assert "Only these modules may be imported: math, numpy." in system["content"]
    assert "driving policy" in system["content"]
    assert (
        '```python\ndef drive(observation):\n    """\n    Drive the ego car along its route.'
        in user["content"]
    )
    assert "    target_speed_mps: the speed to drive at [m/s]" in user["content"]  # the doc, indented


def test_the_update_prompt_shows_the_worst_cases_with_the_expert_label_and_penalty(
    update_prompts: dict[str, str],
) -> None:
    prompt = update_prompts["constant"]
    assert "1 | def drive(observation):" in prompt  # numbered source
    assert "\\\n" not in prompt  # no line continuation left over from a Python string
    assert "It was run on 3 observations" in prompt and "passed 1 (33%)" in prompt
    assert (
        "- wrong output (repeats the action that led to red_light; does not stop (red_light)): 1 observation(s)"
        in prompt
    )
    assert "- wrong output (does not stop (pedestrian)): 1 observation(s)" in prompt
    cases = re.findall(r"### Case (\d) \(sample (\d), score (-?[\d.]+)\)", prompt)
    assert cases == [("1", "0", "-0.500"), ("2", "2", "0.500")]  # worst first; the passed sample is not shown
    assert 'your action: {"target_speed_mps":8.0,"steer_deg":0.0}' in prompt
    assert (
        'label: {"expert_action":{"target_speed_mps":0.0,"steer_deg":0.0},"expert_reason":"red_light",'
        '"policy_action":{"target_speed_mps":8.0,"steer_deg":0.0},'
        '"infraction":{"kinds":["red_light"],"seconds_before":1.0}}'
    ) in prompt
    assert "judgement: repeats the action that led to red_light; does not stop (red_light)" in prompt
    # the observation line is the observation as JSON, its route cut to 15 points, with a note saying so
    line = prompt.split("### Case 1 ")[1].splitlines()[1]
    text, note = line.removeprefix("observation: ").split(" [left out: ")
    shown = FRAMES[0]["observation"]
    assert json.loads(text) == {**shown, "route": {**shown["route"], "points": shown["route"]["points"][:15]}}
    assert note == "route points beyond 30 m]"


def test_the_update_prompt_shows_errors_and_failed_checks(update_prompts: dict[str, str]) -> None:
    assert (
        'error: KeyError at line 2 (`return observation["ego"]["speed"]`): \'speed\''
        in update_prompts["wrong_key"]
    )
    failed = update_prompts["imports_os"]
    assert "It could not run; these checks failed before running it" in failed
    assert "- line 1: import of `os` is not allowed (allowed: math)" in failed
    assert "### Case" not in failed


def test_observations_print_as_compact_json_with_floats_as_stored() -> None:
    observation = observation_double(speed_mps=8.08, vehicles=[actor_record(5, 21.219, 0.0)])
    text = render_value(observation, ObservationRendering(max_route_points=None))
    assert '"speed_mps":8.08,' in text and '"x_m":21.219,' in text and ", " not in text
    assert json.loads(text) == observation  # nothing left out, nothing changed


def test_far_actors_and_route_points_are_left_out_with_a_note() -> None:
    vehicles = [actor_record(i, 10.0 * i, 0.0) for i in range(1, 6)]  # 10 to 50 m ahead
    walkers = [pedestrian_record(100 + i, 3.0 * i, -4.0) for i in range(1, 10)]  # 3 to 27 m ahead
    observation = observation_double(vehicles=vehicles, pedestrians=walkers)
    text, note = render_value(observation).split(" [left out: ")
    shown = json.loads(text)
    assert [v["id"] for v in shown["vehicles"]] == [1, 2, 3]  # within 30 m
    assert [w["id"] for w in shown["pedestrians"]] == [101, 102, 103, 104, 105, 106]  # the nearest 6
    assert len(shown["route"]["points"]) == 15
    assert note == "route points beyond 30 m, the 2 farthest of 5 vehicles, the 3 farthest of 9 pedestrians]"
    everything = ObservationRendering(actor_range_m=None, max_actors=None, max_route_points=None)
    assert json.loads(render_value(observation, everything)) == observation


def test_other_values_print_as_json_when_faithful_else_with_repr() -> None:
    np = pytest.importorskip("numpy")
    assert (
        render_value({"target_speed_mps": 2.5, "steer_deg": -1.0})
        == '{"target_speed_mps":2.5,"steer_deg":-1.0}'
    )
    assert render_value((2.5, 0.0)) == "(2.5, 0.0)"  # a tuple is not shown as a JSON list
    assert render_value({1: 2.0}) == "{1: 2.0}"
    assert render_value(None) == "null"
    assert render_value({"target_speed_mps": np.float32(1.5), "steer_deg": 0.0}).startswith(
        "{'target_speed_mps': np.float32(1.5)"
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"actor_range_m": -1.0}, "actor_range_m must be None or a finite number >= 0"),
        ({"max_actors": -1}, "max_actors must be None or an int >= 0"),
        ({"max_route_points": 0}, "max_route_points must be >= 1"),
    ],
)
def test_bad_renderings_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ObservationRendering(**changes)
