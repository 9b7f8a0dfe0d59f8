"""CARLA world frame -> ego frame: positions, vectors and headings, vectorised over numpy arrays.

CARLA's world frame is left-handed: x east, y south, yaw in degrees clockwise seen from above.
The ego frame is right-handed (ISO 8855): origin at the ego's bounding-box centre (CARLA's
actor location), x forward, y LEFT, angles counter-clockwise (left) positive. With the ego at
(ex, ey) and yaw psi (CARLA degrees), c = cos(psi), s = sin(psi):

    x_ego =  (x_w - ex) * c + (y_w - ey) * s
    y_ego =  (x_w - ex) * s - (y_w - ey) * c
    heading_ego_deg = wrap_deg_up_to_180(-(yaw_actor - psi))      (in (-180, 180], see leaderboard_adapter.geometry)

Vectors (velocities, accelerations) rotate like positions, without the translation. In
complex numbers, with world positions written mirrored as x_w - i*y_w, the same transform is
one product: x_ego + i*y_ego = ((x_w - i*y_w) - (ex - i*ey)) * (c + i*s).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from leaderboard_adapter.geometry import wrap_deg_up_to_180


class EgoFrame:
    """The ego frame at one instant: the ego's world position [m] and CARLA yaw [deg]."""

    __slots__ = ("x_m", "y_m", "yaw_deg", "cos_yaw", "sin_yaw")

    def __init__(self, x_m: float, y_m: float, yaw_deg: float):
        self.x_m = float(x_m)
        self.y_m = float(y_m)
        self.yaw_deg = float(yaw_deg)
        yaw = math.radians(self.yaw_deg)
        self.cos_yaw = math.cos(yaw)
        self.sin_yaw = math.sin(yaw)

    def points(self, x_w: ArrayLike, y_w: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """World positions [m] -> ego-frame (x forward, y left) [m]."""
        return self.vectors(np.asarray(x_w, dtype=float) - self.x_m, np.asarray(y_w, dtype=float) - self.y_m)

    def vectors(self, vx_w: ArrayLike, vy_w: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """World vectors (velocities [m/s], offsets from the ego [m], ...) -> ego-frame components (forward, left)."""
        c, s = self.cos_yaw, self.sin_yaw
        return vx_w * c + vy_w * s, vx_w * s - vy_w * c  # type: ignore[operator]

    def vector(self, vx_w: float, vy_w: float) -> tuple[float, float]:
        """`vectors` for one world vector (plain floats, cheaper than numpy for a single value)."""
        return vx_w * self.cos_yaw + vy_w * self.sin_yaw, vx_w * self.sin_yaw - vy_w * self.cos_yaw

    def mirrored_points(self, z_mirrored: np.ndarray) -> np.ndarray:
        """World positions given as complex x_w - i*y_w [m] -> ego-frame positions as complex x + i*y [m]."""
        return (z_mirrored - complex(self.x_m, -self.y_m)) * complex(self.cos_yaw, self.sin_yaw)

    def headings(self, yaw_w_deg: ArrayLike) -> np.ndarray:
        """World yaws (CARLA, clockwise) [deg] -> headings relative to the ego, counter-clockwise, (-180, 180] [deg]."""
        return wrap_deg_up_to_180(self.yaw_deg - np.asarray(yaw_w_deg, dtype=float))
