"""The ego's forecast: its distance along its path over time, and the poses it drives through.

Metres and seconds from now, ego frame (x forward, y left, heading counter-clockwise [rad]);
`collisions` places the ego's boxes at these poses.
"""

from __future__ import annotations

import math

import numpy as np

from expert.params import ForecastParams
from expert.path import EgoPath
from leaderboard_adapter.control.lateral import lookahead_distances_m


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


def ego_rollout(
    path: EgoPath, times_s: np.ndarray, dist_m: np.ndarray, yaw_rate_dps: float, params: ForecastParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The poses (x [m], y [m], heading [rad]) the ego drives through while it covers `dist_m` at `times_s`.

    A kinematic bicycle steered by pure pursuit towards the path point one look-ahead
    (`lookahead_distances_m`, as the controller aims) beyond the distance covered, its curvature
    bounded by the steering lock (`max_wheel_angle_deg`, `wheelbase_m`) and its change by the
    steering rate; it starts from the ego's current turn rate. Where the path is within reach it
    follows it closely; on a corner tighter than the ego's turning circle it swings wide, as the
    car does. The reference point is the ego's centre, its heading the direction of travel.
    """
    wheelbase = params.wheelbase_m
    k_max = math.tan(math.radians(params.max_wheel_angle_deg)) / wheelbase
    k_rate = math.radians(params.max_wheel_rate_dps) / wheelbase  # d(curvature)/dt at small angles [1/(m s)]
    steps = np.diff(dist_m)
    dts = np.diff(times_s)
    speeds = steps / np.maximum(dts, 1e-9)
    aims = dist_m[:-1] + lookahead_distances_m(speeds)
    aim_x, aim_y, _ = path.pose_at(aims)
    v0 = float(speeds[0]) if len(speeds) else 0.0
    k = min(max(math.radians(yaw_rate_dps) / v0, -k_max), k_max) if v0 > 0.5 else 0.0
    x = y = h = 0.0
    xs, ys, hs = [0.0], [0.0], [0.0]
    for ds, dt, ax, ay in zip(steps.tolist(), dts.tolist(), aim_x.tolist(), aim_y.tolist(), strict=True):
        dx, dy = ax - x, ay - y
        c, s = math.cos(h), math.sin(h)
        lateral = -s * dx + c * dy
        reach2 = max(dx * dx + dy * dy, 1e-6)
        wanted = min(max(2.0 * lateral / reach2, -k_max), k_max)
        k += min(max(wanted - k, -k_rate * dt), k_rate * dt)
        mid = h + 0.5 * k * ds
        x += ds * math.cos(mid)
        y += ds * math.sin(mid)
        h += k * ds
        xs.append(x)
        ys.append(y)
        hs.append(h)
    return np.array(xs), np.array(ys), np.array(hs)
