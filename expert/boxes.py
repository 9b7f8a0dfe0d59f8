"""Oriented-box overlap by the separating-axis theorem, vectorised over any broadcastable shapes.

Boxes are given by centre (x, y) [m], heading [rad], full length along the heading and full
width [m], all in one planar frame (either handedness: the test only needs both boxes in
the same frame).
"""

from __future__ import annotations

import numpy as np


def boxes_overlap(
    ax: np.ndarray,
    ay: np.ndarray,
    a_yaw_rad: np.ndarray,
    a_length_m: np.ndarray,
    a_width_m: np.ndarray,
    bx: np.ndarray,
    by: np.ndarray,
    b_yaw_rad: np.ndarray,
    b_length_m: np.ndarray,
    b_width_m: np.ndarray,
) -> np.ndarray:
    """True where box A and box B overlap (touching counts), broadcast over all arguments."""
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
