"""The leaderboard's sensor icons: the names a results file's `sensors` list uses for sensor types."""

from __future__ import annotations

from collections.abc import Iterable

SENSOR_ICONS = {
    "sensor.camera.rgb": "carla_camera",
    "sensor.lidar.ray_cast": "carla_lidar",
    "sensor.other.radar": "carla_radar",
    "sensor.other.gnss": "carla_gnss",
    "sensor.other.imu": "carla_imu",
    "sensor.opendrive_map": "carla_opendrive_map",
    "sensor.speedometer": "carla_speedometer",
}


def sensor_icons(sensor_types: Iterable[str]) -> list[str]:
    """Icons for the agent's sensor types, in order (unknown types are skipped as the leaderboard does)."""
    return [SENSOR_ICONS[t] for t in sensor_types if t in SENSOR_ICONS]
