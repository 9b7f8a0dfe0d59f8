"""Why the expert chose its target speed: what set it, as recorded with every frame (`expert_reason`)."""

from __future__ import annotations

import enum


class ExpertReason(enum.StrEnum):
    """What set the expert's target speed; the values are the strings recorded and shown to policies."""

    CRUISE = "cruise"
    """Nothing ahead: the speed limit share, lowered for curves ahead."""
    RED_LIGHT = "red_light"
    YELLOW_LIGHT = "yellow_light"
    """A yellow light it can still stop for (or whose line its tail would not clear in time)."""
    STOP_SIGN = "stop_sign"
    """A stop sign it has not yet stopped at."""
    VEHICLE = "vehicle"
    """A vehicle on its path heading its way, followed at its speed."""
    PEDESTRIAN = "pedestrian"
    """A pedestrian on its path."""
    HAZARD = "hazard"
    """A forecast collision with a vehicle or walker."""
    JUNCTION_YIELD = "junction_yield"
    """A collision forecast inside the junction ahead: it waits at the junction's entry."""
