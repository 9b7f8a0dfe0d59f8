"""Planar geometry shared by every package: angle wraps, oriented-box corners, oriented-box overlap.

Angles are in radians; only the names ending in `_deg` take or give degrees (callers holding
CARLA yaws in degrees convert with `np.radians` / `math.radians`). Frame: CARLA's world frame,
left-handed (x east, y south, yaw clockwise seen from above, heading vector (cos yaw, sin yaw));
"right" below means the side towards +y of a box at yaw 0. The overlap test and the wraps hold
in either handedness; in a right-handed frame (the ego frame: x forward, y left) `box_corners`'
"right" corners are the left ones.

A box is its centre (x, y) [m], its yaw [rad] and its full length (along the heading) and full
width [m]. Every function broadcasts over numpy arrays; the wraps keep a Python float a float.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike

Angle = TypeVar("Angle", float, np.ndarray)

_CORNER_SIGNS = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]])
"""(along, across) signs of the corners in `box_corners`' order: front-right, front-left, rear-left, rear-right."""


def wrap_rad(angle_rad: Angle) -> Angle:
    """Angle(s) wrapped into [-pi, pi) [rad]: pi becomes -pi."""
    return (angle_rad + math.pi) % (2.0 * math.pi) - math.pi


def wrap_deg(angle_deg: Angle) -> Angle:
    """Angle(s) wrapped into [-180, 180) [deg]: 180 becomes -180."""
    return (angle_deg + 180.0) % 360.0 - 180.0


def wrap_deg_up_to_180(angle_deg: Angle) -> Angle:
    """Angle(s) wrapped into (-180, 180] [deg]: -180 becomes 180 (the observation's convention)."""
    return 180.0 - (180.0 - angle_deg) % 360.0


def box_corners(
    x_m: ArrayLike, y_m: ArrayLike, yaw_rad: ArrayLike, length_m: ArrayLike, width_m: ArrayLike
) -> np.ndarray:
    """Corners [m] of boxes, shape (..., 4, 2), in the order front-right, front-left, rear-left, rear-right.

    Inputs broadcast together (scalars give (4, 2), arrays of shape (N,) give (N, 4, 2)). In CARLA's
    left-handed frame the corners run counter-clockwise seen from above, from the front-right one.
    """
    yaw = np.asarray(yaw_rad, dtype=float)
    c, s = np.cos(yaw)[..., None], np.sin(yaw)[..., None]
    half_l = (np.asarray(length_m, dtype=float) / 2.0)[..., None] * _CORNER_SIGNS[:, 0]
    half_w = (np.asarray(width_m, dtype=float) / 2.0)[..., None] * _CORNER_SIGNS[:, 1]
    # local (along, across) -> world: x = cx + along*c - across*s, y = cy + along*s + across*c (across towards "right")
    xs = np.asarray(x_m, dtype=float)[..., None] + half_l * c - half_w * s
    ys = np.asarray(y_m, dtype=float)[..., None] + half_l * s + half_w * c
    return np.stack([xs, ys], axis=-1)


def boxes_overlap(
    ax: ArrayLike,
    ay: ArrayLike,
    a_yaw_rad: ArrayLike,
    a_length_m: ArrayLike,
    a_width_m: ArrayLike,
    bx: ArrayLike,
    by: ArrayLike,
    b_yaw_rad: ArrayLike,
    b_length_m: ArrayLike,
    b_width_m: ArrayLike,
) -> np.ndarray:
    """True where box A and box B overlap (separating-axis theorem; touching counts), broadcast over all arguments.

    One box against N: pass A as scalars and B as (N,) arrays; every pair of two sets: A as (N, 1), B as (1, M).
    """
    dx = np.asarray(bx) - ax
    dy = np.asarray(by) - ay
    ac, as_ = np.cos(a_yaw_rad), np.sin(a_yaw_rad)
    bc, bs = np.cos(b_yaw_rad), np.sin(b_yaw_rad)
    ahl, ahw = 0.5 * np.asarray(a_length_m), 0.5 * np.asarray(a_width_m)
    bhl, bhw = 0.5 * np.asarray(b_length_m), 0.5 * np.asarray(b_width_m)
    # |cos| and |sin| of the angle between the two headings serve all four axes
    cos_ab = np.abs(ac * bc + as_ * bs)
    sin_ab = np.abs(as_ * bc - ac * bs)
    # axes of A: its heading and its normal
    sep = np.abs(dx * ac + dy * as_) > ahl + bhl * cos_ab + bhw * sin_ab
    sep |= np.abs(-dx * as_ + dy * ac) > ahw + bhl * sin_ab + bhw * cos_ab
    # axes of B
    sep |= np.abs(dx * bc + dy * bs) > bhl + ahl * cos_ab + ahw * sin_ab
    sep |= np.abs(-dx * bs + dy * bc) > bhw + ahl * sin_ab + ahw * cos_ab
    return ~sep
