"""HeroTick: the hero's per-tick quantities (pose, speed, heading vector) computed once for all criteria."""

from __future__ import annotations

import math
from dataclasses import dataclass

from leaderboard_adapter.scoring.infractions import InfractionEvent, InfractionType
from leaderboard_adapter.world_view import ActorState


@dataclass(frozen=True)
class HeroTick:
    """The hero at one tick. CARLA world frame (x east, y south, yaw deg clockwise); m, m/s, s.

    `fwd_x`, `fwd_y` is the unit heading vector; `speed_mps` the planar speed (as
    `CarlaDataProvider.get_velocity`); `length_m`/`width_m` full extents of its box,
    which is centred on (x_m, y_m).
    """

    frame: int
    time_s: float
    x_m: float
    y_m: float
    z_m: float
    yaw_deg: float
    fwd_x: float
    fwd_y: float
    vx_mps: float
    vy_mps: float
    speed_mps: float
    length_m: float
    width_m: float

    @staticmethod
    def from_state(state: ActorState, frame: int, time_s: float) -> HeroTick:
        yaw = math.radians(state.yaw_deg)
        return HeroTick(
            frame=int(frame),
            time_s=float(time_s),
            x_m=float(state.x_m),
            y_m=float(state.y_m),
            z_m=float(state.z_m),
            yaw_deg=float(state.yaw_deg),
            fwd_x=math.cos(yaw),
            fwd_y=math.sin(yaw),
            vx_mps=float(state.vx_mps),
            vy_mps=float(state.vy_mps),
            speed_mps=math.hypot(state.vx_mps, state.vy_mps),
            length_m=float(state.length_m),
            width_m=float(state.width_m),
        )

    def event(
        self,
        kind: InfractionType,
        message: str,
        *,
        at: tuple[float, float, float] | None = None,
        actor_id: int | None = None,
        details: dict[str, float] | None = None,
    ) -> InfractionEvent:
        """An event stamped with this tick; located at `at` or else at the hero."""
        x, y, z = at if at is not None else (self.x_m, self.y_m, self.z_m)
        return InfractionEvent(kind, message, self.frame, self.time_s, x, y, z, actor_id, dict(details or {}))


def format_location(x: float, y: float, z: float) -> str:
    """'(x=..., y=..., z=...)' with each coordinate rounded to 3 decimals, as the leaderboard writes it."""
    return f"(x={round(float(x), 3)}, y={round(float(y), 3)}, z={round(float(z), 3)})"
