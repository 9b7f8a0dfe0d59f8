"""What the expert reads from one observation, once per frame: the ego, its path, the signals, the actors.

Ego frame and SI units as the observation (docs/observation.md); the checks of one frame
(`Expert._path_obstacles`, `Expert._forecast_hits`, `Expert._hazards`) take this instead of the
observation's pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

from expert.actors import Actors
from expert.path import EgoPath


@dataclass(frozen=True)
class ExpertFrame:
    """One frame as the expert sees it.

    The ego: `speed_mps`, `length_m`, `width_m`, `yaw_rate_dps` (positive left) and `standing_s` (how long
    it has stood). Its route: `path` ahead, `speed_limit_mps`, `in_junction`, `distance_to_junction_m`
    to the next junction's entry (None when none is ahead). The signals as observed (`traffic_light`,
    `stop_sign`: dicts or None; see `signals.ahead`). The actors around: `vehicles`, `walkers`.
    """

    speed_mps: float
    length_m: float
    width_m: float
    yaw_rate_dps: float
    standing_s: float
    path: EgoPath
    speed_limit_mps: float
    in_junction: bool
    distance_to_junction_m: float | None
    traffic_light: dict | None
    stop_sign: dict | None
    vehicles: Actors
    walkers: Actors

    @staticmethod
    def from_observation(observation: dict) -> ExpertFrame:
        ego = observation["ego"]
        route = observation["route"]
        to_junction = route["distance_to_junction_m"]
        return ExpertFrame(
            speed_mps=float(ego["speed_mps"]),
            length_m=float(ego["length_m"]),
            width_m=float(ego["width_m"]),
            yaw_rate_dps=float(ego["yaw_rate_dps"]),
            standing_s=float(ego["standing_s"]),
            path=EgoPath.from_route(route["points"]),
            speed_limit_mps=float(route["speed_limit_mps"]),
            in_junction=bool(route["in_junction"]),
            distance_to_junction_m=None if to_junction is None else float(to_junction),
            traffic_light=observation["traffic_light"],
            stop_sign=observation["stop_sign"],
            vehicles=Actors.from_records(observation["vehicles"]),
            walkers=Actors.from_records(observation["pedestrians"]),
        )
