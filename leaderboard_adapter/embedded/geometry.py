"""Planar geometry helpers in CARLA's left-handed world frame (x east, y south, yaw clockwise)."""

from __future__ import annotations

import numpy as np


def box_corners(
    x_m: np.ndarray, y_m: np.ndarray, yaw_deg: np.ndarray, length_m: np.ndarray, width_m: np.ndarray
) -> np.ndarray:
    """(N, 4, 2) oriented box corners [m]: front-left, front-right, rear-right, rear-left (left-handed frame)."""
    yaw = np.radians(yaw_deg)
    f = np.stack([np.cos(yaw), np.sin(yaw)], axis=-1)  # forward
    r = np.stack([-np.sin(yaw), np.cos(yaw)], axis=-1)  # right (y south, yaw clockwise)
    hl = (np.asarray(length_m) / 2)[:, None]
    hw = (np.asarray(width_m) / 2)[:, None]
    c = np.stack([x_m, y_m], axis=-1)
    return np.stack(
        [c + f * hl - r * hw, c + f * hl + r * hw, c - f * hl + r * hw, c - f * hl - r * hw], axis=1
    )
