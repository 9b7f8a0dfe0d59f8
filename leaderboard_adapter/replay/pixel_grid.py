"""PixelGrid: where CARLA world points [m] fall in one bird's-eye frame, north up.

CARLA's world frame is left-handed: x east, y SOUTH. Image columns grow to the right (east)
and rows grow downwards (south), so a world point maps to (column, row) = (x, y) / metres_per_px
minus the frame's origin, with no flip: north (smaller y) is up. A yaw (clockwise from east,
seen from above) is then also clockwise on the picture.

Every frame lies on one global pixel lattice (global pixel = world metres / metres_per_px),
so the static road tiles and the moving things drawn on a frame line up exactly. Pixel
coordinates here are OpenCV's: integer values are pixel centres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SHIFT = 4
"""Fractional bits of the fixed-point coordinates handed to OpenCV (1/16 px)."""
_ONE = 1 << SHIFT


@dataclass(frozen=True)
class PixelGrid:
    """One frame's mapping from world metres to pixels.

    `origin_px`: (column, row) of the frame's top-left pixel on the global lattice;
    `size_px`: (width, height) of the frame [px].
    """

    metres_per_px: float
    origin_px: tuple[int, int]
    size_px: tuple[int, int]

    @classmethod
    def centred_on(cls, x_m: float, y_m: float, metres_per_px: float, size_px: tuple[int, int]) -> PixelGrid:
        """The frame of `size_px` whose centre pixel holds world point (x_m, y_m) (to the nearest pixel)."""
        width, height = size_px
        col = int(round(x_m / metres_per_px)) - width // 2
        row = int(round(y_m / metres_per_px)) - height // 2
        return cls(metres_per_px, (col, row), size_px)

    def to_px(self, x_m: np.ndarray | float, y_m: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """(column, row) [px, float] of world points (x_m, y_m) [m]; rows grow southwards."""
        col = np.asarray(x_m, dtype=float) / self.metres_per_px - self.origin_px[0]
        row = np.asarray(y_m, dtype=float) / self.metres_per_px - self.origin_px[1]
        return col, row

    def fixed(self, xy_m: np.ndarray) -> np.ndarray:
        """World points of shape (..., 2) [m] as OpenCV fixed-point pixel coordinates (int32, `SHIFT` bits)."""
        xy = np.asarray(xy_m, dtype=float)
        col, row = self.to_px(xy[..., 0], xy[..., 1])
        return np.round(np.stack([col, row], axis=-1) * _ONE).astype(np.int32)

    def length_px(self, metres: float) -> float:
        """A length on the ground [m] in pixels."""
        return metres / self.metres_per_px

    def centre_m(self) -> tuple[float, float]:
        """The world point [m] at the frame's centre."""
        width, height = self.size_px
        return (
            (self.origin_px[0] + width / 2) * self.metres_per_px,
            (self.origin_px[1] + height / 2) * self.metres_per_px,
        )
