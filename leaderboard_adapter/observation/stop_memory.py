"""StopMemory: which stop signs the ego has already stopped for, on this route.

A stop counts when the ego's speed is below STOPPED_SPEED_MPS while its front bumper is at
most STOP_ZONE_M before the stop line (0 <= distance <= STOP_ZONE_M). The memory is kept
per passage of the route over a stop sign (`SignalCrossing`): one stop sign id, at one place
along the route; a route that meets the same sign again later must stop again.
"""

from __future__ import annotations

from .schema import STOP_ZONE_M, STOPPED_SPEED_MPS
from .stop_lines import SignalCrossing


class StopMemory:
    """Completed stops of one route, per stop-sign passage."""

    def __init__(self, stop_zone_m: float = STOP_ZONE_M, stopped_speed_mps: float = STOPPED_SPEED_MPS):
        if stop_zone_m < 0 or stopped_speed_mps <= 0:
            raise ValueError("stop_zone_m must be >= 0 and stopped_speed_mps positive")
        self.stop_zone_m = stop_zone_m
        self.stopped_speed_mps = stopped_speed_mps
        self._done: set[tuple[int, int]] = set()

    @staticmethod
    def _key(crossing: SignalCrossing) -> tuple[int, int]:
        return crossing.signal_id, crossing.route_index

    def update(self, crossing: SignalCrossing, distance_m: float, speed_mps: float) -> bool:
        """Record a stop if the ego is stopped in the zone before `crossing`'s line; whether its stop is completed."""
        key = self._key(crossing)
        if (
            key not in self._done
            and speed_mps < self.stopped_speed_mps
            and 0.0 <= distance_m <= self.stop_zone_m
        ):
            self._done.add(key)
        return key in self._done

    def completed(self, crossing: SignalCrossing) -> bool:
        """Whether the ego already stopped for this passage."""
        return self._key(crossing) in self._done

    @property
    def completed_stop_ids(self) -> frozenset[int]:
        """Ids of the stop signs stopped for so far."""
        return frozenset(sid for sid, _ in self._done)
