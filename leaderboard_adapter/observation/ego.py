"""The observation's `ego` section: world pose, and speed, accelerations and yaw rate in the ego frame."""

from __future__ import annotations

import math

from leaderboard_adapter.geometry import wrap_deg_up_to_180
from leaderboard_adapter.world_view import ActorState

from .frames import EgoFrame
from .rounding import round1


def ego_section(hero: ActorState, frame: EgoFrame, standing_s: float) -> dict:
    """The `ego` dict: position [m] and CARLA yaw [deg] in the world frame, the rest in the ego frame.

    `standing_s`: how long the ego has stood still without interruption [s] (0 while moving).

    CARLA's yaw rate is clockwise positive (its z axis points up in a left-handed frame);
    the ego frame's is counter-clockwise (left) positive, hence the sign flip.
    """
    vx, vy = frame.vector(hero.vx_mps, hero.vy_mps)
    ax, ay = frame.vector(hero.ax_mps2, hero.ay_mps2)
    yaw = round1(wrap_deg_up_to_180(hero.yaw_deg))
    return {
        "x_m": round1(hero.x_m),
        "y_m": round1(hero.y_m),
        "yaw_deg": 180.0 if yaw <= -180.0 else yaw,
        "speed_mps": round1(math.hypot(hero.vx_mps, hero.vy_mps)),
        "vx_mps": round1(vx),
        "vy_mps": round1(vy),
        "accel_mps2": round1(ax),
        "lateral_accel_mps2": round1(ay),
        "yaw_rate_dps": round1(-hero.yaw_rate_dps),
        "length_m": round1(hero.length_m),
        "width_m": round1(hero.width_m),
        "standing_s": round1(standing_s),
    }
