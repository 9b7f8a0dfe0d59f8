"""The observation's `traffic_light` and `stop_sign`: the first stop line along the route the ego has not cleared.

A stop line counts from SIGNAL_HORIZON_M ahead of the front bumper until the ego has cleared it:
its distance from the front bumper runs from 60 m down to -(ego length + SIGNAL_CLEARANCE_M)
(negative once the front bumper is past the line), then the next one (or None) is reported. A
stateless policy that creeps over the line so keeps seeing the light it must not run (the red-light
test fires when the car's tail crosses the line). The light's state is read from the view whenever
a light is reported.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from leaderboard_adapter.world_view import TrafficLightInfo

from .rounding import round1
from .schema import SIGNAL_HORIZON_M
from .stop_lines import SignalCrossing
from .stop_memory import StopMemory


class UpcomingCrossings:
    """Finds the first crossing ahead of an arc length among crossings sorted by arc length."""

    def __init__(self, crossings: Sequence[SignalCrossing], horizon_m: float = SIGNAL_HORIZON_M):
        self.crossings = tuple(crossings)
        self._s = [c.s_m for c in self.crossings]
        self.horizon_m = horizon_m

    def first_ahead(self, s_front_m: float, behind_m: float = 0.0) -> SignalCrossing | None:
        """The first crossing at arc length >= `s_front_m - behind_m` [m] and within the horizon of `s_front_m`, else None."""
        if not behind_m >= 0.0:
            raise ValueError(f"behind_m must be >= 0 [m], got {behind_m}")
        k = bisect.bisect_left(self._s, s_front_m - behind_m)
        if k < len(self._s) and self._s[k] - s_front_m <= self.horizon_m:
            return self.crossings[k]
        return None


def traffic_light_section(
    lights: UpcomingCrossings,
    s_front_m: float,
    infos: Callable[[], Sequence[TrafficLightInfo]],
    clear_behind_m: float = 0.0,
) -> dict | None:
    """The `traffic_light` dict for the front bumper at arc length `s_front_m` [m], or None.

    A light whose line is at most `clear_behind_m` [m] behind the front bumper is still reported (with a
    negative distance). `infos` (e.g. `view.traffic_lights`) is called only when a light is reported:
    building every light's info can cost more than the rest of the observation.
    """
    crossing = lights.first_ahead(s_front_m, clear_behind_m)
    if crossing is None:
        return None
    for info in infos():
        if info.id == crossing.signal_id:
            return {
                "id": crossing.signal_id,
                "state": info.state.value,
                "distance_m": round1(crossing.s_m - s_front_m),
            }
    return None


def stop_sign_section(
    stops: UpcomingCrossings,
    s_front_m: float,
    speed_mps: float,
    memory: StopMemory,
    clear_behind_m: float = 0.0,
) -> dict | None:
    """The `stop_sign` dict for the front bumper at `s_front_m` [m] (kept, with a negative distance, until its
    line is `clear_behind_m` [m] behind the front bumper); records a completed stop in `memory`."""
    crossing = stops.first_ahead(s_front_m, clear_behind_m)
    if crossing is None:
        return None
    distance = crossing.s_m - s_front_m
    completed = memory.update(crossing, distance, speed_mps)
    return {"id": crossing.signal_id, "distance_m": round1(distance), "completed_stop": completed}
