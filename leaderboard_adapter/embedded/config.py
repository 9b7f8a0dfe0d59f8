"""WorldConfig: everything that shapes an embedded world apart from the map, the route and the seed."""

from __future__ import annotations

from dataclasses import dataclass, field

from leaderboard_adapter.embedded.ego import EgoParams
from leaderboard_adapter.embedded.traffic import TrafficParams
from leaderboard_adapter.embedded.traffic_lights import LightTiming
from leaderboard_adapter.embedded.walkers import WalkerParams


@dataclass(frozen=True)
class WorldConfig:
    """Embedded-world settings. `dt_s` is CARLA's leaderboard step (20 Hz); counts are for the whole town."""

    dt_s: float = 0.05
    vehicle_count: int = 40
    walker_count: int = 20
    ego: EgoParams = field(default_factory=EgoParams)
    traffic: TrafficParams = field(default_factory=TrafficParams)
    walkers: WalkerParams = field(default_factory=WalkerParams)
    lights: LightTiming = field(default_factory=LightTiming)
    conflict_clearance_m: float = 2.4
    max_lateral_accel_mps2: float = 2.5

    def __post_init__(self) -> None:
        if self.dt_s <= 0:
            raise ValueError(f"dt_s must be positive, got {self.dt_s}")
        if self.vehicle_count < 0 or self.walker_count < 0:
            raise ValueError("vehicle_count and walker_count must be >= 0")
        if self.conflict_clearance_m <= 0 or self.max_lateral_accel_mps2 <= 0:
            raise ValueError("conflict_clearance_m and max_lateral_accel_mps2 must be positive")
