"""The driving task's closed-loop scorer and `train`'s closed-loop mode on the smoke routes: feedback shows
each infraction with the observation before it and both actions, visited frames become samples, validation
records nothing to train on, and a zero-shot start is driven before a best is chosen."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from pipeline_helpers import CLOSED_LOOP_SMOKE, OpenAITestServer, cli, collect_smoke, fenced, scripted

from langprop_driver.driving import BASELINE_POLICY_SOURCE, DRIVE_SPEC
from langprop_driver.driving.baseline_variants import with_cruise_fraction, without_stop_signs
from langprop_driver.engine import Candidate, load_state
from langprop_driver.errors import LangPropDriveError
from langprop_driver.pipeline.closed_loop import ONLINE_BUFFER, ClosedLoopConfig, DrivingScorer, RouteSplit
from langprop_driver.sandbox.pool import DEFAULT_ALLOWED_MODULES

STOPS_ROUTE = "1"
"""embedded_smoke route 1: EmbeddedStops, a stop sign on the way."""


def _candidate(cid: str, source: str) -> Candidate:
    return Candidate.create(cid, source, DRIVE_SPEC, DEFAULT_ALLOWED_MODULES, origin="given")


def _config(**overrides: object) -> ClosedLoopConfig:
    values = {"routes_file": "embedded_smoke", "train": RouteSplit(STOPS_ROUTE, (0,)), "validation": RouteSplit("0", (1,)),
              "workers": 1, "progress": False}  # fmt: skip
    return ClosedLoopConfig(**{**values, **overrides})


@pytest.fixture(scope="module")
def stop_runner(tmp_path_factory: pytest.TempPathFactory):
    """A policy that never stops at stop signs, scored on the EmbeddedStops smoke route (train, with no traffic to
    hold it back) and validated."""
    run_dir = tmp_path_factory.mktemp("closed_loop")
    scorer = DrivingScorer(run_dir, _config(vehicles=0, walkers=0))
    candidate = _candidate("c0001", without_stop_signs(BASELINE_POLICY_SOURCE))
    try:
        train = scorer.score([candidate], "train")["c0001"]
        validation = scorer.score([candidate], "validation")["c0001"]
        yield run_dir, scorer, train, validation
    finally:
        scorer.close()


def test_fitness_is_the_driving_score_with_its_infractions_counted(stop_runner) -> None:
    run_dir, _, train, _ = stop_runner
    (run,) = json.loads((run_dir / "closed_loop" / "train" / "c0001.json").read_text())["runs"]
    assert train.score == pytest.approx(run["record"]["scores"]["score_composed"]) and train.evidence == 1
    assert train.summary["n_stop_infraction"] == len(run["record"]["infractions"]["stop_infraction"]) >= 1
    assert train.score < 100.0


def test_feedback_shows_each_infraction_with_the_observation_a_second_before_and_both_actions(stop_runner) -> None:
    _, _, train, _ = stop_runner
    feedback = train.feedback
    assert "### stop_infraction" in feedback
    case = feedback.split("### stop_infraction", 1)[1]
    at = float(re.search(r"RouteScenario_1_s0 at ([\d.]+) s", case)[1])
    seen = float(re.search(r"observation at ([\d.]+) s: (\{.*)", case)[1])
    assert 1.0 <= at - seen <= 1.5  # frames are kept at 2 Hz
    observation = json.loads(re.search(r"observation at [\d.]+ s: (\{.*?\})(?: \[left out|\n)", case)[1])
    assert observation["stop_sign"] is not None  # the sign that was run is in view
    mine = json.loads(re.search(r"your action there: (\{.*?\})", case)[1])
    expert = json.loads(re.search(r"the expert's action on it: (\{.*?\})", case)[1])
    assert mine["target_speed_mps"] > expert["target_speed_mps"]  # the expert slows for the sign, the policy does not


def test_training_drives_become_samples_and_validation_drives_record_nothing(stop_runner) -> None:
    run_dir, scorer, _, validation = stop_runner
    samples = scorer.visited_samples()
    assert len(samples) == scorer.config.online_samples
    assert any(s.expected["infraction"] is not None for s in samples)  # frames before the stop infraction
    assert [p.name for p in (run_dir / ONLINE_BUFFER / "c0001").iterdir()] == ["RouteScenario_1_s0"]
    assert validation.feedback == "" and validation.evidence == 1
    assert (run_dir / "closed_loop" / "validation" / "c0001.json").is_file()


def test_validation_that_shares_a_route_and_a_seed_with_training_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LangPropDriveError, match="validation must be runs training never drives"):
        DrivingScorer(tmp_path, _config(validation=RouteSplit(f"0,{STOPS_ROUTE}", (0, 5))))
    with pytest.raises(LangPropDriveError, match="closed-loop routes"):
        DrivingScorer(tmp_path, _config(train=RouteSplit("7", (0,))))


@pytest.mark.slow
def test_a_zero_shot_start_with_no_update_drives_its_answers_before_choosing_the_best(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buffer = tmp_path / "buffer"
    assert collect_smoke(buffer) == 0
    slow = with_cruise_fraction(BASELINE_POLICY_SOURCE, 0.3)  # fails min speed on smoke route 0
    out = tmp_path / "zero_shot"
    with OpenAITestServer(scripted([fenced(slow), fenced(BASELINE_POLICY_SOURCE)])) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "test-key")
        assert cli("train", "--buffer", buffer, "--out", out, "--config", CLOSED_LOOP_SMOKE, "--start", "zero-shot",
                   "--updates", "0", "--no-progress") == 0  # fmt: skip
    state = load_state(out)
    assert {c.origin for c in state.candidates.values()} == {"setup"}
    assert set(state.fitness) == set(state.candidates)  # every answer was driven
    assert state.candidates[state.elite].source == BASELINE_POLICY_SOURCE  # the better driver, not the first answer
    (line,) = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert line["step"] == 0 and line["cascade/driven"] == len(state.candidates)
    run = json.loads((out / "train_run.json").read_text())
    assert run["start"] == "zero-shot" and run["fitness"] == "closed_loop" and run["base_step"] == 0


def test_closed_loop_fitness_runs_on_carlas_own_maps_with_a_town_dir(tmp_path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "embedded"))
    from carla_maps import carla_town_file  # skips without CARLA's maps

    town01 = carla_town_file("Town01")
    routes = tmp_path / "routes.xml"
    legs = {"0": ((88.41, 238.33), (88.42, 298.33)), "1": ((88.42, 298.33), (88.41, 238.33))}
    routes.write_text("<routes>" + "".join(
        f'<route id="{rid}" town="Town01"><waypoints><position x="{a[0]}" y="{a[1]}" z="0.0"/>'
        f'<position x="{b[0]}" y="{b[1]}" z="0.0"/></waypoints></route>' for rid, (a, b) in legs.items()
    ) + "</routes>")  # fmt: skip
    config = _config(routes_file=str(routes), train=RouteSplit("0", (0,)), validation=RouteSplit("1", (0,)),
                     town_dir=str(town01.parent))  # fmt: skip
    scorer = DrivingScorer(tmp_path / "run", config)
    try:
        train = scorer.score([_candidate("c0001", BASELINE_POLICY_SOURCE)], "train")["c0001"]
    finally:
        scorer.close()
    (run,) = json.loads((tmp_path / "run" / "closed_loop" / "train" / "c0001.json").read_text())["runs"]
    assert run["town"] == "Town01" and run["record"]["meta"]["route_length"] > 50.0
    assert train.score == pytest.approx(run["record"]["scores"]["score_composed"]) and train.summary["rc"] > 90.0
