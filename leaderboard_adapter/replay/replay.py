"""Infraction replay: re-drive a route run from its start and film the seconds around one infraction.

Two runs of the same agent in the same seeded world (same actors, same light phases; the
agent must be deterministic): the first, not rendered, finds when the infraction happens
and stops there; the second renders the frames in [event - before_s, event + after_s] to an
mp4, one frame per tick. The second run also watches for the event, and a different frame or
message means the agent (or the world) is not deterministic: that is an error, as the video
would not show what was scored.

A newer agent may not commit the infraction at all. The window is then centred on
`original_time_s` (the original event's game time, e.g. from an earlier `ReplayResult`) or,
failing that, on the moment the hero passes nearest `original_xy_m` (the place in the
results message, `InfractionRef.xy_m`), and the result says `reproduced=False`. To ask whether a
newer agent commits the same infraction as an earlier run (not merely one of the same kind), pass
`same_as` (an `InfractionIdentity`): the infraction filmed is then the first of the same kind, with
the same other actor, within its window of the earlier one's time.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from leaderboard_adapter.embedded.config import WorldConfig
from leaderboard_adapter.embedded.world import EmbeddedWorld
from leaderboard_adapter.evaluator.planned_run import PlannedRun
from leaderboard_adapter.evaluator.route_runner import AgentSpec, RouteOutcome, run_route
from leaderboard_adapter.privileged import RunInfo
from leaderboard_adapter.replay.birdseye import BirdseyeRenderer
from leaderboard_adapter.replay.errors import ReplayError
from leaderboard_adapter.replay.event_watch import EventTest, EventWatch
from leaderboard_adapter.replay.infraction_match import NEARBY_WINDOW_S, InfractionIdentity
from leaderboard_adapter.replay.infraction_ref import check_kind
from leaderboard_adapter.replay.overlay import Overlay
from leaderboard_adapter.replay.video import VideoWriter
from leaderboard_adapter.scoring import InfractionEvent, InfractionType
from leaderboard_adapter.world_view import WorldView

OverlayFn = Callable[[WorldView], Overlay | None]
"""Called once per rendered frame with the world; returns what to draw over it (action arrows, text)."""
_MESSAGE_CHARS = 70


@dataclass(frozen=True)
class EvaluatedRun:
    """One route run as the embedded evaluator drove it: the planned run and the evaluation's settings.

    `seed` is the evaluation's `--seed`; the world seed derives from it, the route's id and its
    repetition (`world_seed`). `world_config` and `leaderboard_version` must be the evaluation's
    (traffic counts, criteria thresholds), or the replay drives another world.
    """

    run: PlannedRun
    seed: int
    world_config: WorldConfig
    leaderboard_version: str = "2.1"

    @property
    def world_seed(self) -> int:
        return self.run_info.world_seed

    @property
    def run_info(self) -> RunInfo:
        """What the evaluator published to agents for this run (the replayed agent sees the same)."""
        return self.run.run_info(self.seed, self.leaderboard_version, self.world_config)


@dataclass(frozen=True)
class ReplayResult:
    """What a replay wrote.

    `event`: the infraction as the replayed agent committed it (kind, message, frame, game
    time [s], place [m]), None when it did not. `window_s`: game times [s] of the first and
    last frames written; `frames_written` frames at `fps` frames per second. `centre_s`: the game
    time [s] the window is centred on (the event's, else `original_time_s` or `same_as`'s, else
    when the hero passed nearest `original_xy_m`). `events`: every infraction of the unfilmed run
    that found the event, in order, up to where it stopped: the event, the route's end or, with
    `same_as` and no match, `NEARBY_WINDOW_S` after `same_as`'s time.
    """

    path: Path
    event: InfractionEvent | None
    window_s: tuple[float, float]
    frames_written: int
    fps: float
    centre_s: float
    events: tuple[InfractionEvent, ...]

    @property
    def reproduced(self) -> bool:
        """Whether the replayed agent committed the infraction."""
        return self.event is not None


class _Enough(Exception):
    """Raised from `on_tick` to stop a run once nothing more is needed from it."""


def replay_infraction(
    agent_spec: AgentSpec,
    evaluated: EvaluatedRun,
    kind: str,
    occurrence: int,
    out_path: Path | str,
    *,
    before_s: float = 6.0,
    after_s: float = 2.0,
    overlay_fn: OverlayFn | None = None,
    renderer: BirdseyeRenderer | None = None,
    original_time_s: float | None = None,
    original_xy_m: tuple[float, float] | None = None,
    same_as: InfractionIdentity | None = None,
) -> ReplayResult:
    """Film the `occurrence`-th (from 0) infraction of `kind` (a results key, e.g. "red_light") of a run.

    `same_as`, when given (an infraction of an earlier run, of this `kind`), replaces "the
    `occurrence`-th of `kind`" by "the first that `same_as.matches`" (same kind, same other actor,
    within `same_as.window_s` of its time; `occurrence` then only labels the frames), and its time
    replaces `original_time_s`. `renderer` defaults to a `BirdseyeRenderer` of the run's town.
    Raises ReplayError when the agent fails to run, when it does not commit the infraction and
    neither `original_time_s` nor `original_xy_m` says where to look, when the window lies past
    the route's end, and when the two runs differ; VideoWriterError (before any driving) when
    `out_path` cannot be an mp4 file.
    """
    check_kind(kind)
    if isinstance(occurrence, bool) or not isinstance(occurrence, int) or occurrence < 0:
        raise ReplayError(f"occurrence must be an int >= 0 (0 is the first), got {occurrence!r}")
    for name, value in (("before_s", before_s), ("after_s", after_s)):
        if not (math.isfinite(value) and value >= 0):
            raise ReplayError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
    infraction = InfractionType(kind)
    accepts, wanted, watch_until_s = _wanted(infraction, occurrence, same_as, original_time_s)
    if same_as is not None:
        original_time_s = same_as.game_time_s
    dt = evaluated.world_config.dt_s
    # built first so that a bad path fails before any driving; the file opens at the first frame
    video = VideoWriter(out_path, fps=1.0 / dt)

    first = EventWatch(accepts, wanted, original_xy_m)
    _drive(
        agent_spec,
        evaluated,
        first,
        stop=lambda world: first.event is not None or world.game_time_s > watch_until_s,
    )
    centre = _window_centre(first, evaluated, kind, occurrence, original_time_s, dt)
    start, end = max(1, centre - round(before_s / dt)), centre + round(after_s / dt)

    renderer = renderer if renderer is not None else BirdseyeRenderer(evaluated.run.town.lane_graph)
    second = EventWatch(accepts, wanted)
    marker = (first.event.x_m, first.event.y_m) if first.event is not None else original_xy_m
    last_frame = 0
    with video:

        def film(world: EmbeddedWorld) -> bool:
            nonlocal last_frame
            if world.frame >= start:
                own = _status_lines(evaluated.run.route_id, world, kind, occurrence, first.event)
                extra = overlay_fn(world) if overlay_fn is not None else None
                video.write(renderer.render(world, _merge(own, marker, extra)))
                last_frame = world.frame
            return world.frame >= end

        _drive(agent_spec, evaluated, second, stop=film)
    if _identity(second.event) != _identity(first.event):
        raise ReplayError(
            f"{evaluated.run.route_id}: two runs of the same agent differ ({_describe(first.event)} in the first, "
            f"{_describe(second.event)} in the second): the agent is not deterministic, so no replay can show "
            f"what was scored"
        )
    if video.frames_written == 0:
        raise ReplayError(
            f"{evaluated.run.route_id}: the route ended before the window [{start * dt:.2f}, {end * dt:.2f}] s "
            f"began; nothing was filmed"
        )
    window_s = (round(start * dt, 6), round(last_frame * dt, 6))
    return ReplayResult(
        Path(out_path),
        first.event,
        window_s,
        video.frames_written,
        1.0 / dt,
        round(centre * dt, 6),
        tuple(first.events),
    )


def _wanted(
    infraction: InfractionType,
    occurrence: int,
    same_as: InfractionIdentity | None,
    original_time_s: float | None,
) -> tuple[EventTest, int, float]:
    """What the watches look for: (the test an event must pass, which passing event (0: the first), the
    game time [s] after which the unfilmed run may stop without it)."""
    if same_as is None:
        return (lambda event: event.type is infraction), occurrence, math.inf
    if same_as.kind is not infraction:
        raise ReplayError(
            f"same_as is a {same_as.kind.value!r} infraction, but the replay is of {infraction.value!r} ones"
        )
    if original_time_s is not None:
        raise ReplayError("pass original_time_s or same_as, not both: same_as's time is the original time")
    return same_as.matches, 0, same_as.game_time_s + max(same_as.window_s, NEARBY_WINDOW_S)


def _drive(
    agent_spec: AgentSpec, evaluated: EvaluatedRun, watch: EventWatch, stop: Callable[[EmbeddedWorld], bool]
) -> None:
    """Run the route with `watch` attached until `stop(world)` says enough or the route ends."""

    def on_tick(world: EmbeddedWorld, _completion_percent: float) -> None:
        watch.tick(world)
        if stop(world):
            raise _Enough

    run = evaluated.run
    try:
        outcome: RouteOutcome = run_route(
            agent_spec,
            run.town,
            run.points,
            evaluated.world_config,
            evaluated.world_seed,
            evaluated.leaderboard_version,
            on_tick=on_tick,
            run_info=evaluated.run_info,
        )
    except _Enough:
        return
    if outcome.ending.failure_message:
        raise ReplayError(
            f"{run.route_id}: the agent run failed ({outcome.ending.failure_message}): {outcome.failure_detail}"
        )
    watch.conclude(outcome)


def _window_centre(
    watch: EventWatch,
    evaluated: EvaluatedRun,
    kind: str,
    occurrence: int,
    original_time_s: float | None,
    dt: float,
) -> int:
    """The frame the film centres on: the event's, else the original time's, else the nearest pass's."""
    if watch.event is not None:
        return watch.event.frame
    if original_time_s is not None:
        return round(original_time_s / dt)
    if watch.nearest_frame is not None:
        return watch.nearest_frame
    raise ReplayError(
        f"{evaluated.run.route_id}: this agent does not commit {kind!r} infraction {occurrence}; pass "
        f"original_time_s or original_xy_m to film the window where the original one happened"
    )


def _status_lines(
    route_id: str, world: EmbeddedWorld, kind: str, occurrence: int, event: InfractionEvent | None
) -> tuple[str, ...]:
    clock = f"{route_id}  t {world.game_time_s:6.2f} s  frame {world.frame}"
    if event is None:
        return clock, f"{kind} #{occurrence}: not committed by this agent"
    if world.frame < event.frame:
        return clock, f"{kind} #{occurrence} in {event.game_time_s - world.game_time_s:.2f} s"
    message = (
        event.message if len(event.message) <= _MESSAGE_CHARS else event.message[: _MESSAGE_CHARS - 3] + "..."
    )
    return clock, f"{kind} #{occurrence} at t {event.game_time_s:.2f} s", message


def _merge(lines: tuple[str, ...], marker: tuple[float, float] | None, extra: Overlay | None) -> Overlay:
    """The replay's own lines and marker, then the caller's overlay (its arrows, its lines after ours)."""
    if extra is None:
        return Overlay(text_lines=lines, marker_xy_m=marker)
    return dataclasses.replace(
        extra,
        text_lines=lines + extra.text_lines,
        marker_xy_m=extra.marker_xy_m if extra.marker_xy_m is not None else marker,
    )


def _identity(event: InfractionEvent | None) -> tuple[int, str] | None:
    return None if event is None else (event.frame, event.message)


def _describe(event: InfractionEvent | None) -> str:
    return "no such infraction" if event is None else f"{event.message!r} at frame {event.frame}"
