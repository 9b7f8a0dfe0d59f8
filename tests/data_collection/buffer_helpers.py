"""Shared helpers for the replay buffer tests: headers, observations, whole shards written for real."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from data_collection import ShardHeader, ShardWriter

REPO_ROOT = Path(__file__).resolve().parents[2]
WRITER_PROCESS = Path(__file__).with_name("buffer_writer_process.py")
FRAME_STEP = 10
"""Simulator frames between two recorded frames (20 Hz simulation, 2 Hz recording)."""


def make_header(route_id: str = "RouteScenario_3", **overrides: Any) -> ShardHeader:
    fields: dict[str, Any] = {
        "route_id": route_id,
        "route_index": 3,
        "repetition": 0,
        "town": "Town01",
        "seed": 7,
        "world_seed": 123456,
        "policy_version": "ckpt:runs/a@c0012",
        "driver": "policy",
        "beta": 0.0,
        "world": "embedded",
        "leaderboard_version": "2.1",
        "frame_rate_hz": 2.0,
        "extra": {"note": "test"},
    }
    fields.update(overrides)
    return ShardHeader(**fields)


def make_observation(i: int) -> dict[str, Any]:
    """A small observation shaped like the real one: nested dicts, lists, numbers, None."""
    return {
        "hero": {"speed_mps": 0.5 * i, "yaw_rad": -0.25, "length_m": 4.9},
        "vehicles": [{"id": 100 + i, "x_m": 12.5, "y_m": -1.75, "speed_mps": 3.0}],
        "traffic_light": None,
        "route": [[1.0, 0.0], [2.0, 0.1]],
    }


def write_shard(
    buffer_dir: Path,
    route_id: str = "RouteScenario_3",
    n_frames: int = 10,
    events: Sequence[tuple[float, str]] = (),
    status: str | None = "Completed",
    flush_every: int = 20,
) -> Path:
    """A shard of `n_frames` frames every 0.5 s from t = 0 and the given (game time [s], kind) events.

    Closed with `status`, or left unfinished (flushed, not closed) when `status` is None.
    Returns the shard's path.
    """
    writer = ShardWriter.create(buffer_dir, make_header(route_id), flush_every=flush_every)
    pending = sorted(events)
    for i in range(n_frames):
        time_s = 0.5 * i
        while pending and pending[0][0] < time_s:
            add_event(writer, *pending.pop(0))
        writer.add_frame(
            frame=FRAME_STEP * i,
            game_time_s=time_s,
            observation=make_observation(i),
            policy_action={"target_speed_mps": 5.0, "steer_deg": 1.2},
            expert_action={"target_speed_mps": 4.0, "steer_deg": 1.0},
            expert_reason="vehicle",
        )
    for event in pending:
        add_event(writer, *event)
    if status is None:
        writer.flush()
    else:
        writer.close(status)
    return writer.path


def add_event(writer: ShardWriter, time_s: float, kind: str) -> None:
    writer.add_event(
        frame=int(round(time_s * 20)),
        game_time_s=time_s,
        kind=kind,
        message=f"{kind} at {time_s} s",
        details={},
    )


def start_writer_process(
    buffer_dir: Path, route_id: str, n_frames: int, flush_every: int, go_file: Path | None = None
) -> subprocess.Popen[str]:
    """`buffer_writer_process.py` started with its stdout piped (see its docstring for what it prints).

    `n_frames` 0 writes until killed; with `go_file` it waits for that file before writing frames.
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.Popen(
        [sys.executable, str(WRITER_PROCESS), str(buffer_dir), route_id, str(n_frames), str(flush_every)]
        + ([] if go_file is None else [str(go_file)]),
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
