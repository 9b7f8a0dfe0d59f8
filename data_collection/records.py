"""The records after a shard's header as pydantic models: what `reader` accepts of a frame, event or end line.

A record is checked against its model (strict: JSON types as written, a bool is no number) and kept as the
dict it was read as, so that values come back exactly as written; fields a model does not name are
ignored, as they always were. The models' field order is the order the writer writes the keys in.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, InstanceOf, ValidationError

from .header import FRAME_DRIVERS, FrameDriver, ShardFormatError

Number = int | float
"""A JSON number (an int is one, a bool is not)."""
JsonObject = InstanceOf[dict]
"""A JSON object, taken as it was parsed (its keys are strings; its values are not walked)."""


class _Record(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True)


class FrameHead(_Record):
    """A frame record without its observation (what a scan parses: the bytes before it)."""

    frame: int
    game_time_s: Number
    driver: FrameDriver
    policy_action: JsonObject | None
    expert_action: JsonObject
    expert_reason: str | None


class FrameRecord(FrameHead):
    """A frame record: the observation, the policy's action (None if not queried) and the expert's label."""

    observation: JsonObject


class EventRecord(_Record):
    """An infraction event, as the leaderboard names it (`kind`), with any JSON-able `details`."""

    frame: int
    game_time_s: Number
    kind: str
    message: str
    details: JsonObject


class EndRecord(_Record):
    """The last record of a closed shard."""

    status: str
    n_frames: int
    n_events: int


RECORDS: dict[str, type[_Record]] = {"frame": FrameRecord, "event": EventRecord, "end": EndRecord}
"""The model of every record type after the header."""


def check_record(kind: str, record: dict[str, Any], where: str, *, head: bool = False) -> None:
    """`ShardFormatError` starting with `where` when `record` (of type `kind`, in `RECORDS`) does not fit its
    model; with `head`, a frame is checked without its observation."""
    model = FrameHead if head and kind == "frame" else RECORDS[kind]
    try:
        model.model_validate(record)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        name = first["loc"][0]
        if first["type"] == "missing":
            raise ShardFormatError(f"{where}: {kind} record has no {name!r} field") from None
        if kind == "frame" and name == "driver":
            raise ShardFormatError(f"{where}: frame driver {record['driver']!r} is not one of {FRAME_DRIVERS}") from None
        raise ShardFormatError(f"{where}: {kind} record field {name!r} is {record[name]!r}") from None
