"""Reading shards: `read_shard` for a whole shard, `read_frame_at` for one frame by byte offset.

A record exists once its line ends in a newline: a last line without one is a record
still being written, or cut by a killed writer, and is skipped. Anything else that is not
a record of this schema version raises `ShardFormatError` naming the file and line.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .header import ShardFormatError, ShardHeader
from .layout import finished_path, is_unfinished_name
from .records import RECORDS, check_record

_OBSERVATION_KEY = b',"observation":{'


@dataclass(frozen=True)
class Shard:
    """A shard as read: frames and events are their records without the `type` field.

    `complete` is True when the `end` record was written (its writer closed it); `status`
    is then the status it was closed with, else None. `frame_offsets[i]` is the byte offset
    of `frames[i]`'s line. `path` is where it was read, under its finished name if it was
    renamed while being opened.
    """

    header: ShardHeader
    frames: list[dict[str, Any]]
    events: list[dict[str, Any]]
    complete: bool
    status: str | None
    path: Path
    frame_offsets: list[int]


def open_shard(path: Path) -> tuple[IO[bytes], Path]:
    """The shard opened for binary reading, and its path: an unfinished shard closed since it was
    listed is opened under its finished name (the bytes are the same)."""
    try:
        return open(path, "rb"), path
    except FileNotFoundError:
        if not is_unfinished_name(path):
            raise
        done = finished_path(path)
        return open(done, "rb"), done


def _load_json(line: bytes, where: str) -> dict[str, Any]:
    """One line as a JSON object; `where` (file and line) starts any error message."""
    try:
        record = json.loads(line)
    except ValueError as error:
        raise ShardFormatError(f"{where}: not a JSON record ({error})") from error
    if not isinstance(record, dict):
        raise ShardFormatError(f"{where}: a record must be a JSON object, got {type(record).__name__}")
    return record


def _frame_head(line: bytes) -> dict[str, Any] | None:
    """The frame record on `line` without its observation, parsed from the bytes before it.

    The writer puts the observation last, so a frame line reads
    `{"type":"frame",...,"observation":{...}}`. Outside strings (where quotes are escaped) the
    bytes `,"observation":{` cut at a nested level leave brackets open, so a prefix that
    parses was cut at the top level. None when the line is not laid out so.
    """
    cut = line.find(_OBSERVATION_KEY)
    if cut < 0 or not line.endswith(b"}\n"):
        return None
    try:
        head = json.loads(line[:cut] + b"}")
    except ValueError:
        return None
    return head if isinstance(head, dict) and head.get("type") == "frame" else None


def _parse(line: bytes, where: str, skip_observation: bool = False) -> dict[str, Any]:
    """One line after the header as a record checked against its model in `records.RECORDS`.

    With `skip_observation`, a frame's observation is neither parsed nor checked, and not returned.
    """
    head = _frame_head(line) if skip_observation else None
    record = _load_json(line, where) if head is None else head
    kind = record.get("type")
    if kind == "header":
        raise ShardFormatError(f"{where}: a second header")
    if kind not in RECORDS:
        raise ShardFormatError(
            f"{where}: unknown record type {kind!r} (expected one of header, {', '.join(RECORDS)})"
        )
    check_record(kind, record, where, head=head is not None)
    if skip_observation:
        record.pop("observation", None)
    return record


def read_shard(path: str | os.PathLike[str], *, observations: bool = True) -> Shard:
    """Read a shard, finished or not; `ShardFormatError` naming the file if it is not a shard of this version.

    `observations=False` reads frames without their observation (most of a shard's bytes,
    several times faster); those frames have no "observation" key, and their observations
    are not checked.
    """
    file, path = open_shard(Path(path))
    with file:
        first = file.readline()
        if not first.endswith(b"\n"):
            raise ShardFormatError(f"{path}: no complete header line: empty, or not a buffer shard")
        record = _load_json(first, f"{path}, line 1")
        if record.get("type") != "header":
            raise ShardFormatError(f"{path}: not a buffer shard: the first record is not a header")
        header = ShardHeader.from_record(record, str(path))
        frames: list[dict[str, Any]] = []
        offsets: list[int] = []
        events: list[dict[str, Any]] = []
        status: str | None = None
        complete = False
        offset = len(first)
        for number, line in enumerate(file, start=2):
            if not line.endswith(b"\n"):
                break
            where = f"{path}, line {number}"
            if complete:
                raise ShardFormatError(f"{where}: a record follows the end record")
            record = _parse(line, where, skip_observation=not observations)
            kind = record.pop("type")
            if kind == "frame":
                frames.append(record)
                offsets.append(offset)
            elif kind == "event":
                events.append(record)
            else:
                complete, status = True, record["status"]
            offset += len(line)
    return Shard(header, frames, events, complete, status, path, offsets)


def read_frame_at(path: Path, offset: int, frame: int) -> dict[str, Any]:
    """The frame record (without `type`) whose line starts at byte `offset`; it must be frame number `frame`."""
    file, path = open_shard(path)
    with file:
        file.seek(offset)
        line = file.readline()
    where = f"{path}, byte {offset}"
    if not line.endswith(b"\n"):
        raise ShardFormatError(f"{where}: no complete record here (was the shard rewritten?)")
    record = _parse(line, where)
    if record.pop("type") != "frame" or record.get("frame") != frame:
        raise ShardFormatError(f"{where}: expected frame {frame} here (was the shard rewritten?)")
    return record
