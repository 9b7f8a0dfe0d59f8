"""`BufferIndex`: every frame of a buffer dir as a `FrameRef` (where it is, when, whether an infraction followed).

A scan reads each shard once, keeps per frame only its byte offset and a few fields,
and marks infraction frames by the rule of :mod:`.infractions`; `load` then seeks to one
frame's line. Frames are ordered by shard path, then by position in the shard.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .header import ShardHeader
from .infractions import mark_frames
from .layout import find_shards
from .reader import read_frame_at, read_shard


@dataclass(frozen=True, slots=True)
class FrameRef:
    """Where one frame is, and what the index knows of it without loading it."""

    shard: Path
    offset_bytes: int
    """Byte offset of the frame's line in the shard file."""
    route_id: str
    frame: int
    """Simulator frame number."""
    game_time_s: float
    driver: str
    """Who drove this frame: "policy" or "expert"."""
    infraction: bool
    """Whether an event of its shard follows within the index's `lookahead_s`."""
    kinds: tuple[str, ...] = ()
    """Kinds of those events, earliest first."""
    seconds_before: float | None = None
    """Game time [s] to the nearest following event; None when `infraction` is False."""


@dataclass(frozen=True)
class ShardSummary:
    """One shard as the index saw it."""

    path: Path
    header: ShardHeader
    events: tuple[dict[str, Any], ...]
    complete: bool
    status: str | None
    n_frames: int


@dataclass(frozen=True)
class BufferIndex:
    """The frames of a buffer dir; make one with :meth:`scan`."""

    frames: list[FrameRef]
    shards: list[ShardSummary]
    lookahead_s: float
    """Window [s] before an event within which a frame counts as an infraction frame."""
    event_kinds: frozenset[str] | None
    """Event kinds that mark frames; None: every kind."""

    @classmethod
    def scan(
        cls,
        buffer_dir: str | os.PathLike[str],
        lookahead_s: float = 2.0,
        event_kinds: Iterable[str] | None = None,
    ) -> BufferIndex:
        """Index every shard under `buffer_dir` (recursively), finished or not.

        `event_kinds` limits the events that mark infraction frames (e.g. leave out
        `route_timeout`); None counts every event. Raises `FileNotFoundError` for a missing
        dir and `ShardFormatError` for a shard-named file that is not a shard of this version.
        """
        if not lookahead_s >= 0.0:
            raise ValueError(f"lookahead_s must be >= 0 [s], got {lookahead_s!r}")
        kinds = None if event_kinds is None else frozenset(event_kinds)
        frames: list[FrameRef] = []
        shards: list[ShardSummary] = []
        for path in find_shards(Path(buffer_dir)):
            shard = read_shard(path, observations=False)
            events = [
                (e["game_time_s"], e["kind"]) for e in shard.events if kinds is None or e["kind"] in kinds
            ]
            marks = mark_frames([f["game_time_s"] for f in shard.frames], events, lookahead_s)
            route_id = shard.header.route_id
            for record, offset, mark in zip(shard.frames, shard.frame_offsets, marks, strict=True):
                frames.append(
                    FrameRef(
                        shard=shard.path,
                        offset_bytes=offset,
                        route_id=route_id,
                        frame=record["frame"],
                        game_time_s=record["game_time_s"],
                        driver=record["driver"],
                        infraction=mark is not None,
                        kinds=() if mark is None else mark.kinds,
                        seconds_before=None if mark is None else mark.seconds_before,
                    )
                )
            shards.append(
                ShardSummary(
                    shard.path,
                    shard.header,
                    tuple(shard.events),
                    shard.complete,
                    shard.status,
                    len(shard.frames),
                )
            )
        return cls(frames, shards, lookahead_s, kinds)

    def __len__(self) -> int:
        return len(self.frames)

    def frames_with_infractions(self) -> list[FrameRef]:
        """Frames within `lookahead_s` before (or at) an event of their shard."""
        return [ref for ref in self.frames if ref.infraction]

    def frames_from_route(self, route_id: str) -> list[FrameRef]:
        """Frames of every shard of the route named `route_id`."""
        return [ref for ref in self.frames if ref.route_id == route_id]

    def load(self, ref: FrameRef) -> dict[str, Any]:
        """The frame's record plus `infraction` (None or {"kinds", "seconds_before"}), `route_id` and `shard`."""
        record = read_frame_at(ref.shard, ref.offset_bytes, ref.frame)
        infraction = (
            {"kinds": list(ref.kinds), "seconds_before": ref.seconds_before} if ref.infraction else None
        )
        return {**record, "infraction": infraction, "route_id": ref.route_id, "shard": str(ref.shard)}
