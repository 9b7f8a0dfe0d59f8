"""Twin of srunner's `GameTime`: the simulation clock an agent's `__call__` reads (frame, game time, wallclock).

Same static interface as `srunner.scenariomanager.timer.GameTime` and the same update rule: a tick
with a newer frame adds `delta_seconds` per frame advanced (one frame for the first tick), so the
game time at the first tick is one `delta_seconds`, not 0. Frame 0 is ignored, as in srunner.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Timestamp:
    """The fields of `carla.Timestamp` that `on_carla_tick` reads (frame index, seconds)."""

    frame: int
    delta_seconds: float
    elapsed_seconds: float = 0.0


class GameTime:
    """Process-wide simulation clock (static, like srunner's)."""

    _current_game_time: float = 0.0
    _carla_time: float = 0.0
    _last_frame: int = 0
    _platform_timestamp: datetime.datetime | None = None
    _init: bool = False

    @staticmethod
    def on_carla_tick(timestamp: Timestamp) -> None:
        """Advance to `timestamp` when its frame is newer than the last one seen."""
        if GameTime._last_frame < timestamp.frame:
            frames = timestamp.frame - GameTime._last_frame if GameTime._init else 1
            GameTime._current_game_time += timestamp.delta_seconds * frames
            GameTime._last_frame = timestamp.frame
            GameTime._platform_timestamp = datetime.datetime.now()
            GameTime._init = True
            GameTime._carla_time = timestamp.elapsed_seconds

    @staticmethod
    def restart() -> None:
        """Back to game time 0 and frame 0."""
        GameTime._current_game_time = 0.0
        GameTime._carla_time = 0.0
        GameTime._last_frame = 0
        GameTime._init = False

    @staticmethod
    def get_time() -> float:
        """Game time since the last restart [s]."""
        return GameTime._current_game_time

    @staticmethod
    def get_carla_time() -> float:
        """The simulator's own elapsed time at the last tick [s]."""
        return GameTime._carla_time

    @staticmethod
    def get_wallclocktime() -> datetime.datetime | None:
        """Wall-clock time of the last tick."""
        return GameTime._platform_timestamp

    @staticmethod
    def get_frame() -> int:
        """Frame index of the last tick."""
        return GameTime._last_frame
