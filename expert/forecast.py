"""The ego's forecast distance along its path: from its speed to a planned speed at a constant rate, then held.

Metres and seconds from now; `collisions` places the ego's boxes on its path at these distances.
"""

from __future__ import annotations

import numpy as np


def ego_distance_profile(
    speed_mps: float, planned_speed_mps: float, times_s: np.ndarray, accel_mps2: float, decel_mps2: float
) -> np.ndarray:
    """Distance [m] travelled at `times_s` when the speed moves from `speed_mps` to `planned_speed_mps`
    at a constant `accel_mps2` (or `decel_mps2` when slowing down) and then holds it."""
    v0, v1 = max(speed_mps, 0.0), max(planned_speed_mps, 0.0)
    rate = accel_mps2 if v1 >= v0 else -decel_mps2
    t_ramp = abs(v1 - v0) / max(abs(rate), 1e-6)
    t = np.asarray(times_s, float)
    tr = np.minimum(t, t_ramp)
    return v0 * tr + 0.5 * rate * tr * tr + v1 * np.maximum(t - t_ramp, 0.0)
