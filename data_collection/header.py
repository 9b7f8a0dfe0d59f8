"""The shard header: schema version and the route run a shard records; `ShardFormatError` when it is not one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .json_records import check_json_value

BUFFER_SCHEMA_VERSION = 1
"""Version of the shard format; a reader refuses shards whose header names another."""

DRIVERS = ("policy", "expert", "mixed")
"""Who drove a shard's run: the policy, the expert, or a beta-mix of both (decided per frame)."""

FRAME_DRIVERS = ("policy", "expert")
"""Who drove one frame."""

WORLDS = ("embedded", "carla")
"""Where the run happened: the embedded world or a CARLA server."""

_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "dict[str, Any]": (dict,),
}
"""Accepted Python types for each field annotation of `ShardHeader` (bool is refused for numbers)."""


class ShardFormatError(ValueError):
    """A file that is not a readable shard of this schema version; the message names the file."""


@dataclass(frozen=True)
class ShardHeader:
    """What one shard records: one run of one route.

    `route_id` and `route_index` are the leaderboard's route name and its position in the
    routes file (-1 when unknown); `repetition` counts reruns of that route. `seed` seeds the agent,
    `world_seed` the world's traffic. `policy_version` is free text naming the policy
    that drove (checkpoint and candidate id, or "expert"). `beta` is the DAgger
    probability in [0, 1] that the expert drives a frame. `frame_rate_hz` is the rate
    frames are recorded at [Hz]. `extra` is any JSON-able dict.
    """

    route_id: str
    route_index: int
    repetition: int
    town: str
    seed: int
    world_seed: int
    policy_version: str
    driver: str
    beta: float
    world: str
    leaderboard_version: str
    frame_rate_hz: float
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, _FIELD_TYPES[f.type]):
                raise ValueError(f"ShardHeader.{f.name} must be of type {f.type}, got {value!r}")
        if not self.route_id:
            raise ValueError("ShardHeader.route_id is empty: name the route (e.g. 'RouteScenario_3')")
        if self.route_index < -1:
            raise ValueError(
                f"ShardHeader.route_index must be >= 0 (or -1: unknown), got {self.route_index!r}"
            )
        if self.repetition < 0:
            raise ValueError(f"ShardHeader.repetition must be >= 0, got {self.repetition!r}")
        if self.driver not in DRIVERS:
            raise ValueError(f"ShardHeader.driver must be one of {DRIVERS}, got {self.driver!r}")
        if self.world not in WORLDS:
            raise ValueError(f"ShardHeader.world must be one of {WORLDS}, got {self.world!r}")
        if not 0.0 <= self.beta <= 1.0:
            raise ValueError(f"ShardHeader.beta is a probability in [0, 1], got {self.beta!r}")
        if not self.frame_rate_hz > 0.0:
            raise ValueError(f"ShardHeader.frame_rate_hz must be > 0 [Hz], got {self.frame_rate_hz!r}")
        check_json_value(self.extra, "ShardHeader.extra")

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
        except (TypeError, ValueError) as error:
            raise ShardFormatError(f"{source}: invalid header: {error}") from error
