"""The observation's vehicles or pedestrians as named columns: one (N,) array per field.

Ego frame, as the observation gives them (x forward, y left [m], headings counter-clockwise [deg],
velocities [m/s]; see docs/observation.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_FLOAT_FIELDS = ("x_m", "y_m", "heading_deg", "vx_mps", "vy_mps", "length_m", "width_m")


@dataclass(frozen=True)
class Actors:
    """Actors of one kind, (N,) arrays: centre, heading, velocity, full length and width, and id."""

    x_m: np.ndarray
    y_m: np.ndarray
    heading_deg: np.ndarray
    vx_mps: np.ndarray
    vy_mps: np.ndarray
    length_m: np.ndarray
    width_m: np.ndarray
    id: np.ndarray
    """Actor ids (int64)."""

    @staticmethod
    def from_records(records: list[dict]) -> Actors:
        """The columns of observation actor records (`observation["vehicles"]` or `["pedestrians"]`)."""
        table = np.array([[r[name] for name in _FLOAT_FIELDS] for r in records], dtype=float)  # one pass, per frame
        columns = table.reshape(len(records), len(_FLOAT_FIELDS)).T
        return Actors(*columns, np.array([r["id"] for r in records], dtype=np.int64))

    @staticmethod
    def concat(*parts: Actors) -> Actors:
        """The actors of all `parts`, in order."""
        return Actors(*(np.concatenate([getattr(p, name) for p in parts]) for name in (*_FLOAT_FIELDS, "id")))

    def __len__(self) -> int:
        return int(self.x_m.shape[0])

    def take(self, which: np.ndarray) -> Actors:
        """The actors selected by a boolean mask or an index array, in that order."""
        return Actors(*(getattr(self, name)[which] for name in (*_FLOAT_FIELDS, "id")))

    def without(self, ids: set[int | None]) -> Actors:
        """The actors whose id is not in `ids`."""
        return self.take(np.array([int(i) not in ids for i in self.id], dtype=bool))

    @property
    def speed_mps(self) -> np.ndarray:
        """(N,) speed [m/s]."""
        return np.hypot(self.vx_mps, self.vy_mps)

    @property
    def heading_rad(self) -> np.ndarray:
        """(N,) heading [rad], counter-clockwise."""
        return np.radians(self.heading_deg)
