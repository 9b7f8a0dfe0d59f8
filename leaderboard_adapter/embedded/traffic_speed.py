"""Last stages of an NPC step: the desired speed, the IDM command, and the integration along the lanes.

The desired speed is the lane's speed limit, capped by its curvature and by that of the next
lane when its start is near, times the NPC's own factor (`desired_speed_mps`). IDM takes the
strongest interaction over the leaders, walkers and the stop line (`speed_command`); the speed
then integrates explicitly, never below 0, and the arc length with it (`integrate`). SI units.
"""

from __future__ import annotations

import numpy as np

from leaderboard_adapter.control import idm
from leaderboard_adapter.control.idm import IdmParams

NEXT_CAP_LOOKAHEAD_M = 20.0
"""The next plan segment's curve speed caps the desired speed once its start is this close [m] ahead of the
front bumper."""


def desired_speed_mps(
    net, plan: np.ndarray, offs: np.ndarray, length_m: np.ndarray, speed_factor: np.ndarray
) -> np.ndarray:
    """(N,) desired speed [m/s]: `speed_factor` times the lowest of the first plan segment's speed limit and
    curve speed and, within NEXT_CAP_LOOKAHEAD_M, the next one's curve speed. `net`: the DrivingNetwork
    (per-segment `speed_limit_mps`, `curve_cap_mps`); `offs` as from `traffic_gaps.plan_offsets_m`."""
    seg0 = plan[:, 0]
    v0 = np.minimum(net.speed_limit_mps[seg0], net.curve_cap_mps[seg0])
    next_cap = np.where(
        offs[:, 1] - 0.5 * length_m < NEXT_CAP_LOOKAHEAD_M, net.curve_cap_mps[plan[:, 1]], np.inf
    )
    return speed_factor * np.minimum(v0, next_cap)


def speed_command(
    vehicle_idm: IdmParams,
    walker_idm: IdmParams,
    stop_line_idm: IdmParams,
    speed_mps: np.ndarray,
    desired_mps: np.ndarray,
    lead_gap_m: np.ndarray,
    lead_speed_mps: np.ndarray,
    walker_gap_m: np.ndarray,
    line_gap_m: np.ndarray,
) -> np.ndarray:
    """(N,) IDM acceleration [m/s²] with the strongest interaction over leaders ((N, M) gaps and speeds,
    from `traffic_gaps.lead_gaps`), walkers ((N, W) gaps, standing for IDM) and the stop line ((N,) gaps);
    inf gaps do not interact. The acceleration takes `vehicle_idm`'s dynamics."""
    v = speed_mps
    ratio = idm.interaction(vehicle_idm, v[:, None], v[:, None] - lead_speed_mps, lead_gap_m).max(axis=1)
    if walker_gap_m.shape[1]:
        ratio = np.maximum(ratio, idm.interaction(walker_idm, v[:, None], v[:, None], walker_gap_m).max(axis=1))
    ratio = np.maximum(ratio, idm.interaction(stop_line_idm, v, v, line_gap_m))
    return idm.acceleration(vehicle_idm, v, desired_mps, ratio)


def integrate(
    speed_mps: np.ndarray, accel_mps2: np.ndarray, s_m: np.ndarray, dt_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(speed [m/s], realised acceleration [m/s²], arc length [m]) after `dt_s`: the speed moves by
    `accel_mps2` but not below 0 (the realised acceleration says by how much), the arc length by the new speed."""
    v_new = np.maximum(speed_mps + accel_mps2 * dt_s, 0.0)
    return v_new, (v_new - speed_mps) / dt_s, s_m + v_new * dt_s
