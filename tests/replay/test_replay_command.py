"""`langprop-drive replay` through the real command line: a red light run by a route-running policy on smoke
route 0 (empty roads, --seed 2: it runs two), replayed from the DAgger agent's shard and from a results file,
filmed with both actions drawn, and compared with a policy that stops at red lights and with policies that run
the same light a little earlier, another light at that time, or the same light later; bad input is named."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from replay_helpers import EMPTY_ROADS, LIGHTS_RUN, SEED, TESTS, quiet_world, smoke_runs

from data_collection import ShardWriter, read_shard
from expert import ExpertDecision
from langprop_driver.agent_paths import DAGGER_AGENT
from langprop_driver.agent_runtime.guarded_policy import PolicyStep
from langprop_driver.cli import main
from langprop_driver.driving import BASELINE_POLICY_SOURCE
from langprop_driver.pipeline.replay_overlay import decision_overlay
from leaderboard_adapter.control import Action
from leaderboard_adapter.evaluator.route_runner import AgentSpec, run_route
from leaderboard_adapter.privileged import publish_decision, publishing
from leaderboard_adapter.replay import (
    NEARBY_WINDOW_S,
    SAME_INFRACTION_WINDOW_S,
    ActionArrow,
    Palette,
    find_infraction,
)

# reuse the agent tests' route-running policy (test folders are not packages)
if str(TESTS / "agents") not in sys.path:
    sys.path.insert(0, str(TESTS / "agents"))
from agents_helpers import route_runner_policy  # noqa: E402

ROUTE_ID = "RouteScenario_0_rep0"
BEFORE_S, AFTER_S = 2.0, 1.0
WINDOW_FRAMES = round((BEFORE_S + AFTER_S) * 20) + 1  # one frame per 0.05 s tick, and the event's own
WINDOW = ["--before-s", str(BEFORE_S), "--after-s", str(AFTER_S)]
EVALUATION = ["--routes", "embedded_smoke", "--vehicles", "0", "--walkers", "0", "--seed", str(SEED)]
"""The flags of the evaluation the results file comes from (--seed last)."""


def late_runner_policy(wait_s: float, speed_mps: float) -> str:
    """Source of a test policy that stands still for `wait_s` seconds of game time, then follows the route at
    `speed_mps` through red lights and all."""
    return (
        route_runner_policy(speed_mps)
        + f'''

follow_route = drive


def drive(observation):
    """Stands still for {wait_s} s of game time, then follows the route."""
    if observation["time_s"] < {wait_s}:
        return {{"target_speed_mps": 0.0, "steer_deg": 0.0}}
    return follow_route(observation)
'''
    )


@pytest.fixture(scope="module")
def policies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with runner.py (follows the route at 9 m/s through red lights), stopper.py (the baseline,
    which stops at red lights), and runners that meet the lights at other times: faster.py (9.5 m/s),
    late3.py and late11.py (start 3 s and 11 s late, at 9 m/s)."""
    folder = tmp_path_factory.mktemp("policies")
    (folder / "runner.py").write_text(route_runner_policy(9.0))
    (folder / "stopper.py").write_text(BASELINE_POLICY_SOURCE)
    (folder / "faster.py").write_text(route_runner_policy(9.5))
    (folder / "late3.py").write_text(late_runner_policy(3.0, 9.0))
    (folder / "late11.py").write_text(late_runner_policy(11.0, 9.0))
    return folder


def collect(policy: Path, folder: Path) -> Path:
    """The DAgger agent's shard of `policy` on smoke route 0, run as `evaluate --seed 2` runs it."""
    config = folder / "dagger.toml"
    config.write_text(f'policy = "{policy}"\nbuffer_dir = "buffer"\n')
    run = smoke_runs()[LIGHTS_RUN]
    info = run.run_info(SEED, "2.1", EMPTY_ROADS)
    agent = AgentSpec(DAGGER_AGENT, str(config), "2.1", "MAP")
    run_route(agent, run.town, run.points, EMPTY_ROADS, info.world_seed, "2.1", run_info=info)
    (path,) = (folder / "buffer").iterdir()
    return path


def red_lights(shard: Path) -> list[tuple[int, float]]:
    """(light id, game time [s]) of each red light a shard recorded, in order."""
    return [
        (event["details"]["actor_id"], event["game_time_s"])
        for event in read_shard(shard).events
        if event["kind"] == "red_light"
    ]


@pytest.fixture(scope="module")
def shard(policies: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The DAgger agent's shard of runner.py on smoke route 0."""
    path = collect(policies / "runner.py", tmp_path_factory.mktemp("collect"))
    assert [event["kind"] for event in read_shard(path).events] == ["red_light", "red_light"]
    return path


@pytest.fixture(scope="module")
def results(policies: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`langprop-drive evaluate --policy runner.py` on smoke route 0."""
    path = tmp_path_factory.mktemp("evaluate") / "results.json"
    evaluate = ["evaluate", "--policy", policies / "runner.py", *EVALUATION, "--routes-subset", LIGHTS_RUN]
    assert main([str(arg) for arg in [*evaluate, "--checkpoint", path, "--no-progress"]]) == 0
    return path


def replay(*argv: object) -> int:
    return main(["replay", *(str(arg) for arg in argv)])


def read_video(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


def pixels_of(frame: np.ndarray, colour: tuple[int, int, int], tolerance: int = 60) -> int:
    """Pixels within `tolerance` of `colour` in every channel (the mp4 codec shifts colours a little)."""
    return int(np.all(np.abs(frame.astype(int) - np.array(colour)) <= tolerance, axis=2).sum())


def test_a_shard_replay_films_the_red_light_with_both_actions_drawn(
    shard: Path, tmp_path: Path, capsys
) -> None:
    recorded = read_shard(shard).events[0]
    out = tmp_path / "videos" / "red.mp4"  # the folder is made
    assert replay("--shard", shard, "--kind", "red_light", "--out", out, *WINDOW) == 0
    printed = capsys.readouterr().out
    assert f"committed red_light #0 at t {recorded['game_time_s']:.2f} s (reproduced)" in printed
    assert recorded["message"] in printed
    assert f"{WINDOW_FRAMES} frames at 20 fps" in printed
    assert f"video: {out}" in printed
    frames = read_video(out)
    assert len(frames) == WINDOW_FRAMES
    palette = Palette()
    assert max(pixels_of(frame, palette.policy) for frame in frames) > 30
    assert max(pixels_of(frame, palette.expert) for frame in frames) > 30
    assert not (tmp_path / "videos" / "red_compare.mp4").exists()


def test_compare_with_a_policy_that_stops_at_red_lights_shows_the_infraction_gone(
    shard: Path, policies: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(policies)  # --compare relative to the working folder
    out = tmp_path / "red.mp4"
    argv = ["--shard", shard, "--kind", "red_light", "--compare", "stopper.py", "--out", out, *WINDOW]
    assert replay(*argv) == 0
    printed = capsys.readouterr().out
    original, compared = printed.split("\ncompare ")
    assert "(reproduced)" in original
    assert compared.startswith(
        f"file:{policies / 'stopper.py'}: did not commit red_light #0: the infraction is gone (not reproduced)"
    )
    assert f"nearby (within {NEARBY_WINDOW_S:g} s): no infraction\n" in compared
    assert f"video: {tmp_path / 'red_compare.mp4'}" in compared
    assert len(read_video(out)) == len(read_video(tmp_path / "red_compare.mp4")) == WINDOW_FRAMES


def compare_second_light(
    shard: Path, compare: Path, tmp_path: Path, capsys, *flags: object
) -> tuple[str, str]:
    """`replay --shard SHARD --kind red_light --occurrence 1 --compare COMPARE`: the summary's original and
    compare parts (it exits 0 whether the infraction recurs or is gone)."""
    where = ["--shard", shard, "--kind", "red_light", "--occurrence", 1, "--compare", compare]
    assert replay(*where, *flags, "--out", tmp_path / "second.mp4", *WINDOW) == 0
    original, compared = capsys.readouterr().out.split("\ncompare ")
    assert len(read_video(tmp_path / "second_compare.mp4")) == WINDOW_FRAMES
    return original, compared


def rerun_red_lights(policy: Path, tmp_path: Path) -> list[tuple[int, float]]:
    """(light id, game time [s]) of the red lights `policy` runs in a run of its own (not the command's)."""
    folder = tmp_path / f"rerun_{policy.stem}"
    folder.mkdir()
    return red_lights(collect(policy, folder))


def nearby_line(events: list[tuple[int, float]], original_s: float) -> str:
    """The summary's line naming the red lights `events` holds near `original_s` [s]."""
    near = [
        f"red_light with actor {light} at t {t:.2f} s ({t - original_s:+.2f} s)"
        for light, t in events
        if abs(t - original_s) <= NEARBY_WINDOW_S
    ]
    return f"  nearby (within {NEARBY_WINDOW_S:g} s): {'; '.join(near)}\n"


def test_compare_finds_the_same_red_light_when_it_recurs_a_little_earlier(
    shard: Path, policies: Path, tmp_path: Path, capsys
) -> None:
    light, original_s = red_lights(shard)[1]
    rerun = rerun_red_lights(policies / "faster.py", tmp_path)
    (again_s,) = [t for other, t in rerun if other == light]
    assert again_s != original_s and abs(again_s - original_s) <= SAME_INFRACTION_WINDOW_S
    _, compared = compare_second_light(shard, policies / "faster.py", tmp_path, capsys)
    assert compared.startswith(
        f"file:{policies / 'faster.py'}: committed red_light #1 at t {again_s:.2f} s (reproduced: red_light "
        f"with actor {light} within {SAME_INFRACTION_WINDOW_S:g} s of t {original_s:.2f} s): Agent ran a red "
        f"light {light} at"
    )
    assert f"window: t {again_s - BEFORE_S:.2f} s to {again_s + AFTER_S:.2f} s" in compared


def test_another_light_run_at_that_time_is_not_the_same_infraction(
    shard: Path, policies: Path, tmp_path: Path, capsys
) -> None:
    light, original_s = red_lights(shard)[1]
    rerun = rerun_red_lights(policies / "late11.py", tmp_path)
    assert len(rerun) == 2  # it has a red_light #1: counting by kind alone would call it reproduced
    assert any(other != light and abs(t - original_s) <= SAME_INFRACTION_WINDOW_S for other, t in rerun)
    assert all(abs(t - original_s) > SAME_INFRACTION_WINDOW_S for other, t in rerun if other == light)
    _, compared = compare_second_light(shard, policies / "late11.py", tmp_path, capsys)
    assert compared.startswith(
        f"file:{policies / 'late11.py'}: did not commit red_light #1: the infraction is gone (not reproduced): "
        f"no red_light with actor {light} within {SAME_INFRACTION_WINDOW_S:g} s of t {original_s:.2f} s\n"
        + nearby_line(rerun, original_s)
    )
    assert "(reproduced" not in compared
    assert f"window: t {original_s - BEFORE_S:.2f} s to {original_s + AFTER_S:.2f} s" in compared


def test_the_same_light_run_later_than_the_window_is_not_the_same_infraction(
    shard: Path, policies: Path, tmp_path: Path, capsys
) -> None:
    light, original_s = red_lights(shard)[1]
    rerun = rerun_red_lights(policies / "late3.py", tmp_path)
    assert len(rerun) == 2  # it has a red_light #1: counting by kind alone would call it reproduced
    (later_s,) = [t for other, t in rerun if other == light]
    assert later_s - original_s > SAME_INFRACTION_WINDOW_S
    _, compared = compare_second_light(shard, policies / "late3.py", tmp_path, capsys)
    assert compared.startswith(
        f"file:{policies / 'late3.py'}: did not commit red_light #1: the infraction is gone (not reproduced): "
        f"no red_light with actor {light} within {SAME_INFRACTION_WINDOW_S:g} s of t {original_s:.2f} s\n"
        + nearby_line(rerun, original_s)
    )
    assert f"red_light with actor {light} at t {later_s:.2f} s" in compared  # named as found nearby


def test_when_the_policy_misses_it_the_compare_is_judged_against_the_recorded_infraction(
    shard: Path, policies: Path, tmp_path: Path, capsys
) -> None:
    """--policy stopper.py replaces the shard's runner, which no longer runs the light; runner.py compared
    runs it as recorded (the recorded light and time)."""
    light, original_s = red_lights(shard)[1]
    original, compared = compare_second_light(
        shard, policies / "runner.py", tmp_path, capsys, "--policy", policies / "stopper.py"
    )
    assert "did not commit red_light #1 (NOT reproduced)" in original
    assert compared.startswith(
        f"file:{policies / 'runner.py'}: committed red_light #1 at t {original_s:.2f} s (reproduced: red_light "
        f"with actor {light} within {SAME_INFRACTION_WINDOW_S:g} s of t {original_s:.2f} s)"
    )


def test_a_results_file_replays_the_same_infraction(
    results: Path, shard: Path, policies: Path, tmp_path: Path, capsys
) -> None:
    message = find_infraction(results, ROUTE_ID, "red_light", 1).message
    recorded_s = read_shard(shard).events[1]["game_time_s"]  # the same run, collected
    out = tmp_path / "second.mp4"
    where = ["--results", results, "--route-id", ROUTE_ID, "--kind", "red_light", "--occurrence", "1"]
    assert replay(*where, "--policy", policies / "runner.py", *EVALUATION, "--out", out, *WINDOW) == 0
    printed = capsys.readouterr().out
    assert f"committed red_light #1 at t {recorded_s:.2f} s (reproduced): {message}" in printed
    assert len(read_video(out)) == WINDOW_FRAMES


def test_a_results_replay_in_another_world_says_the_infraction_is_not_reproduced(
    results: Path, policies: Path, tmp_path: Path, capsys
) -> None:
    """The flags must be the evaluation's: with --seed 3 the policy meets one red light, not two."""
    out = tmp_path / "second.mp4"
    where = ["--results", results, "--route-id", ROUTE_ID, "--kind", "red_light", "--occurrence", "1"]
    world = [*EVALUATION[:-1], "3"]  # another --seed
    assert replay(*where, "--policy", policies / "runner.py", *world, "--out", out, *WINDOW) == 0
    assert "did not commit red_light #1 (NOT reproduced)" in capsys.readouterr().out
    assert len(read_video(out)) == WINDOW_FRAMES  # filmed where the recorded one happened


def test_the_overlay_shows_the_published_decisions_and_a_policy_failure() -> None:
    world = quiet_world(LIGHTS_RUN)
    assert decision_overlay(world) is None  # nothing published
    with publishing(world):
        publish_decision("policy", PolicyStep(Action(0.0, -3.0), error="timed out after 0.2 s"))
        publish_decision("expert", ExpertDecision(Action(6.5, 2.14), "red_light"))
        overlay = decision_overlay(world)
        assert decision_overlay(quiet_world(LIGHTS_RUN)) is None  # another world's episode
    assert overlay.policy == ActionArrow(0.0, -3.0) and overlay.expert == ActionArrow(6.5, 2.14)
    assert overlay.text_lines == (
        "policy 0.0 m/s steer -3.0 deg",
        "policy failed (safe action): timed out after 0.2 s",
        "expert 6.5 m/s steer +2.1 deg (red_light)",
    )


def _shard_like(shard: Path, folder: Path, **changes: object) -> Path:
    """A shard with `shard`'s header changed by `changes` and its first red light event."""
    recorded = read_shard(shard)
    writer = ShardWriter.create(folder, dataclasses.replace(recorded.header, **changes))
    event = recorded.events[0]
    writer.add_event(**{key: event[key] for key in ("frame", "game_time_s", "kind", "message", "details")})
    writer.close()
    return writer.path


def _with_extra(shard: Path, folder: Path, **changes: object) -> Path:
    """A shard whose header's `extra` has `changes` (None: the key removed)."""
    extra = {**read_shard(shard).header.extra, **changes}
    return _shard_like(shard, folder, extra={key: value for key, value in extra.items() if value is not None})


ERRORS = {
    "unknown kind": (
        lambda s, d: ["--shard", s, "--kind", "red_lights"],
        "unknown infraction kind 'red_lights'",
    ),
    "kind not in the shard": (
        lambda s, d: ["--shard", s, "--kind", "collisions_vehicle"],
        "has no 'collisions_vehicle' infraction; its infractions: red_light (2)",
    ),
    "kind shards do not keep": (
        lambda s, d: ["--shard", s, "--kind", "route_timeout"],
        "shards do not record 'route_timeout' infractions",
    ),
    "occurrence past the end": (
        lambda s, d: ["--shard", s, "--kind", "red_light", "--occurrence", "2"],
        "has 2 'red_light' infraction(s) (occurrences 0 to 1); occurrence 2 does not exist",
    ),
    "carla shard": (
        lambda s, d: ["--shard", _shard_like(s, d, world="carla"), "--kind", "red_light"],
        "recorded in a 'carla' world: only runs of the embedded world can be re-simulated",
    ),
    "shard without routes file": (
        lambda s, d: ["--shard", _with_extra(s, d, routes_file=None), "--kind", "red_light"],
        "its header names no routes file",
    ),
    "shard's policy moved": (
        lambda s, d: ["--shard", _with_extra(s, d, policy=str(d / "moved.py")), "--kind", "red_light"],
        "the shard's policy (--policy drives with another): policy ",
    ),
    "world seed not derived": (
        lambda s, d: ["--shard", _shard_like(s, d, world_seed=12345), "--kind", "red_light"],
        "its world seed 12345 is not the one the evaluator derives",
    ),
    "counts with a shard": (
        lambda s, d: ["--shard", s, "--kind", "red_light", "--vehicles", "3"],
        "--vehicles and --walkers go with --results",
    ),
    "missing compare policy": (
        lambda s, d: ["--shard", s, "--kind", "red_light", "--compare", d / "newer.py"],
        "--compare: policy ",
    ),
    "results without route id": (
        lambda s, d: ["--results", d / "results.json", "--kind", "red_light", "--policy", "baseline"],
        "--results needs --route-id",
    ),
    "results without policy": (
        lambda s, d: ["--results", d / "results.json", "--route-id", ROUTE_ID, "--kind", "red_light"],
        "--results needs --policy",
    ),
    "results file missing": (
        lambda s, d: [
            "--results",
            d / "results.json",
            "--route-id",
            ROUTE_ID,
            "--kind",
            "red_light",
            "--policy",
            "baseline",
        ],
        "results.json': does not exist",
    ),
    "missing shard": (lambda s, d: ["--shard", d / "gone.jsonl", "--kind", "red_light"], "cannot read shard"),
    "not an mp4": (
        lambda s, d: ["--shard", s, "--kind", "red_light", "--out", d / "red.avi"],
        "must end in .mp4",
    ),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_exits_2_naming_the_problem(case: str, shard: Path, tmp_path: Path, capsys) -> None:
    build, message = ERRORS[case]
    argv = build(shard, tmp_path)
    if "--out" not in argv:
        argv += ["--out", tmp_path / "replay.mp4"]
    assert replay(*argv) == 2
    error = capsys.readouterr().err
    assert error.startswith("langprop-drive: error: ") and message in error
    assert not list(tmp_path.glob("*.mp4"))  # nothing was filmed
