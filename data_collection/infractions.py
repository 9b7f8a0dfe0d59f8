"""The infraction rule: a frame is an infraction frame if an event of its shard follows within `lookahead_s`."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

TIME_TOLERANCE_S = 1e-6
"""Slack [s] on the window's ends, so that 6.55 s - 4.55 s counts as 2 s."""


@dataclass(frozen=True)
class InfractionMark:
    """Why a frame is an infraction frame."""

    kinds: tuple[str, ...]
    """Kinds of the events in the frame's window, earliest first, each once."""
    seconds_before: float
    """Game time [s] from the frame to the nearest following event (0 for an event at the frame's time)."""


def mark_frames(
    frame_times_s: Sequence[float], events: Sequence[tuple[float, str]], lookahead_s: float
) -> list[InfractionMark | None]:
    """For each frame time [s], the mark of the events (game time [s], kind) at or up to `lookahead_s` after it.

    A frame at time t is marked when some event time e satisfies t <= e <= t + lookahead_s
    (within `TIME_TOLERANCE_S`); it is None otherwise.
    """
    ordered = sorted(events)
    times = [time_s for time_s, _ in ordered]
    marks: list[InfractionMark | None] = []
    for t in frame_times_s:
        first = bisect.bisect_left(times, t - TIME_TOLERANCE_S)
        last = bisect.bisect_right(times, t + lookahead_s + TIME_TOLERANCE_S)
        if first == last:
            marks.append(None)
            continue
        kinds = tuple(dict.fromkeys(kind for _, kind in ordered[first:last]))
        marks.append(InfractionMark(kinds, round(max(times[first] - t, 0.0), 6)))
    return marks
