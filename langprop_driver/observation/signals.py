"""The observation's `traffic_light` and `stop_sign`: the first stop line the route crosses ahead of the front bumper.

A stop line counts while it is ahead of the front bumper (distance >= 0) and at most
SIGNAL_HORIZON_M away along the route; once the front bumper is past it the next one (or
None) is reported. The light's state is read from the view whenever a light is ahead.
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

    def first_ahead(self, s_front_m: float) -> SignalCrossing | None:
        """The first crossing at arc length >= `s_front_m` and within the horizon, else None."""
        k = bisect.bisect_left(self._s, s_front_m)
        if k < len(self._s) and self._s[k] - s_front_m <= self.horizon_m:
            return self.crossings[k]
        return None


def traffic_light_section(
    lights: UpcomingCrossings, s_front_m: float, infos: Callable[[], Sequence[TrafficLightInfo]]
) -> dict | None:
    """The `traffic_light` dict for the front bumper at arc length `s_front_m` [m], or None.

    `infos` (e.g. `view.traffic_lights`) is called only when a light is ahead: building every
    light's info can cost more than the rest of the observation.
    """
    crossing = lights.first_ahead(s_front_m)
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
    stops: UpcomingCrossings, s_front_m: float, speed_mps: float, memory: StopMemory
) -> dict | None:
    """The `stop_sign` dict for the front bumper at `s_front_m` [m]; records a completed stop in `memory`."""
    crossing = stops.first_ahead(s_front_m)
    if crossing is None:
        return None
    distance = crossing.s_m - s_front_m
    completed = memory.update(crossing, distance, speed_mps)
    return {"id": crossing.signal_id, "distance_m": round1(distance), "completed_stop": completed}
