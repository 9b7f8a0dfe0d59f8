"""Infraction replays of real route runs: the route follower's red light is reproduced at its time and filmed;
the careful expert over the same window does not commit it; asked for the same infraction as an earlier run
(`same_as`), a replay takes only that one; failures and non-determinism are named."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import cv2
import pytest
from replay_helpers import (
    EMPTY_ROADS,
    EXPERT_AGENT,
    LATE_STARTER,
    LIGHTS_RUN,
    ROUTE_FOLLOWER,
    SEED,
    expert_overlay,
    smoke_runs,
)

from leaderboard_adapter.evaluator.route_runner import AgentSpec, run_route
from leaderboard_adapter.replay import (
    NEARBY_WINDOW_S,
    EvaluatedRun,
    InfractionIdentity,
    ReplayError,
    VideoWriterError,
    find_infraction,
    replay_infraction,
)
from leaderboard_adapter.scoring import InfractionType

FPS = 20
WINDOW_FRAMES = (6 + 2) * FPS + 1  # before_s, after_s at one frame per tick, and the event's own frame


def spec(agent: Path, config: str = "") -> AgentSpec:
    return AgentSpec(agent, config, "2.1", "MAP")


@pytest.fixture(scope="module")
def evaluated() -> EvaluatedRun:
    return EvaluatedRun(smoke_runs()[LIGHTS_RUN], SEED, EMPTY_ROADS, "2.1")


@pytest.fixture(scope="module")
def filmed(follower_results: Path, evaluated: EvaluatedRun, tmp_path_factory: pytest.TempPathFactory):
    """The route follower's first red light, replayed with the expert's action drawn over it."""
    frames: list[tuple[int, float, float]] = []
    out = tmp_path_factory.mktemp("replay") / "red_light.mp4"
    result = replay_infraction(
        spec(ROUTE_FOLLOWER), evaluated, "red_light", 0, out, overlay_fn=expert_overlay(frames)
    )
    return result, frames


def frame_count_and_size(path: Path) -> tuple[int, tuple[int, int]]:
    capture = cv2.VideoCapture(str(path))
    count = 0
    size = (0, 0)
    while True:
        ok, image = capture.read()
        if not ok:
            break
        count += 1
        size = image.shape[1], image.shape[0]
    capture.release()
    return count, size


def test_the_red_light_is_reproduced_as_scored_at_the_time_it_happened(
    filmed, follower_results, evaluated
) -> None:
    result, _ = filmed
    ref = find_infraction(follower_results, "RouteScenario_0_rep0", "red_light", 0)
    assert result.reproduced and result.event.message == ref.message
    # an independent run of the same route, seeded as the evaluator seeds it, has the event at the same time
    outcome = run_route(
        spec(ROUTE_FOLLOWER),
        evaluated.run.town,
        evaluated.run.points,
        EMPTY_ROADS,
        evaluated.world_seed,
        "2.1",
    )
    first = next(e for e in outcome.events if e.type is InfractionType.TRAFFIC_LIGHT_INFRACTION)
    assert result.event.game_time_s == pytest.approx(first.game_time_s)
    assert result.event.frame == first.frame


def test_the_video_holds_the_window_around_the_event(filmed) -> None:
    result, overlay_frames = filmed
    t = result.event.game_time_s
    assert result.window_s == pytest.approx((t - 6.0, t + 2.0))
    assert result.centre_s == pytest.approx(t) and result.events[-1] == result.event  # it stopped there
    assert result.frames_written == WINDOW_FRAMES and result.fps == FPS
    assert frame_count_and_size(result.path) == (WINDOW_FRAMES, (640, 640))
    # the overlay is asked once per filmed tick, in order, from the window's start
    ticks = [frame for frame, _, _ in overlay_frames]
    assert ticks == list(range(result.event.frame - 6 * FPS, result.event.frame + 2 * FPS + 1))


def test_the_careful_expert_does_not_run_the_light_in_the_same_window(
    filmed, evaluated, tmp_path: Path
) -> None:
    original, _ = filmed
    result = replay_infraction(
        spec(EXPERT_AGENT),
        evaluated,
        "red_light",
        0,
        tmp_path / "expert.mp4",
        original_time_s=original.event.game_time_s,
    )
    assert not result.reproduced and result.event is None
    assert result.window_s == pytest.approx(original.window_s)
    assert result.frames_written == WINDOW_FRAMES
    assert frame_count_and_size(result.path)[0] == WINDOW_FRAMES


def test_without_a_time_the_window_centres_where_the_expert_passes_the_place(
    follower_results, evaluated, tmp_path: Path
) -> None:
    ref = find_infraction(follower_results, "RouteScenario_0_rep0", "red_light", 0)
    frames: list[tuple[int, float, float]] = []
    result = replay_infraction(
        spec(EXPERT_AGENT),
        evaluated,
        "red_light",
        0,
        tmp_path / "expert.mp4",
        before_s=1.0,
        after_s=1.0,
        overlay_fn=expert_overlay(frames),
        original_xy_m=ref.xy_m,
    )
    assert not result.reproduced and result.frames_written == 2 * FPS + 1
    distances = [math.hypot(x - ref.xy_m[0], y - ref.xy_m[1]) for _, x, y in frames]
    assert distances.index(min(distances)) == FPS  # the nearest pass is the middle frame


def test_same_as_takes_the_same_red_light_and_nothing_else(filmed, evaluated, tmp_path: Path) -> None:
    original, _ = filmed
    same = InfractionIdentity.of(original.event)
    again = replay_infraction(
        spec(ROUTE_FOLLOWER),
        evaluated,
        "red_light",
        0,
        tmp_path / "again.mp4",
        before_s=1.0,
        after_s=1.0,
        same_as=same,
    )
    assert again.event == original.event and again.frames_written == 2 * FPS + 1

    another_light = dataclasses.replace(same, actor_id=same.actor_id + 1)
    gone = replay_infraction(
        spec(ROUTE_FOLLOWER),
        evaluated,
        "red_light",
        0,
        tmp_path / "gone.mp4",
        before_s=1.0,
        after_s=1.0,
        same_as=another_light,
    )
    assert not gone.reproduced and gone.centre_s == pytest.approx(same.game_time_s)
    assert gone.window_s == pytest.approx((same.game_time_s - 1.0, same.game_time_s + 1.0))
    # the unfilmed run watched up to NEARBY_WINDOW_S past the time: the red light it did run is among its events
    assert original.event in gone.events
    assert max(e.game_time_s for e in gone.events) <= same.game_time_s + NEARBY_WINDOW_S + 0.05


def test_same_as_must_be_of_the_kind_and_gives_the_time(filmed, evaluated, tmp_path: Path) -> None:
    same = InfractionIdentity.of(filmed[0].event)
    with pytest.raises(
        ReplayError, match="same_as is a 'red_light' infraction, but the replay is of 'stop_infraction'"
    ):
        replay_infraction(
            spec(ROUTE_FOLLOWER), evaluated, "stop_infraction", 0, tmp_path / "x.mp4", same_as=same
        )
    with pytest.raises(ReplayError, match="pass original_time_s or same_as, not both"):
        replay_infraction(
            spec(ROUTE_FOLLOWER),
            evaluated,
            "red_light",
            0,
            tmp_path / "x.mp4",
            original_time_s=1.0,
            same_as=same,
        )
    assert not (tmp_path / "x.mp4").exists()


def test_an_infraction_not_committed_needs_a_place_or_a_time(evaluated, tmp_path: Path) -> None:
    with pytest.raises(
        ReplayError, match="does not commit 'red_light' infraction 0; pass original_time_s or original_xy_m"
    ):
        replay_infraction(spec(EXPERT_AGENT), evaluated, "red_light", 0, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_a_window_after_the_route_ended_is_an_error(evaluated, tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match=r"the route ended before the window \[994.00, 1002.00\] s began"):
        replay_infraction(
            spec(ROUTE_FOLLOWER),
            evaluated,
            "collisions_vehicle",
            0,
            tmp_path / "x.mp4",
            original_time_s=1000.0,
        )


def test_an_agent_that_is_not_deterministic_is_caught(evaluated, tmp_path: Path) -> None:
    config = tmp_path / "late.json"
    config.write_text(json.dumps({"counter": str(tmp_path / "builds.txt"), "delay_ticks": 40}))
    with pytest.raises(
        ReplayError, match="two runs of the same agent differ .* the agent is not deterministic"
    ):
        replay_infraction(spec(LATE_STARTER, str(config)), evaluated, "red_light", 0, tmp_path / "late.mp4")


def test_an_agent_that_crashes_is_named(evaluated, tmp_path: Path) -> None:
    misbehaving = Path(__file__).resolve().parents[1] / "evaluator" / "agent_files" / "misbehaving_agent.py"
    config = tmp_path / "crash.json"
    config.write_text(json.dumps({"mode": "crash", "frame": 5}))
    with pytest.raises(ReplayError, match=r"the agent run failed \(Agent crashed\): .*crashed on purpose"):
        replay_infraction(spec(misbehaving, str(config)), evaluated, "red_light", 0, tmp_path / "crash.mp4")


@pytest.mark.parametrize(
    ("kind", "occurrence", "before_s", "message"),
    [
        ("red_lights", 0, 6.0, "unknown infraction kind 'red_lights'"),
        ("red_light", -1, 6.0, "occurrence must be an int >= 0"),
        ("red_light", 0, -1.0, "before_s must be a finite number of seconds >= 0"),
    ],
)
def test_bad_requests_fail_before_driving(
    evaluated, tmp_path: Path, kind, occurrence, before_s, message
) -> None:
    with pytest.raises(ReplayError, match=message):
        replay_infraction(
            spec(ROUTE_FOLLOWER), evaluated, kind, occurrence, tmp_path / "x.mp4", before_s=before_s
        )


def test_an_output_path_that_cannot_be_an_mp4_fails_before_driving(evaluated, tmp_path: Path) -> None:
    with pytest.raises(VideoWriterError, match=r"x.avi'.*must end in .mp4"):
        replay_infraction(spec(ROUTE_FOLLOWER), evaluated, "red_light", 0, tmp_path / "x.avi")
