"""Traffic lights: one per signal, cycled per junction like CARLA (one approach green at a time).

Each junction's lights share one cycle of `n_lights × (green + yellow + red clearance)`
seconds; light k of the junction (ordered by signal id) is green in slot k, then yellow,
then red while the junction clears, and red in every other slot. Each junction starts at
a phase offset drawn from the seeded generator. `freeze(light_id, state)` pins a light, as
`carla.TrafficLight.freeze` does.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field
from pydantic.dataclasses import dataclass

from leaderboard_adapter.embedded.signals import SignalSite
from leaderboard_adapter.settings import STRICT_SETTINGS, one_line_validator
from leaderboard_adapter.world_view import LightState, TrafficLightInfo

GREEN, YELLOW, RED = 0, 1, 2
NO_LIGHT = -1
_CODE_TO_STATE = (LightState.GREEN, LightState.YELLOW, LightState.RED)
_STATE_TO_CODE = {LightState.GREEN: GREEN, LightState.YELLOW: YELLOW, LightState.RED: RED}


@dataclass(frozen=True, config=STRICT_SETTINGS)
class LightTiming:
    """Durations of one approach's slot in the junction cycle [s]: green > 0, yellow and red clearance >= 0."""

    green_s: Annotated[float, Field(gt=0)] = 10.0
    yellow_s: Annotated[float, Field(ge=0)] = 3.0
    red_clearance_s: Annotated[float, Field(ge=0)] = 1.0

    _one_line = one_line_validator(qualify=True)

    @property
    def slot_s(self) -> float:
        return self.green_s + self.yellow_s + self.red_clearance_s


class TrafficLightSystem:
    """All traffic lights of a map; `update(time_s)` sets every light's state, vectorised."""

    def __init__(
        self, sites: list[SignalSite], timing: LightTiming, n_segments: int, rng: np.random.Generator
    ):
        self.sites = sites
        self.timing = timing
        n = len(sites)
        junctions = sorted({s.junction_id for s in sites})
        per_junction = {j: [i for i, s in enumerate(sites) if s.junction_id == j] for j in junctions}
        self.slot = np.zeros(n, dtype=np.int64)
        self.cycle_s = np.zeros(n)
        self.offset_s = np.zeros(n)
        offsets = rng.uniform(0.0, 1.0, size=len(junctions))
        for jn, j in enumerate(junctions):
            members = per_junction[j]
            cycle = len(members) * timing.slot_s
            for k, i in enumerate(members):
                self.slot[i] = k
                self.cycle_s[i] = cycle
                self.offset_s[i] = offsets[jn] * cycle
        self.ids = np.array([s.signal_id for s in sites], dtype=np.int64)
        self._index = {int(sid): i for i, sid in enumerate(self.ids)}
        self.state = np.full(n, RED, dtype=np.int8)
        self._frozen = np.full(n, NO_LIGHT, dtype=np.int8)
        seg_light = np.full(n_segments, -1, dtype=np.int64)
        for i, s in enumerate(sites):
            seg_light[list(s.segments)] = i
        self._governed = np.flatnonzero(seg_light >= 0)
        self._governed_light = seg_light[self._governed]
        self.segment_state = np.full(n_segments, NO_LIGHT, dtype=np.int8)
        """Per segment: GREEN/YELLOW/RED of the light governing it, or NO_LIGHT."""

    def __len__(self) -> int:
        return len(self.sites)

    def update(self, time_s: float) -> None:
        if not len(self.sites):
            return
        t = self.timing
        phase = (time_s + self.offset_s) % self.cycle_s
        in_slot = phase - self.slot * t.slot_s
        state = np.where(
            (in_slot >= 0) & (in_slot < t.green_s),
            GREEN,
            np.where((in_slot >= t.green_s) & (in_slot < t.green_s + t.yellow_s), YELLOW, RED),
        ).astype(np.int8)
        self.state = np.where(self._frozen >= 0, self._frozen, state).astype(np.int8)
        self.segment_state[self._governed] = self.state[self._governed_light]

    def freeze(self, light_id: int, state: LightState | None) -> None:
        """Pin a light to `state` (None lets it cycle again); applies at the next update."""
        if light_id not in self._index:
            raise KeyError(f"no traffic light with id {light_id}")
        self._frozen[self._index[light_id]] = NO_LIGHT if state is None else _STATE_TO_CODE[state]

    def light_of_segment(self, segment: int) -> int | None:
        """The id of the light governing a canonical junction segment, if any."""
        for s in self.sites:
            if segment in s.segments:
                return int(s.signal_id)
        return None

    def infos(self) -> list[TrafficLightInfo]:
        return [
            TrafficLightInfo(
                s.signal_id,
                _CODE_TO_STATE[int(c)],
                s.junction_id,
                s.stop_line,
                s.lanes,
                s.trigger,
                s.location,
            )
            for s, c in zip(self.sites, self.state, strict=True)
        ]
