"""`langprop-drive replay`: re-simulate a recorded infraction in the embedded world and film it from above.

The infraction comes from a replay-buffer shard (`--shard`; its header names the run) or a results file
(`--results`, `--route-id`, with the evaluation's flags). The DAgger agent re-drives the run with the
policy that drove it (or `--policy`), in a temporary folder so that no buffer is touched; it labels every
step with the expert, so the video shows both actions. `--compare` re-drives the same scenario with
another policy to a second video (`<out>_compare.mp4`) and says whether the infraction is gone: it
recurs only as an infraction of the same kind, with the same other actor, within
`SAME_INFRACTION_WINDOW_S` of the original's time (`InfractionIdentity`). Either answer exits 0.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

from langprop_driver.agent_paths import DAGGER_AGENT
from langprop_driver.agent_runtime.config import absolute_policy
from langprop_driver.errors import LangPropDriveError
from langprop_driver.pipeline.command_settings import ReplaySettings
from langprop_driver.pipeline.replay_overlay import decision_overlay
from langprop_driver.pipeline.replay_source import Driver, ReplayTarget, target_of
from leaderboard_adapter.evaluator.route_runner import AgentSpec
from leaderboard_adapter.replay import (
    NEARBY_WINDOW_S,
    InfractionIdentity,
    ReplayResult,
    describe_event,
    replay_infraction,
)
from leaderboard_adapter.scoring import InfractionType

_FRAME_RATE_HZ = 0.05
"""Frames the replaying agent keeps per simulated second [Hz]: its buffer is thrown away, so as few as
possible (who drives each step does not depend on it)."""


def run_replay(settings: ReplaySettings) -> int:
    """Film the infraction the `replay` flags name (and the `--compare` run); the exit code."""
    target = target_of(settings)
    out = _video_path(settings.out)
    origin = "--policy" if settings.policy is not None else "the shard's policy (--policy drives with another)"
    policy_name = target.driver.version(origin)
    compare = compare_name = None
    if settings.compare is not None:  # the recorded run's DAgger mixing and step timeout, another policy
        compare = dataclasses.replace(target.driver, policy=absolute_policy(settings.compare), candidate=None)
        compare_name = compare.version("--compare")

    print(f"replay: {target.kind} #{target.occurrence} of {target.evaluated.run.route_id} ({target.source})")
    recorded = f"t {target.time_s:.2f} s: " if target.time_s is not None else ""
    print(f"  recorded: {recorded}{target.message}")
    with tempfile.TemporaryDirectory(prefix="langprop-replay-") as scratch:
        first = _film(target, target.driver, out, Path(scratch) / "policy", settings, target.time_s, target.xy_m)
        _report(policy_name, first, target)
        if compare is None:
            return 0
        # the infraction as replayed, or as recorded (at the time filmed) when the replay missed it
        same_as = _original_identity(first, target)
        xy_m = (first.event.x_m, first.event.y_m) if first.event is not None else target.xy_m
        compare_out = out.with_name(f"{out.stem}_compare{out.suffix}")
        second = _film(
            target, compare, compare_out, Path(scratch) / "compare", settings, None, xy_m, same_as=same_as
        )
        _report_compare(compare_name, second, target, same_as)
    return 0


def _video_path(out: Path) -> Path:
    """`--out`, checked to be an mp4 name before any driving; its folder is made."""
    if out.suffix.lower() != ".mp4":
        raise LangPropDriveError(f"--out {str(out)!r}: the video file name must end in .mp4")
    out.parent.mkdir(parents=True, exist_ok=True)
    return out


def _film(
    target: ReplayTarget,
    driver: Driver,
    out: Path,
    scratch: Path,
    settings: ReplaySettings,
    original_time_s: float | None,
    original_xy_m: tuple[float, float] | None,
    same_as: InfractionIdentity | None = None,
) -> ReplayResult:
    """One replay of the target's run driven by the DAgger agent with `driver`'s settings (of the
    infraction `same_as`, when given: see `replay_infraction`)."""
    scratch.mkdir(parents=True)
    config = {
        "policy": driver.policy,
        "candidate": driver.candidate,
        "beta": driver.beta,
        "seed": driver.agent_seed,
        "step_timeout_s": driver.step_timeout_s,
        "buffer_dir": str(scratch / "buffer"),
        "frame_rate_hz": _FRAME_RATE_HZ,
    }
    config_path = scratch / "agent.json"
    config_path.write_text(json.dumps(config))
    agent = AgentSpec(DAGGER_AGENT, str(config_path), target.evaluated.leaderboard_version, "MAP")
    return replay_infraction(
        agent,
        target.evaluated,
        target.kind,
        target.occurrence,
        out,
        before_s=settings.before_s,
        after_s=settings.after_s,
        overlay_fn=decision_overlay,
        original_time_s=original_time_s,
        original_xy_m=original_xy_m,
        same_as=same_as,
    )


def _original_identity(first: ReplayResult, target: ReplayTarget) -> InfractionIdentity:
    """The infraction a compared policy must commit to reproduce it: the original policy's, as replayed;
    when that replay missed it, the recorded kind and actor at the time its video is centred on (the
    recorded time, or when the hero passed nearest the recorded place)."""
    if first.event is not None:
        return InfractionIdentity.of(first.event)
    return InfractionIdentity(InfractionType(target.kind), target.actor_id, first.centre_s)


def _report(policy: str, result: ReplayResult, target: ReplayTarget) -> None:
    """Print what the original policy's replay showed and wrote."""
    what = f"{target.kind} #{target.occurrence}"
    if result.event is not None:
        verdict = (
            f"committed {what} at t {result.event.game_time_s:.2f} s (reproduced): {result.event.message}"
        )
    else:
        verdict = (
            f"did not commit {what} (NOT reproduced): the run differs from the recorded one (a changed policy, "
            f"flags that are not the evaluation's, or a policy that is not deterministic); filmed where it was"
        )
    print(f"policy {policy}: {verdict}")
    _print_window(result)
    event, recorded_s = result.event, target.time_s
    if (
        event is not None
        and recorded_s is not None
        and abs(event.game_time_s - recorded_s) > 0.5 / result.fps
    ):
        print(f"  note: recorded at t {recorded_s:.2f} s, replayed at t {event.game_time_s:.2f} s")
    print(f"  video: {result.path}")


def _report_compare(
    policy: str, result: ReplayResult, target: ReplayTarget, same_as: InfractionIdentity
) -> None:
    """Print whether the compared policy committed the same infraction; when not, what it committed near it."""
    what = f"{target.kind} #{target.occurrence}"
    same = f"{same_as.kind_and_actor()} within {same_as.window_s:g} s of t {same_as.game_time_s:.2f} s"
    if result.event is not None:
        print(
            f"compare {policy}: committed {what} at t {result.event.game_time_s:.2f} s (reproduced: {same}): "
            f"{result.event.message}"
        )
    else:
        print(f"compare {policy}: did not commit {what}: the infraction is gone (not reproduced): no {same}")
        nearby = [
            f"{describe_event(event)} ({event.game_time_s - same_as.game_time_s:+.2f} s)"
            for event in same_as.nearby(result.events)
        ]
        print(f"  nearby (within {NEARBY_WINDOW_S:g} s): {'; '.join(nearby) if nearby else 'no infraction'}")
    _print_window(result)
    print(f"  video: {result.path}")


def _print_window(result: ReplayResult) -> None:
    start, end = result.window_s
    print(f"  window: t {start:.2f} s to {end:.2f} s, {result.frames_written} frames at {result.fps:g} fps")
