"""Traffic lights and stop signs as obstacles: a red (or stoppable yellow) light's stop line, an uncompleted stop.

The observation keeps reporting a light or stop sign until the ego has cleared its line, with a negative
`distance_m` once the front bumper is past it. The expert treats such a signal as passed (`ahead`): it
never brakes for a line behind its bumper, so a car that has entered the junction drives on out of it.
Except a light the ego STANDS just past (its stop overshot the line by up to STANDING_OVERSHOOT_M): its tail
is a car's length from clearing the line, so starting on yellow or red runs the light; it keeps waiting.
"""

from __future__ import annotations

from expert.obstacles import Obstacle
from expert.reasons import ExpertReason
from leaderboard_adapter.control.idm import IdmParams

STANDING_OVERSHOOT_M = 1.0
"""How far past a light's line [m] a standing ego's front bumper may be and the light still hold it."""
STANDING_SPEED_MPS = 0.1
"""Below this speed [m/s] the ego stands."""


def ahead(signal: dict | None) -> dict | None:
    """`signal` (an observation's `traffic_light` or `stop_sign`) while its stop line is not behind the front
    bumper (`distance_m >= 0`); None once the bumper is past it."""
    if signal is None or float(signal["distance_m"]) < 0.0:
        return None
    return signal


def light_obstacle(
    light: dict | None,
    speed_mps: float,
    length_m: float,
    idm: IdmParams,
    yellow_stop_decel_mps2: float,
    yellow_clear_s: float,
) -> Obstacle | None:
    """The stop line of the governing light when the ego must stop there.

    None for a light whose line is behind the front bumper (see `ahead`), unless the ego stands at most
    STANDING_OVERSHOOT_M past it. Red: always. Yellow: stop
    unless stopping before the line needs more than `yellow_stop_decel_mps2` and, at the current speed, the car's tail clears the line within
    `yellow_clear_s` (the light is run when the tail crosses the line on red; the ego sees the
    light turn yellow, so it decides with the whole yellow phase ahead of it).
    """
    standing_on_line = (
        light is not None and speed_mps < STANDING_SPEED_MPS and -STANDING_OVERSHOOT_M <= float(light["distance_m"]) < 0.0
    )
    light = light if standing_on_line else ahead(light)
    if light is None:
        return None
    gap = float(light["distance_m"])
    state = light["state"]
    if state == "Red":
        return Obstacle(gap, 0.0, idm, ExpertReason.RED_LIGHT, int(light["id"]))
    if state == "Yellow":
        braking_m = speed_mps * speed_mps / (2.0 * yellow_stop_decel_mps2)
        clears = gap + length_m < speed_mps * yellow_clear_s
        if gap > braking_m or not clears:
            return Obstacle(gap, 0.0, idm, ExpertReason.YELLOW_LIGHT, int(light["id"]))
    return None


def stop_sign_obstacle(stop: dict | None, idm: IdmParams) -> Obstacle | None:
    """The stop line of a stop sign ahead of the front bumper that the ego has not yet stopped at."""
    stop = ahead(stop)
    if stop is None or stop["completed_stop"]:
        return None
    return Obstacle(float(stop["distance_m"]), 0.0, idm, ExpertReason.STOP_SIGN, int(stop["id"]))
