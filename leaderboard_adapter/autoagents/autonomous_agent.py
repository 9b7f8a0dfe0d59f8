"""Twin of `leaderboard.autoagents.autonomous_agent`: the `Track` enum and the `AutonomousAgent` base class.

Installed as `leaderboard.autoagents.autonomous_agent` by `leaderboard_shim` when the real leaderboard
is not importable, so agent files written for the leaderboard run unchanged. It follows the current
leaderboard (2.x): `__init__(carla_host, carla_port, debug=False)` does not call `setup`, and
`set_global_plan` downsamples every 200 m. An agent written for leaderboard 1.0 is constructed by
`agent_loader` inside `constructing_under(Convention.V1_0)`: then the single constructor argument is
`path_to_conf_file`, `setup` runs inside `__init__` and the plan is downsampled every 50 m, as in 1.0.

`__call__` reads the tick's readings with `self.sensor_interface.get_data(GameTime.get_frame())`
and the time with `GameTime.get_time()` (the twins in `sensor_interface` and `game_time`), which the
embedded evaluator fills before calling the agent.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import carla

from leaderboard_adapter.autoagents.convention import Convention
from leaderboard_adapter.autoagents.downsampling import downsample_route
from leaderboard_adapter.autoagents.game_time import GameTime
from leaderboard_adapter.autoagents.sensor_interface import SensorInterface

logger = logging.getLogger(__name__)

_CONSTRUCTION_CONVENTION: contextvars.ContextVar[Convention | None] = contextvars.ContextVar(
    "leaderboard_construction_convention", default=None
)


@contextlib.contextmanager
def constructing_under(convention: Convention | str) -> Iterator[None]:
    """Within this block, twin agents are constructed under `convention` (1.0: `__init__` calls `setup`)."""
    token = _CONSTRUCTION_CONVENTION.set(Convention.parse(convention))
    try:
        yield
    finally:
        _CONSTRUCTION_CONVENTION.reset(token)


class Track(enum.Enum):
    """The tracks of the CARLA AD leaderboard (values are the `--track` spellings)."""

    SENSORS = "SENSORS"
    MAP = "MAP"
    SENSORS_QUALIFIER = "SENSORS_QUALIFIER"
    MAP_QUALIFIER = "MAP_QUALIFIER"


class AutonomousAgent:
    """Base class of all leaderboard agents: override `setup`, `sensors`, `run_step` and `destroy`."""

    def __init__(self, carla_host: Any, carla_port: int | None = None, debug: bool = False) -> None:
        convention = _CONSTRUCTION_CONVENTION.get() or Convention.V2_X
        self._leaderboard_convention = convention
        self.track = Track.SENSORS
        # current global plans to reach a destination
        self._global_plan: list[tuple[dict[str, float], Any]] | None = None
        self._global_plan_world_coord: list[tuple[carla.Transform, Any]] | None = None
        # this data structure will contain all sensor data
        self.sensor_interface = SensorInterface()
        if convention is Convention.V1_0:
            # leaderboard 1.0: __init__(path_to_conf_file) runs the agent's setup
            self.setup(carla_host)
        self.wallclock_t0 = None

    def setup(self, path_to_conf_file: str) -> None:
        """Initialise the agent and set `self.track` (`Track.SENSORS`, or `Track.MAP` to get the OpenDRIVE map)."""

    def sensors(self) -> list[dict[str, Any]]:
        """The sensor suite, e.g. `[{'type': 'sensor.other.gnss', 'x': 0.0, 'y': 0.0, 'z': 0.0, 'id': 'GPS'}]`."""
        return []

    def run_step(self, input_data: dict[str, tuple[int, Any]], timestamp: float) -> carla.VehicleControl:
        """One step of navigation: readings `{sensor_id: (frame, data)}` and game time [s] -> control."""
        control = carla.VehicleControl()
        control.steer = 0.0
        control.throttle = 0.0
        control.brake = 0.0
        control.hand_brake = False
        return control

    def destroy(self) -> None:
        """Clean up the agent at the end of a route."""

    def __call__(self) -> carla.VehicleControl:
        """The agent's control for the current tick (readings from `sensor_interface`, time from `GameTime`)."""
        input_data = self.sensor_interface.get_data(GameTime.get_frame())
        timestamp = GameTime.get_time()

        if not self.wallclock_t0:
            self.wallclock_t0 = GameTime.get_wallclocktime()
        wallclock = GameTime.get_wallclocktime()
        if wallclock is not None and self.wallclock_t0 is not None:
            wallclock_diff = (wallclock - self.wallclock_t0).total_seconds()
            sim_ratio = 0 if wallclock_diff == 0 else timestamp / wallclock_diff
            logger.debug(
                "[Agent] Wallclock = %s -- System time = %.3f -- Game time = %.3f -- Ratio = %.3fx",
                str(wallclock)[:-3], wallclock_diff, timestamp, sim_ratio,
            )

        control = self.run_step(input_data, timestamp)
        control.manual_gear_shift = False
        return control

    @staticmethod
    def get_ros_version() -> int:
        """-1: not a ROS agent (leaderboard 2.x)."""
        return -1

    def set_global_plan(
        self,
        global_plan_gps: Sequence[tuple[dict[str, float], Any]],
        global_plan_world_coord: Sequence[tuple[carla.Transform, Any]],
    ) -> None:
        """Store the route downsampled as the leaderboard does (every 200 m in 2.x, 50 m in 1.0)."""
        convention = getattr(self, "_leaderboard_convention", Convention.V2_X)
        ds_ids = downsample_route(global_plan_world_coord, convention.plan_sample_distance_m)
        self._global_plan_world_coord = [(global_plan_world_coord[i][0], global_plan_world_coord[i][1]) for i in ds_ids]
        self._global_plan = [global_plan_gps[i] for i in ds_ids]
