"""Stop signs: static signal sites of type 206 and the per-segment mask NPCs consult."""

from __future__ import annotations

import numpy as np

from leaderboard_adapter.embedded.signals import SignalSite
from leaderboard_adapter.world_view import StopSignInfo


class StopSignSystem:
    """All stop signs of a map; `segment_has_stop[seg]` is True for junction lanes behind a stop line."""

    def __init__(self, sites: list[SignalSite], n_segments: int):
        self.sites = sites
        self.segment_has_stop = np.zeros(n_segments, dtype=bool)
        for s in sites:
            self.segment_has_stop[list(s.segments)] = True
        self._infos = [StopSignInfo(s.signal_id, s.stop_line, s.lanes, s.trigger, s.location) for s in sites]

    def __len__(self) -> int:
        return len(self.sites)

    def infos(self) -> list[StopSignInfo]:
        return list(self._infos)
