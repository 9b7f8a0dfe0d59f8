"""Twin of `leaderboard.envs.sensor_interface`: the buffer through which readings reach an agent's `__call__`.

Same names and methods as the leaderboard's (`SensorInterface.register_sensor`, `update_sensor`,
`get_data`, the exceptions `SensorConfigurationInvalid` and `SensorReceivedNoData`), so the embedded
evaluator feeds the twin and the real one the same way. The twin is synchronous: the evaluator
pushes every reading of a tick with `update_sensor(tag, data, frame)` before calling the agent, and
`get_data(frame)` hands back those of that frame at once instead of waiting on a queue.
"""

from __future__ import annotations

from typing import Any


class SensorConfigurationInvalid(Exception):
    """The agent's sensors are not allowed (wrong track, duplicated id, illegal type or placement, too many)."""


class SensorReceivedNoData(Exception):
    """A registered sensor sent nothing for the requested frame."""


class SensorInterface:
    """Readings per sensor tag, as `{tag: (frame, data)}` for the agent's `run_step`."""

    def __init__(self) -> None:
        self._sensors_objects: dict[str, Any] = {}
        self._sensor_types: dict[str, str] = {}
        self._pending: dict[str, tuple[int, Any]] = {}
        self._opendrive_tag: str | None = None

    def register_sensor(self, tag: str, sensor_type: str, sensor: Any) -> None:
        """Declare sensor `tag`; raises SensorConfigurationInvalid when the tag is taken."""
        if tag in self._sensors_objects:
            raise SensorConfigurationInvalid(f"Duplicated sensor tag [{tag}]")
        self._sensors_objects[tag] = sensor
        self._sensor_types[tag] = sensor_type
        if sensor_type == "sensor.opendrive_map":
            self._opendrive_tag = tag

    def update_sensor(self, tag: str, data: Any, frame: int) -> None:
        """Store a reading of sensor `tag` taken at `frame` (the latest reading per tag wins)."""
        if tag not in self._sensors_objects:
            raise SensorConfigurationInvalid(f"The sensor with tag [{tag}] has not been created!")
        self._pending[tag] = (frame, data)

    def get_data(self, frame: int | None = None) -> dict[str, tuple[int, Any]]:
        """The readings of `frame` (any frame when None, as leaderboard 1.0), consumed by this call.

        Every registered sensor must have sent a reading, except the OpenDRIVE pseudo-sensor, which
        reads at its own frequency; otherwise raises SensorReceivedNoData naming the silent sensors.
        """
        data = {
            tag: reading
            for tag, reading in self._pending.items()
            if frame is None or reading[0] == frame
        }
        self._pending = {tag: reading for tag, reading in self._pending.items() if tag not in data}
        missing = [tag for tag in self._sensors_objects if tag not in data and tag != self._opendrive_tag]
        if missing:
            raise SensorReceivedNoData(
                f"A sensor took too long to send their data: no reading for frame {frame} from {', '.join(missing)}"
            )
        return data
