"""Palette: the BGR colour of everything the bird's-eye renderer draws (OpenCV channel order)."""

from __future__ import annotations

from dataclasses import dataclass

from leaderboard_adapter.world_view import LightState

BGR = tuple[int, int, int]
"""A colour as OpenCV stores it: (blue, green, red), each 0..255."""


@dataclass(frozen=True)
class Palette:
    """Colours of the bird's-eye view, BGR. The defaults are what docs/replay.md describes."""

    background: BGR = (28, 28, 28)  # near black: off-road
    road: BGR = (72, 72, 72)  # dark grey: driving lanes
    lane_edge: BGR = (118, 118, 118)  # light grey: lane boundaries outside junctions
    route: BGR = (200, 130, 40)  # blue: the hero's route
    ego: BGR = (0, 140, 255)  # orange: the hero
    vehicle: BGR = (235, 235, 235)  # white: other vehicles
    walker: BGR = (140, 230, 255)  # pale yellow: pedestrians
    heading: BGR = (0, 0, 0)  # black: front edge of every box
    light_red: BGR = (0, 0, 255)
    light_yellow: BGR = (0, 255, 255)
    light_green: BGR = (0, 220, 0)
    light_off: BGR = (150, 150, 150)
    stop_sign: BGR = (255, 255, 255)  # white stop line with a red octagon at the sign
    stop_sign_face: BGR = (30, 30, 200)
    policy: BGR = (255, 255, 0)  # cyan: the policy's action arrow
    expert: BGR = (255, 0, 255)  # magenta: the expert's action arrow
    marker: BGR = (60, 60, 255)  # red ring: where the infraction happens
    text: BGR = (255, 255, 255)
    text_shadow: BGR = (0, 0, 0)

    def light(self, state: LightState) -> BGR:
        """The colour of a traffic light's stop line in `state`."""
        return {
            LightState.RED: self.light_red,
            LightState.YELLOW: self.light_yellow,
            LightState.GREEN: self.light_green,
            LightState.OFF: self.light_off,
        }[state]
