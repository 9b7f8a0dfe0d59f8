"""WorldConfig: everything that shapes an embedded world apart from the map, the route and the seed."""

from __future__ import annotations

from dataclasses import field, replace

from pydantic import model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.embedded.ego import EgoParams
from leaderboard_adapter.embedded.traffic import TrafficParams
from leaderboard_adapter.embedded.traffic_lights import LightTiming
from leaderboard_adapter.embedded.walkers import WalkerParams
from leaderboard_adapter.settings import SETTINGS
from leaderboard_adapter.tick import TICK_S


@dataclass(frozen=True, config=SETTINGS)
class WorldConfig:
    """Embedded-world settings. `dt_s` is CARLA's leaderboard step (`tick.TICK_S`); counts are for the whole town.
    Pydantic checks the types and the rules below (a ValueError naming the setting)."""

    dt_s: float = TICK_S
    vehicle_count: int = 40
    walker_count: int = 20
    ego: EgoParams = field(default_factory=EgoParams)
    traffic: TrafficParams = field(default_factory=TrafficParams)
    walkers: WalkerParams = field(default_factory=WalkerParams)
    lights: LightTiming = field(default_factory=LightTiming)
    conflict_clearance_m: float = 2.4
    max_lateral_accel_mps2: float = 2.5

    @model_validator(mode="after")
    def _positive(self) -> WorldConfig:
        if self.dt_s <= 0:
            raise ValueError(f"dt_s must be positive, got {self.dt_s}")
        if self.vehicle_count < 0 or self.walker_count < 0:
            raise ValueError(
                f"vehicle_count and walker_count must be >= 0, got {self.vehicle_count} and {self.walker_count}"
            )
        if self.conflict_clearance_m <= 0 or self.max_lateral_accel_mps2 <= 0:
            raise ValueError("conflict_clearance_m and max_lateral_accel_mps2 must be positive")
        return self

    def with_counts(self, vehicle_count: int | None = None, walker_count: int | None = None) -> WorldConfig:
        """This config with other NPC counts (None keeps one). Zero walkers means no pedestrians at all:
        neither wandering nor waiting to cross in front of the ego."""
        changes: dict = {}
        if vehicle_count is not None:
            changes["vehicle_count"] = vehicle_count
        if walker_count is not None:
            changes["walker_count"] = walker_count
            if walker_count == 0:
                changes["walkers"] = replace(self.walkers, ego_crossing_spacing_m=0.0)
        return replace(self, **changes)
