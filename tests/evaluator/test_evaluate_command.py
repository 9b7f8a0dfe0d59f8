"""`langprop-drive evaluate` end to end on the bundled smoke routes: results JSON, failures, Ctrl-C and resume,
policies refused up front, a hung policy ending its routes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evaluator_helpers import AGENT_FILES, MISBEHAVING, ROUTE_FOLLOWER

from langprop_driver.agent_paths import LANGPROP_AGENT
from langprop_driver.agent_runtime import AgentConfig
from langprop_driver.cli import build_parser, main
from langprop_driver.pipeline.command_settings import EvaluateSettings
from langprop_driver.pipeline.evaluate_command import agent_spec_for
from leaderboard_adapter.evaluator.route_runner import agent_route_meta
from leaderboard_adapter.scoring import LABELS

QUIET = ["--vehicles", "0", "--walkers", "0", "--no-progress"]


def evaluate(checkpoint: Path, *extra: str) -> int:
    """`langprop-drive evaluate` on the smoke routes: the route follower unless `extra` names the agent."""
    agent = [] if {"-a", "--agent", "--policy"} & set(extra) else ROUTE_FOLLOWER
    return main(["evaluate", *agent, "--routes", "embedded_smoke", "--checkpoint", str(checkpoint), *QUIET, *extra])


def test_the_default_agent_is_the_langprop_agent_with_the_shipped_baseline_policy() -> None:
    spec = agent_spec_for(EvaluateSettings.from_flags(build_parser().parse_args(["evaluate"])))
    assert (spec.path, spec.config_path) == (LANGPROP_AGENT, "")
    assert AgentConfig.load(spec.config_path).policy == "baseline"


def test_route_follower_writes_leaderboard_results(tmp_path: Path) -> None:
    checkpoint = tmp_path / "results.json"
    assert evaluate(checkpoint) == 0
    data = json.loads(checkpoint.read_text())
    assert set(data) == {"_checkpoint", "entry_status", "eligible", "sensors", "values", "labels"}
    assert data["labels"] == list(LABELS)
    assert data["entry_status"] == "Finished" and data["eligible"] is True
    assert {"carla_gnss", "carla_imu", "carla_speedometer"} <= set(data["sensors"])
    records = data["_checkpoint"]["records"]
    assert data["_checkpoint"]["progress"] == [2, 2]
    assert [r["route_id"] for r in records] == ["RouteScenario_0_rep0", "RouteScenario_1_rep0"]
    for record in records:
        assert record["scores"]["score_route"] > 90.0
        assert 150.0 < record["meta"]["route_length"] < 400.0
    mean_ds = sum(r["scores"]["score_composed"] for r in records) / 2
    assert abs(float(data["values"][0]) - mean_ds) < 1e-5


def test_repetitions_and_subset_index_routes_as_the_leaderboard(tmp_path: Path) -> None:
    checkpoint = tmp_path / "results.json"
    assert evaluate(checkpoint, "--routes-subset", "1", "--repetitions", "2") == 0
    records = json.loads(checkpoint.read_text())["_checkpoint"]["records"]
    assert [(r["index"], r["route_id"]) for r in records] == [(0, "RouteScenario_1_rep0"), (1, "RouteScenario_1_rep1")]


def test_a_route_run_alone_meets_the_traffic_it_met_in_the_whole_run(tmp_path: Path) -> None:
    """The world seed comes from --seed, the route's id and the repetition, not the route's position."""
    traffic = ["--seed", "4", "--no-progress"]  # default vehicles and walkers
    base = ["evaluate", *ROUTE_FOLLOWER, "--routes", "embedded_smoke", *traffic]
    assert main([*base, "--checkpoint", str(tmp_path / "all.json")]) == 0
    assert main([*base, "--routes-subset", "1", "--checkpoint", str(tmp_path / "alone.json")]) == 0
    whole = json.loads((tmp_path / "all.json").read_text())["_checkpoint"]["records"][1]
    alone = json.loads((tmp_path / "alone.json").read_text())["_checkpoint"]["records"][0]
    assert (whole["index"], alone["index"]) == (1, 0) and whole["route_id"] == alone["route_id"]
    assert alone["meta"]["duration_game"] == whole["meta"]["duration_game"]
    assert alone["infractions"] == whole["infractions"] and alone["scores"] == whole["scores"]


def test_agent_crash_fails_the_route_and_the_run_goes_on(tmp_path: Path, misbehaviour) -> None:
    checkpoint = tmp_path / "results.json"
    config = misbehaviour("crash", frame=20)
    assert evaluate(checkpoint, "--agent", str(MISBEHAVING), "--agent-config", config) == 0
    data = json.loads(checkpoint.read_text())
    assert [r["status"] for r in data["_checkpoint"]["records"]] == ["Failed - Agent crashed"] * 2
    assert data["_checkpoint"]["progress"] == [2, 2]


def test_ctrl_c_keeps_scored_routes_and_resume_finishes_the_run(tmp_path: Path, misbehaviour) -> None:
    checkpoint = tmp_path / "results.json"
    counter = tmp_path / "constructions"
    config = misbehaviour("interrupt", frame=30, after_constructions=1, counter=str(counter))
    # one worker: the runs go one after the other, so the second is interrupted after the first is scored
    assert evaluate(checkpoint, "--agent", str(MISBEHAVING), "--agent-config", config, "--workers", "1") == 130
    first = json.loads(checkpoint.read_text())
    assert first["_checkpoint"]["progress"] == [1, 2]
    assert len(first["_checkpoint"]["records"]) == 1

    assert evaluate(checkpoint, "--resume") == 0
    resumed = json.loads(checkpoint.read_text())
    assert resumed["_checkpoint"]["progress"] == [2, 2]
    assert resumed["_checkpoint"]["records"][0] == first["_checkpoint"]["records"][0]
    assert resumed["_checkpoint"]["records"][1]["route_id"] == "RouteScenario_1_rep0"
    assert resumed["entry_status"] == "Finished"


def test_leaderboard_1_0_convention_runs_and_scores_multiplicatively(tmp_path: Path, misbehaviour) -> None:
    checkpoint = tmp_path / "results.json"
    config = misbehaviour("swerve")
    assert evaluate(checkpoint, "--leaderboard-version", "1.0", "--routes-subset", "1",
                    "--agent", str(MISBEHAVING), "--agent-config", config) == 0
    record = json.loads(checkpoint.read_text())["_checkpoint"]["records"][0]
    infractions = record["infractions"]
    assert len(infractions["collisions_layout"]) >= 1 and record["status"] == "Failed - Agent deviated from the route"
    expected = 1.0
    for message in infractions["outside_route_lanes"]:
        expected *= 1 - float(message.split("(")[1].split("%")[0]) / 100
    factors = {"collisions_pedestrian": 0.5, "collisions_vehicle": 0.6, "collisions_layout": 0.65, "red_light": 0.7,
               "stop_infraction": 0.8}
    for key, factor in factors.items():
        expected *= factor ** len(infractions[key])
    assert abs(record["scores"]["score_penalty"] - expected) < 1e-3


def test_existing_results_are_kept_aside_not_overwritten(tmp_path: Path) -> None:
    checkpoint = tmp_path / "results.json"
    checkpoint.write_text('{"precious": true}')
    assert evaluate(checkpoint, "--routes-subset", "0") == 0
    backups = [p for p in tmp_path.glob("results.*.json")]
    assert len(backups) == 1 and json.loads(backups[0].read_text()) == {"precious": True}


def test_agent_without_entry_point_is_refused_before_anything_runs(tmp_path: Path, capsys) -> None:
    agent = tmp_path / "no_entry.py"
    agent.write_text("class Agent:\n    pass\n")
    checkpoint = tmp_path / "results.json"
    assert evaluate(checkpoint, "--agent", str(agent)) == 2
    assert "get_entry_point" in capsys.readouterr().err
    assert not checkpoint.exists()


def test_camera_agent_is_refused_with_a_clear_message(tmp_path: Path, capsys) -> None:
    checkpoint = tmp_path / "results.json"
    assert evaluate(checkpoint, "--agent", str(AGENT_FILES / "camera_agent.py")) == 2
    err = capsys.readouterr().err
    assert "sensor.camera.rgb" in err and "embedded" in err
    record = json.loads(checkpoint.read_text())["_checkpoint"]["records"][0]
    assert record["status"] == "Failed - Agent's sensors were invalid"


def test_malformed_route_xml_is_named(tmp_path: Path, capsys) -> None:
    routes = tmp_path / "broken.xml"
    routes.write_text("<routes><route id='0' town='EmbeddedGrid'><waypoints>")
    code = main(["evaluate", *ROUTE_FOLLOWER, "--routes", str(routes), "--checkpoint", str(tmp_path / "r.json"), *QUIET])
    assert code == 2
    assert "broken.xml" in capsys.readouterr().err


def test_missing_town_lists_available_towns(tmp_path: Path, capsys) -> None:
    routes = tmp_path / "elsewhere.xml"
    routes.write_text(
        '<routes><route id="0" town="Atlantis"><waypoints><position x="0" y="0" z="0"/>'
        '<position x="50" y="0" z="0"/></waypoints></route></routes>'
    )
    assert main(["evaluate", *ROUTE_FOLLOWER, "--routes", str(routes), "--checkpoint", str(tmp_path / "r.json"), *QUIET]) == 2
    err = capsys.readouterr().err
    assert "Atlantis" in err and "EmbeddedGrid" in err


def test_invalid_opendrive_is_named(tmp_path: Path, capsys) -> None:
    xodr = tmp_path / "garbage.xodr"
    xodr.write_text("this is not OpenDRIVE")
    assert evaluate(tmp_path / "r.json", "--xodr", str(xodr)) == 2
    assert "garbage.xodr" in capsys.readouterr().err


def test_unknown_route_set_is_named(tmp_path: Path, capsys) -> None:
    assert main(["evaluate", "--routes", "no_such_set", "--checkpoint", str(tmp_path / "r.json")]) == 2
    assert "embedded_smoke" in capsys.readouterr().err


def test_towns_lists_bundled_towns_and_a_user_folder(tmp_path: Path, capsys) -> None:
    (tmp_path / "Broken.xodr").write_text("<OpenDRIVE></OpenDRIVE>")
    assert main(["towns"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("EmbeddedGrid", "EmbeddedArterial", "EmbeddedStops", "embedded_training"))
    assert main(["towns", "--town-dir", str(tmp_path)]) == 2
    assert "Broken.xodr" in capsys.readouterr().err


HANGS = "def drive(observation):\n    while True:\n        pass\n"
FAILS_CHECKS = "import os\n\n\ndef drive(observation):\n    return speed\n"


@pytest.mark.parametrize(
    ("files", "flags", "message"),
    [
        ({}, ("--policy", "{tmp}/gone"), "gone: no such policy checkpoint folder, .py policy or .toml/.json"),
        ({}, ("--policy", "{tmp}/gone.py"), "gone.py: no such policy file"),
        ({"beta.toml": "beta = 2\n"}, ("--policy", "{tmp}/beta.toml"), "beta.toml: beta must be in [0, 1], got 2"),
        ({"bad.py": FAILS_CHECKS}, ("--policy", "{tmp}/bad.py"), "fails the static checks: line 1: import of `os`"),
        ({"bad.py": FAILS_CHECKS}, ("--policy", "{tmp}/bad.py", "--step-timeout-s", "0.5"), "line 5: name `speed`"),
        ({"beta.toml": "beta = 2\n"}, ("-a", str(LANGPROP_AGENT), "--agent-config", "{tmp}/beta.toml"),
         "beta must be in [0, 1]"),
        ({}, ("--step-timeout-s", "0.5"), "--step-timeout-s is the LangProp agent's limit per policy call"),
        ({}, ("--policy", "baseline", "--step-timeout-s", "0"), "--step-timeout-s must be > 0 s, got 0.0"),
    ],
)  # fmt: skip
def test_a_policy_that_cannot_drive_is_refused_before_any_route_runs(
    tmp_path: Path, capsys, files: dict[str, str], flags: tuple[str, ...], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    checkpoint = tmp_path / "results.json"
    assert evaluate(checkpoint, *(flag.format(tmp=tmp_path) for flag in flags)) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("langprop-drive: error:") and message in captured.err
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.out + captured.err
    assert not checkpoint.exists()


def test_a_hung_policy_crashes_each_route_with_the_reason_and_the_run_goes_on(tmp_path: Path, capsys) -> None:
    (tmp_path / "hangs.py").write_text(HANGS)
    (tmp_path / "agent.toml").write_text('policy = "hangs.py"\nmax_consecutive_failures = 3\n')
    checkpoint = tmp_path / "results.json"
    flags = ("--policy", str(tmp_path / "agent.toml"), "--step-timeout-s", "0.05")
    assert evaluate(checkpoint, *flags) == 0
    data = json.loads(checkpoint.read_text())
    assert data["entry_status"] == "Finished" and data["_checkpoint"]["progress"] == [2, 2]
    records = data["_checkpoint"]["records"]
    assert [r["status"] for r in records] == ["Failed - Agent crashed"] * 2
    for record in records:
        meta = record["meta"]
        assert list(meta)[:3] == ["route_length", "duration_game", "duration_system"]  # the leaderboard's first
        assert (meta["policy_calls"], meta["policy_failures"]) == (3, 3)
        assert "failed 3 consecutive calls: Timeout" in meta["failure_detail"]
    out = capsys.readouterr().out
    assert out.count("Failed - Agent crashed") >= 2 and out.count("policy failed 3 of 3 calls") == 2

    assert evaluate(checkpoint, *flags, "--resume") == 0  # the added meta keys read back
    assert json.loads(checkpoint.read_text())["_checkpoint"]["records"] == records


def test_step_timeout_flag_extends_the_policy_config(tmp_path: Path) -> None:
    (tmp_path / "p.py").write_text("def drive(observation):\n    return {}\n")
    (tmp_path / "agent.toml").write_text('policy = "p.py"\nmax_consecutive_failures = 7\nstep_timeout_s = 1.0\n')
    args = build_parser().parse_args(["evaluate", "--policy", str(tmp_path / "agent.toml"), "--step-timeout-s", "0.05"])
    spec = agent_spec_for(EvaluateSettings.from_flags(args), tmp_path)
    config = AgentConfig.load(spec.config_path)
    assert (config.step_timeout_s, config.max_consecutive_failures) == (0.05, 7)
    assert Path(config.policy).resolve() == tmp_path / "p.py"
    plain = agent_spec_for(EvaluateSettings.from_flags(build_parser().parse_args(["evaluate", "--policy", "baseline"])))
    assert plain.config_path == "baseline" and plain.path.name == "langprop_agent.py"


def test_only_plain_route_meta_of_an_agent_reaches_the_record(caplog) -> None:
    class Reporting:
        def route_meta(self) -> dict:
            return {"policy_calls": 4, "note": "ok", "ratio": 0.5, "route_length": 1.0, "flag": True,
                    "bad": float("nan"), "nested": {"a": 1}, 3: 1}  # fmt: skip

    class Raising:
        def route_meta(self) -> dict:
            raise RuntimeError("bug")

    assert agent_route_meta(Reporting()) == {"policy_calls": 4, "note": "ok", "ratio": 0.5}
    assert len(caplog.records) == 5  # each entry left out is named
    assert agent_route_meta(Raising()) == {} and "bug" in caplog.records[-1].getMessage()
    assert agent_route_meta(object()) == {}
