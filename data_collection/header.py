"""The shard header: schema version and the route run a shard records; `ShardFormatError` when it is not one."""

from __future__ import annotations

from dataclasses import asdict, field, fields
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, ValidationError
from pydantic.dataclasses import dataclass

from leaderboard_adapter.settings import STRICT_SETTINGS, one_line_validator, validation_message

from .json_records import check_json_value

_STYLE = {"type_phrase": "must be of type", "unknown_field": "is not a field", "qualify": True}
"""How the header words a refusal: `ShardHeader.seed must be of type int, got '7'`."""

BUFFER_SCHEMA_VERSION = 1
"""Version of the shard format; a reader refuses shards whose header names another."""

Driver = Literal["policy", "expert", "mixed"]
"""Who drove a shard's run: the policy, the expert, or a beta-mix of both (decided per frame)."""
DRIVERS: tuple[str, ...] = get_args(Driver)

FrameDriver = Literal["policy", "expert"]
"""Who drove one frame."""
FRAME_DRIVERS: tuple[str, ...] = get_args(FrameDriver)

World = Literal["embedded", "carla"]
"""Where the run happened: the embedded world or a CARLA server."""
WORLDS: tuple[str, ...] = get_args(World)


def _named(route_id: str) -> str:
    if not route_id:
        raise ValueError("is empty: name the route (e.g. 'RouteScenario_3')")
    return route_id


def _route_index(index: int) -> int:
    if index < -1:
        raise ValueError(f"must be >= 0 (or -1: unknown), got {index!r}")
    return index


def _probability(beta: float) -> float:
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"is a probability in [0, 1], got {beta!r}")
    return beta


def _json_extra(extra: dict[str, Any]) -> dict[str, Any]:
    check_json_value(extra, "extra")
    return extra


class ShardFormatError(ValueError):
    """A file that is not a readable shard of this schema version; the message names the file."""


@dataclass(frozen=True, config=STRICT_SETTINGS)
class ShardHeader:
    """What one shard records: one run of one route.

    `route_id` and `route_index` are the leaderboard's route name and its position in the
    routes file (-1 when unknown); `repetition` counts reruns of that route. `seed` seeds the agent,
    `world_seed` the world's traffic. `policy_version` is free text naming the policy
    that drove (checkpoint and candidate id, or "expert"). `beta` is the DAgger
    probability in [0, 1] that the expert drives a frame. `frame_rate_hz` is the rate
    frames are recorded at [Hz]. `extra` is any JSON-able dict. Pydantic checks each field's type
    (an int is a float, a bool is neither) and range; a bad one is a `ValueError` naming it.
    """

    route_id: Annotated[str, AfterValidator(_named)]
    route_index: Annotated[int, AfterValidator(_route_index)]
    repetition: Annotated[int, Field(ge=0)]
    town: str
    seed: int
    world_seed: int
    policy_version: str
    driver: Driver
    beta: Annotated[float, AfterValidator(_probability)]
    world: World
    leaderboard_version: str
    frame_rate_hz: Annotated[float, Field(gt=0)]
    """[Hz]"""
    extra: Annotated[dict[str, Any], AfterValidator(_json_extra)] = field(default_factory=dict)

    _one_line = one_line_validator(**_STYLE)

    def to_record(self) -> dict[str, Any]:
        """The header record: `type`, `schema_version`, then every field."""
        return {"type": "header", "schema_version": BUFFER_SCHEMA_VERSION, **asdict(self)}

    @classmethod
    def from_record(cls, record: dict[str, Any], source: str) -> ShardHeader:
        """The header of a header record read from `source`; `ShardFormatError` naming `source` if invalid."""
        version = record.get("schema_version")
        if version != BUFFER_SCHEMA_VERSION:
            raise ShardFormatError(
                f"{source}: shard schema_version {version!r}, but this reader reads version {BUFFER_SCHEMA_VERSION}"
            )
        names = {f.name for f in fields(cls)}
        given = set(record) - {"type", "schema_version"}
        if names - given or given - names:
            raise ShardFormatError(
                f"{source}: header fields differ from schema version {BUFFER_SCHEMA_VERSION}: "
                f"missing {sorted(names - given)}, unknown {sorted(given - names)}"
            )
        try:
            return cls(**{name: record[name] for name in names})
        except ValidationError as error:
            raise ShardFormatError(f"{source}: invalid header: {validation_message(error, cls, **_STYLE)}") from None
