"""Overlay: what is drawn over a bird's-eye frame besides the world (action arrows, text, a marker).

Action arrows start at the middle of the hero's front bumper and point along the action's
steering direction: `steer_deg` is in the ego frame, positive LEFT (as the driving Action),
so on the world picture the arrow's yaw is the hero's yaw minus `steer_deg` (CARLA yaws turn
clockwise). An arrow is as long as the distance driven in `ARROW_SECONDS` at the target
speed; a target speed of zero (stop) is a dot. The expert's arrow is drawn wide and the
policy's narrow on top of it, so both stay visible when they agree.
"""

from __future__ import annotations

import math
from typing import Annotated

import cv2
import numpy as np
from pydantic import BeforeValidator, model_validator
from pydantic.dataclasses import dataclass

from leaderboard_adapter.replay.palette import BGR, Palette
from leaderboard_adapter.replay.pixel_grid import SHIFT, PixelGrid
from leaderboard_adapter.settings import SETTINGS
from leaderboard_adapter.world_view import ActorState

ARROW_SECONDS = 1.0
"""An arrow's length is the distance driven at its target speed in this time [s]."""
STOP_DOT_PX = {"expert": 7, "policy": 4}
"""Radius [px] of the dot drawn for a target speed of zero."""
ARROW_THICKNESS_PX = {"expert": 5, "policy": 2}
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_FONT_SCALE = 0.5
_LINE_STEP_PX = 18
_MARKER_RADIUS_M = 3.0


@dataclass(frozen=True, config=SETTINGS)
class ActionArrow:
    """One action to draw: target speed [m/s] >= 0 and steering direction [deg], ego frame, positive LEFT."""

    target_speed_mps: float
    steer_deg: float

    @model_validator(mode="after")
    def _drawable(self) -> ActionArrow:
        if not (math.isfinite(self.target_speed_mps) and self.target_speed_mps >= 0.0):
            raise ValueError(f"target_speed_mps must be finite and >= 0, got {self.target_speed_mps}")
        if not math.isfinite(self.steer_deg):
            raise ValueError(f"steer_deg must be finite, got {self.steer_deg}")
        return self


def _lines(lines: object) -> tuple[str, ...]:
    if isinstance(lines, str):  # a TypeError is no ValueError: pydantic lets it through as it is
        raise TypeError("text_lines must be a sequence of lines, not one string")
    return tuple(str(line) for line in lines)


@dataclass(frozen=True, config=SETTINGS)
class Overlay:
    """What to draw over one frame; every part is optional.

    `policy` / `expert`: action arrows; `text_lines`: lines written at the top left (ASCII);
    `marker_xy_m`: a world point [m] circled in the marker colour (an infraction's place).
    """

    policy: ActionArrow | None = None
    expert: ActionArrow | None = None
    text_lines: Annotated[tuple[str, ...], BeforeValidator(_lines)] = ()
    marker_xy_m: tuple[float, float] | None = None



def draw_overlay(
    image: np.ndarray, grid: PixelGrid, hero: ActorState, overlay: Overlay, palette: Palette
) -> None:
    """Draw `overlay` on `image` (in place), the hero being `hero`."""
    if overlay.marker_xy_m is not None:
        centre = grid.fixed(np.asarray(overlay.marker_xy_m))
        radius = int(round(grid.length_px(_MARKER_RADIUS_M) * (1 << SHIFT)))
        cv2.circle(image, tuple(int(v) for v in centre), radius, palette.marker, 2, cv2.LINE_8, SHIFT)
    arrows = [
        (name, arrow)
        for name, arrow in (("expert", overlay.expert), ("policy", overlay.policy))
        if arrow is not None
    ]
    for name, arrow in arrows:
        _draw_arrow(image, grid, hero, arrow, getattr(palette, name), name)
    if arrows:
        _draw_legend(image, [name for name, _ in reversed(arrows)], palette)
    for k, line in enumerate(overlay.text_lines):
        _put_text(image, line, (8, 20 + k * _LINE_STEP_PX), palette)


def _arrow_ends_m(hero: ActorState, arrow: ActionArrow) -> tuple[tuple[float, float], tuple[float, float]]:
    """(start, end) of an action arrow in the world [m]: from the hero's front bumper, along yaw - steer_deg."""
    yaw = math.radians(hero.yaw_deg)
    start = (
        hero.x_m + 0.5 * hero.length_m * math.cos(yaw),
        hero.y_m + 0.5 * hero.length_m * math.sin(yaw),
    )
    direction = math.radians(hero.yaw_deg - arrow.steer_deg)
    length = arrow.target_speed_mps * ARROW_SECONDS
    return start, (start[0] + length * math.cos(direction), start[1] + length * math.sin(direction))


def _draw_arrow(
    image: np.ndarray, grid: PixelGrid, hero: ActorState, arrow: ActionArrow, colour: BGR, name: str
) -> None:
    start, end = _arrow_ends_m(hero, arrow)
    p0, p1 = (tuple(int(v) for v in grid.fixed(np.asarray(p))) for p in (start, end))
    if grid.length_px(arrow.target_speed_mps * ARROW_SECONDS) < 2.0:
        cv2.circle(image, p0, STOP_DOT_PX[name] << SHIFT, colour, -1, cv2.LINE_8, SHIFT)
        return
    cv2.arrowedLine(image, p0, p1, colour, ARROW_THICKNESS_PX[name], cv2.LINE_8, SHIFT, 0.25)


def _draw_legend(image: np.ndarray, names: list[str], palette: Palette) -> None:
    """Bottom-left: a short line in each arrow's colour and its name."""
    height = image.shape[0]
    for k, name in enumerate(names):
        y = height - 12 - k * _LINE_STEP_PX
        cv2.line(
            image, (10, y - 4), (34, y - 4), getattr(palette, name), ARROW_THICKNESS_PX[name], cv2.LINE_8
        )
        _put_text(image, f"{name} action", (42, y), palette)


def _put_text(image: np.ndarray, text: str, origin: tuple[int, int], palette: Palette) -> None:
    """Text in the text colour on a box of the shadow colour, readable on any background."""
    (width, height), baseline = cv2.getTextSize(text, _FONT, _FONT_SCALE, 1)
    x, y = origin
    cv2.rectangle(image, (x - 3, y - height - 3), (x + width + 3, y + baseline), palette.text_shadow, -1)
    cv2.putText(image, text, origin, _FONT, _FONT_SCALE, palette.text, 1, cv2.LINE_AA)
