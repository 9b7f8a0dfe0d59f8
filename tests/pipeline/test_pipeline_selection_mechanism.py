"""Why training selects on driving: the regression of the real-LLM run, reproduced with a test double.

The LLM here is the local OpenAI-compatible test server, a deterministic test double answering with
variants of the hand-written baseline (langprop_driver/driving/baseline_variants.py): the yaw-rate
weave (a steering term that agrees better with the expert's labels and weaves into the kerb at
50 km/h), the baseline itself, a start with the pedestrian rule removed. Routes: the short routes of
tests/fixtures/routes/closed_loop_short.xml (what each shows is written there). These are mechanism
tests; how much a real LLM gains is measured outside the suite.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pipeline_helpers import TESTS, OpenAITestServer, fenced, scripted

from data_collection import BufferIndex
from langprop_driver.driving import (
    BASELINE_POLICY_SOURCE,
    DRIVE_SPEC,
    DRIVING_FEEDBACK,
    driving_task,
    samples_from_frames,
)
from langprop_driver.driving.baseline_variants import variant_source
from langprop_driver.engine import (
    Candidate,
    LLMConfig,
    Sample,
    SandboxConfig,
    TrackerConfig,
    Trainer,
    TrainerConfig,
    load_best,
    load_state,
)
from langprop_driver.engine.fitness import CascadeConfig
from langprop_driver.pipeline.closed_loop import ONLINE_BUFFER, ClosedLoopConfig, DrivingScorer, RouteSplit
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES

pytestmark = pytest.mark.slow

SHORT_ROUTES = str(TESTS / "fixtures" / "routes" / "closed_loop_short.xml")
ARTERIAL = "0,1,3"
"""The short 50 km/h EmbeddedArterial routes on which the weave drives into the kerb."""
WEAVE = variant_source("yaw_rate_weave")
NO_PEDESTRIANS = variant_source("ignores_pedestrians")


def _scorer(run_dir: Path, train: str, validation: str) -> DrivingScorer:
    config = ClosedLoopConfig(routes_file=SHORT_ROUTES, train=RouteSplit(train, (0,)),
                              validation=RouteSplit(validation, (0,)), workers=2, progress=False)  # fmt: skip
    return DrivingScorer(run_dir, config)


def _trainer(run_dir: Path, server: OpenAITestServer, start: str, scorer: DrivingScorer | None, batch_size: int,
             n_responses: int = 1) -> Trainer:  # fmt: skip
    config = TrainerConfig(
        tracker=TrackerConfig(n_top=1, n_responses=n_responses, max_keep=4),
        feedback=DRIVING_FEEDBACK,
        batch_size=batch_size,
        n_steps=1,
        progress_bar=False,
        setup_prompt=False,
        cascade=CascadeConfig(top_k=2, validate_top=1),
    )
    llm = LLMConfig(base_url=server.base_url, api_key="test-key", model="test-double")
    return Trainer(driving_task(), run_dir, config, llm, SandboxConfig(), given_sources=[start], scorer=scorer)


@pytest.fixture(scope="module")
def baseline_frames(tmp_path_factory: pytest.TempPathFactory) -> list[Sample]:
    """Every frame the baseline visited on the arterial routes, labelled by the expert (the buffer the
    trainer scores open loop on)."""
    run_dir = tmp_path_factory.mktemp("baseline_drives")
    scorer = _scorer(run_dir, ARTERIAL, "6")
    try:
        scorer.score([Candidate.create("c0001", BASELINE_POLICY_SOURCE, DRIVE_SPEC, DEFAULT_ALLOWED_MODULES,
                                       origin="given")], "train")  # fmt: skip
    finally:
        scorer.close()
    index = BufferIndex.scan(run_dir / ONLINE_BUFFER)
    return samples_from_frames([index.load(ref) for ref in index.frames], "dagger_penalty")


def test_open_loop_selection_picks_the_weave_that_drives_worse(tmp_path: Path, baseline_frames: list[Sample]) -> None:
    with OpenAITestServer(scripted([fenced(WEAVE)])) as server:
        _trainer(tmp_path / "open", server, BASELINE_POLICY_SOURCE, None, len(baseline_frames)).fit(baseline_frames)
    state = load_state(tmp_path / "open")
    assert load_best(tmp_path / "open").source == WEAVE  # it agrees better with the expert's labels
    weave_id = state.pool[0]
    assert state.standings[weave_id].priority > state.standings["c0001"].priority
    scorer = _scorer(tmp_path / "drive", ARTERIAL, "6")
    try:
        driven = scorer.score([state.candidates["c0001"], state.candidates[weave_id]], "train")
    finally:
        scorer.close()
    assert driven[weave_id].score < driven["c0001"].score - 10.0  # and it drives worse: the regression
    assert driven[weave_id].summary.get("n_collisions_layout", 0) > 0  # into the kerb


def test_closed_loop_selection_keeps_the_better_driver_as_the_best(tmp_path: Path, baseline_frames: list[Sample]) -> None:
    scorer = _scorer(tmp_path, "0,1", "3")
    with OpenAITestServer(scripted([fenced(WEAVE)])) as server:
        _trainer(tmp_path, server, BASELINE_POLICY_SOURCE, scorer, 64).fit(baseline_frames)
    state = load_state(tmp_path)
    (weave_id,) = [cid for cid, c in state.candidates.items() if c.source == WEAVE]
    assert state.elite == "c0001" and state.pool[0] == "c0001"
    assert state.fitness[weave_id]["train"].score < state.fitness["c0001"]["train"].score
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [m["val/elite_score"] for m in lines] == [state.fitness["c0001"]["validation"].score] * 2
    assert lines[1]["select/elite_changed"] == 0


def test_validation_driving_score_rises_when_a_better_variant_comes(tmp_path: Path, baseline_frames: list[Sample]) -> None:
    scorer = _scorer(tmp_path, "0", "2")
    with OpenAITestServer(scripted([fenced(WEAVE), fenced(BASELINE_POLICY_SOURCE)])) as server:
        _trainer(tmp_path, server, NO_PEDESTRIANS, scorer, 64, n_responses=2).fit(baseline_frames)
    state = load_state(tmp_path)
    assert state.candidates[state.elite].source == BASELINE_POLICY_SOURCE
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    start, after = lines[0]["val/elite_score"], lines[1]["val/elite_score"]
    assert after > start + 10.0 and lines[1]["select/elite_changed"] == 1
    prompt = json.loads((tmp_path / "prompts" / "p0001_c0001.json").read_text())["messages"][-1]["content"]
    assert "collisions_pedestrian" in prompt  # the start's own pedestrian collision was shown to the LLM
