"""`ShardWriter`: appends one route run's frames and events to a shard, crash-safely.

Records are kept in memory and written together at each flush: every `flush_every`
frames, at every event and at close, each flush being write + flush + `os.fsync`. A
writer killed at any moment (SIGKILL included) leaves a `.part` shard that reads back
with every flushed record; the header is on disk before the shard gets its name. Closing
writes an `end` record and renames the shard to its finished name.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .header import FRAME_DRIVERS, ShardHeader
from .json_records import encode_record
from .layout import PART_SUFFIX, finished_path, unique_stem


def _fsync_dir(directory: Path) -> None:
    """Make a rename or a new name in `directory` durable (a no-op where directories can't be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_stamp(frame: int, game_time_s: float) -> None:
    """Refuse a frame number that is not an int or a game time [s] that is not a finite number >= 0."""
    if isinstance(frame, bool) or not isinstance(frame, int):
        raise ValueError(f"frame must be an int (the simulator frame number), got {frame!r}")
    if (
        isinstance(game_time_s, bool)
        or not isinstance(game_time_s, int | float)
        or not 0.0 <= game_time_s < math.inf
    ):
        raise ValueError(f"game_time_s must be a finite number >= 0 [s], got {game_time_s!r}")


class ShardWriter:
    """Writes one shard; make one with :meth:`create`. Also a context manager.

    Leaving a `with` block by an exception closes the shard with status
    `"Failed - <exception type>"` and lets the exception propagate.
    """

    def __init__(self, path: Path, file: IO[bytes], header: ShardHeader, flush_every: int) -> None:
        self._path = path
        self._file = file
        self.header = header
        self.flush_every = flush_every
        self._pending: list[bytes] = []
        self._pending_frames = 0
        self._last_frame: int | None = None
        self.n_frames = 0
        """Frames added so far."""
        self.n_events = 0
        """Events added so far."""
        self.frames_on_disk = 0
        """Frames flushed and fsynced: what survives if the process is killed now."""
        self.status: str | None = None
        """The status given to :meth:`close`; None while open."""

    @classmethod
    def create(
        cls, buffer_dir: str | os.PathLike[str], header: ShardHeader, flush_every: int = 20
    ) -> ShardWriter:
        """Start a new shard in `buffer_dir` (made if missing), its header fsynced before it is named."""
        if isinstance(flush_every, bool) or not isinstance(flush_every, int) or flush_every < 1:
            raise ValueError(f"flush_every must be an int >= 1 (frames between flushes), got {flush_every!r}")
        directory = Path(buffer_dir)
        directory.mkdir(parents=True, exist_ok=True)
        stem = unique_stem(header.route_id, header.repetition)
        staging = directory / f".{stem}.tmp"
        part = directory / f"{stem}{PART_SUFFIX}"
        file = open(staging, "xb")  # noqa: SIM115 - the writer owns the handle until close()
        try:
            file.write(encode_record(header.to_record()))
            file.flush()
            os.fsync(file.fileno())
            os.rename(staging, part)
        except BaseException:
            file.close()
            staging.unlink(missing_ok=True)
            raise
        _fsync_dir(directory)
        return cls(part, file, header, flush_every)

    @property
    def path(self) -> Path:
        """The shard's file: its `.part` name while open, its finished name once closed."""
        return self._path

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self.status is not None

    def add_frame(
        self,
        *,
        frame: int,
        game_time_s: float,
        observation: dict[str, Any],
        policy_action: dict[str, Any] | None,
        expert_action: dict[str, Any],
        expert_reason: str | None = None,
        driver: str | None = None,
    ) -> None:
        """Record one frame: the observation, the policy's action (None if not queried) and the expert's label.

        `frame` is the simulator frame number (strictly increasing within a shard),
        `game_time_s` the simulation time [s]. `driver` says who drove this frame; it may
        be left out when the header's driver is "policy" or "expert". Values JSON cannot
        hold (NaN, inf, numpy scalars, non-str keys) raise `ValueError` naming their key path,
        and nothing is recorded.
        """
        self._check_open()
        _check_stamp(frame, game_time_s)
        if driver is None:
            if self.header.driver not in FRAME_DRIVERS:
                raise ValueError(
                    f"a shard driven by {self.header.driver!r} needs driver= on every frame {FRAME_DRIVERS}"
                )
            driver = self.header.driver
        if driver not in FRAME_DRIVERS:
            raise ValueError(f"driver must be one of {FRAME_DRIVERS}, got {driver!r}")
        if self._last_frame is not None and frame <= self._last_frame:
            raise ValueError(
                f"frame {frame} does not follow frame {self._last_frame}: frames must be added in order"
            )
        if not isinstance(observation, dict) or not isinstance(expert_action, dict):
            raise ValueError("observation and expert_action must be dicts")
        line = encode_record(
            {
                "type": "frame",
                "frame": frame,
                "game_time_s": game_time_s,
                "driver": driver,
                "policy_action": policy_action,
                "expert_action": expert_action,
                "expert_reason": expert_reason,
                "observation": observation,  # last: a scan parses only the bytes before it
            }
        )
        self._pending.append(line)
        self._pending_frames += 1
        self._last_frame = frame
        self.n_frames += 1
        if self._pending_frames >= self.flush_every:
            self.flush()

    def add_event(
        self,
        *,
        frame: int,
        game_time_s: float,
        kind: str,
        message: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record one infraction event and flush at once.

        `kind` names it as the leaderboard does (`collisions_vehicle`, `red_light`, ...),
        `game_time_s` is when it happened [s], `details` any JSON-able dict.
        """
        self._check_open()
        _check_stamp(frame, game_time_s)
        if not kind:
            raise ValueError(
                "event kind is empty: name it as the leaderboard does (e.g. 'collisions_vehicle')"
            )
        record = {
            "type": "event",
            "frame": frame,
            "game_time_s": game_time_s,
            "kind": kind,
            "message": message,
            "details": {} if details is None else details,
        }
        self._pending.append(encode_record(record))
        self.n_events += 1
        self.flush()

    def flush(self) -> None:
        """Write the records held in memory, then flush and fsync: they now survive a kill."""
        self._check_open()
        self._write_pending()

    def close(self, status: str = "Completed") -> None:
        """Write the `end` record, fsync and rename to the finished name; closing twice does nothing.

        `status` is free text, by convention the leaderboard's entry status
        ("Completed", "Failed - Agent crashed", ...).
        """
        if self.closed:
            return
        self._pending.append(
            encode_record(
                {"type": "end", "status": status, "n_frames": self.n_frames, "n_events": self.n_events}
            )
        )
        self._write_pending()
        self._file.close()
        finished = finished_path(self._path)
        os.rename(self._path, finished)
        _fsync_dir(finished.parent)
        self._path = finished
        self.status = status

    def _write_pending(self) -> None:
        if self._pending:
            self._file.write(b"".join(self._pending))
            self._file.flush()
            os.fsync(self._file.fileno())
        self._pending.clear()
        self.frames_on_disk += self._pending_frames
        self._pending_frames = 0

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError(f"shard {self._path} is closed (status {self.status!r}); create a new writer")

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close("Completed" if exc_type is None else f"Failed - {exc_type.__name__}")
