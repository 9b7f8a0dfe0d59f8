"""The agent's sensor suite in the embedded world: the leaderboard's validation, and readings in its format.

Validation follows `validate_sensor_configuration` of the leaderboard's `agent_wrapper` (wrong track,
duplicated ids, `sensor.opendrive_map` on the SENSORS track, allowed types, 3 m mounting radius,
per-type limits) with its messages. The embedded world renders nothing, so it then accepts only
`EMBEDDED_SENSOR_TYPES`; cameras, lidar and radar raise `EmbeddedSensorUnsupported`.

Readings (`input_data[sensor_id] = (frame, data)`), as the leaderboard's callbacks shape them:

- `sensor.speedometer`: `{'speed': forward speed [m/s]}` (negative when reversing), every tick.
- `sensor.other.imu`: float64 array `[ax, ay, az, gx, gy, gz, compass]`: acceleration [m/s^2] in the
  sensor frame (x forward, y right, z up) with gravity included (+9.81 on z when level), angular
  velocity [rad/s] (z positive turning clockwise seen from above, CARLA's left-handed frame), compass
  [rad] in [0, 2*pi): 0 facing north (world -y), pi/2 east (+x), i.e. yaw + 90 deg.
- `sensor.other.gnss`: float64 array `[lat, lon, alt]` [deg, deg, m] of the sensor's location.
- `sensor.opendrive_map`: `{'opendrive': OpenDRIVE text}`. Leaderboard 2.x sends it every tick; 1.0
  at the spec's `reading_frequency` [Hz] (first tick, then when at least 1/frequency of game time has
  passed; the leaderboard's threaded reader compares with `>` on accumulated float time, which is
  racy at exact multiples of the tick, so the intended `>=` is used here).

The vehicle is taken as level (pitch = roll = 0): `ActorState` carries no pitch or roll.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import carla
import numpy as np

from leaderboard_adapter.autoagents.autonomous_agent import Track
from leaderboard_adapter.autoagents.convention import Convention
from leaderboard_adapter.autoagents.gps import GeoReference, location_to_gps
from leaderboard_adapter.autoagents.sensor_interface import SensorConfigurationInvalid
from leaderboard_adapter.world_view import ActorState

GRAVITY_MPS2 = 9.81
"""Gravity CARLA's IMU adds on the world z axis [m/s^2]."""

MAX_ALLOWED_RADIUS_SENSOR_M = 3.0
"""Sensors must sit within this distance of the vehicle origin [m]."""

SENSOR_LIMITS_2X: Mapping[str, int] = {
    "sensor.camera.rgb": 8,
    "sensor.lidar.ray_cast": 2,
    "sensor.other.radar": 4,
    "sensor.other.gnss": 1,
    "sensor.other.imu": 1,
    "sensor.opendrive_map": 1,
    "sensor.speedometer": 1,
}
SENSOR_LIMITS_QUALIFIER: Mapping[str, int] = {
    "sensor.camera.rgb": 4,
    "sensor.lidar.ray_cast": 1,
    "sensor.other.radar": 2,
    "sensor.other.gnss": 1,
    "sensor.other.imu": 1,
    "sensor.opendrive_map": 1,
    "sensor.speedometer": 1,
}
"""Leaderboard 2.x qualifier tracks; leaderboard 1.0 uses the same numbers on every track."""

ALLOWED_SENSORS_1_0 = frozenset(SENSOR_LIMITS_QUALIFIER) | {"sensor.camera"}

EMBEDDED_SENSOR_TYPES = ("sensor.speedometer", "sensor.other.imu", "sensor.other.gnss", "sensor.opendrive_map")
"""The sensor types the embedded world can simulate (no rendering)."""

GNSS_NOISE_STD = (0.000005, 0.000005, 0.000005)
"""The leaderboard's GNSS noise (lat [deg], lon [deg], alt [m]); applied only when a generator is given."""
IMU_ACCEL_NOISE_STD_MPS2 = (0.001, 0.001, 0.015)
IMU_GYRO_NOISE_STD_RPS = (0.001, 0.001, 0.001)


class EmbeddedSensorUnsupported(SensorConfigurationInvalid):
    """A sensor the leaderboard allows but the embedded world cannot simulate (it renders no images)."""


def _spec_field(spec: Mapping[str, Any], key: str, index: int) -> Any:
    if not isinstance(spec, Mapping):
        raise SensorConfigurationInvalid(f"sensors()[{index}] must be a dict, got {type(spec).__name__}")
    if key not in spec:
        raise SensorConfigurationInvalid(f"sensors()[{index}] has no '{key}': {dict(spec)!r}")
    return spec[key]


def _track_of(agent_track: Any, name: str) -> Any:
    """`Track[name]` from the enum the agent's track belongs to (the twin's or the real leaderboard's)."""
    track_type = type(agent_track) if isinstance(agent_track, enum.Enum) else Track
    return track_type[name] if name in track_type.__members__ else None


def validate_sensor_configuration(
    sensors: Sequence[Mapping[str, Any]],
    agent_track: Any,
    selected_track: str,
    convention: Convention | str = Convention.V2_X,
) -> None:
    """Raise SensorConfigurationInvalid as the leaderboard does when the track or the sensors are not allowed.

    `agent_track`: the agent's `self.track`; `selected_track`: the evaluator's `--track` string.
    """
    convention = Convention.parse(convention)
    track_type = type(agent_track) if isinstance(agent_track, enum.Enum) else Track
    try:
        selected = track_type(selected_track)
    except ValueError:
        names = ", ".join(track_type.__members__)
        raise ValueError(f"Unknown track {selected_track!r}: expected one of {names}") from None
    if selected != agent_track:
        raise SensorConfigurationInvalid(f"You are submitting to the wrong track [{selected}]!")

    qualifier = agent_track in (_track_of(agent_track, "SENSORS_QUALIFIER"), _track_of(agent_track, "MAP_QUALIFIER"))
    if convention is Convention.V1_0:
        allowed, limits = ALLOWED_SENSORS_1_0, SENSOR_LIMITS_QUALIFIER
    else:
        allowed, limits = frozenset(SENSOR_LIMITS_2X), SENSOR_LIMITS_QUALIFIER if qualifier else SENSOR_LIMITS_2X

    sensor_ids: set[Any] = set()
    counts: dict[str, int] = {}
    for index, spec in enumerate(sensors):
        sensor_id = _spec_field(spec, "id", index)
        sensor_type = _spec_field(spec, "type", index)
        if sensor_id in sensor_ids:
            raise SensorConfigurationInvalid(f"Duplicated sensor tag [{sensor_id}]")
        sensor_ids.add(sensor_id)
        # as the leaderboard: only Track.SENSORS is checked (SENSORS_QUALIFIER is not)
        if agent_track == _track_of(agent_track, "SENSORS") and str(sensor_type).startswith("sensor.opendrive_map"):
            raise SensorConfigurationInvalid(f"Illegal sensor 'sensor.opendrive_map' used for Track [{agent_track}]!")
        if sensor_type not in allowed:
            raise SensorConfigurationInvalid(f"Illegal sensor '{sensor_type}' used for Track [{agent_track}]!")
        if all(k in spec for k in ("x", "y", "z")):
            radius = math.sqrt(spec["x"] ** 2 + spec["y"] ** 2 + spec["z"] ** 2)
            if radius > MAX_ALLOWED_RADIUS_SENSOR_M:
                raise SensorConfigurationInvalid(
                    f"Illegal sensor extrinsics used for sensor '{sensor_id}'. "
                    f"Max allowed radius is {MAX_ALLOWED_RADIUS_SENSOR_M}m (it sits {radius:.2f}m from the origin)"
                )
        counts[sensor_type] = counts.get(sensor_type, 0) + 1

    for sensor_type, max_allowed in limits.items():
        if counts.get(sensor_type, 0) > max_allowed:
            raise SensorConfigurationInvalid(
                f"Too many {sensor_type} used! Maximum number allowed is {max_allowed}, "
                f"but {counts[sensor_type]} were requested."
            )


def validate_embedded_sensors(sensors: Sequence[Mapping[str, Any]]) -> None:
    """Raise EmbeddedSensorUnsupported naming the first sensor the embedded world cannot simulate."""
    for index, spec in enumerate(sensors):
        sensor_type = _spec_field(spec, "type", index)
        if sensor_type not in EMBEDDED_SENSOR_TYPES:
            raise EmbeddedSensorUnsupported(
                f"Sensor '{spec.get('id')}' of type '{sensor_type}' is not available in the embedded world: "
                f"it renders no images, so cameras, lidar and radar need a CARLA server. "
                f"Supported types: {', '.join(EMBEDDED_SENSOR_TYPES)}."
            )


@dataclass(frozen=True)
class SensorMount:
    """Where a sensor sits on the vehicle: offset [m] and rotation [deg] in the vehicle frame (x fwd, y right)."""

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    roll: float = 0.0
    pitch: float = 0.0
    yaw: float = 0.0

    @staticmethod
    def from_spec(spec: Mapping[str, Any], keys: Sequence[str]) -> SensorMount:
        """The mount from a sensor spec; `keys` must all be present (the leaderboard reads them)."""
        missing = [k for k in keys if k not in spec]
        if missing:
            raise SensorConfigurationInvalid(
                f"Sensor '{spec.get('id')}' ({spec.get('type')}) lacks {', '.join(repr(k) for k in missing)}"
            )
        return SensorMount(**{k: float(spec[k]) for k in keys})


def rotation_axes(roll_deg: float, pitch_deg: float, yaw_deg: float) -> np.ndarray:
    """Rows: the forward, right and up unit vectors of a CARLA rotation, in double precision.

    Same as `carla.Transform(carla.Location(), carla.Rotation(pitch, yaw, roll)).get_forward_vector()`,
    `get_right_vector()` and `get_up_vector()` (which are single precision).
    """
    cr, sr = math.cos(math.radians(roll_deg)), math.sin(math.radians(roll_deg))
    cp, sp = math.cos(math.radians(pitch_deg)), math.sin(math.radians(pitch_deg))
    cy, sy = math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))
    return np.array(
        [
            [cp * cy, cp * sy, sp],
            [sr * sp * cy - cr * sy, sr * sp * sy + cr * cy, -sr * cp],
            [-(cr * sp * cy + sr * sy), -(cr * sp * sy - sr * cy), cr * cp],
        ]
    )


def sensor_location(hero: ActorState, mount: SensorMount) -> carla.Location:
    """World location [m] of a sensor mounted on the hero (offset rotated by the hero's yaw)."""
    yaw = math.radians(hero.yaw_deg)
    c, s = math.cos(yaw), math.sin(yaw)
    return carla.Location(
        x=hero.x_m + c * mount.x - s * mount.y,
        y=hero.y_m + s * mount.x + c * mount.y,
        z=hero.z_m + mount.z,
    )


def speedometer_reading(hero: ActorState) -> dict[str, float]:
    """`{'speed': m/s}`: the velocity projected on the heading (the leaderboard's SpeedometerReader)."""
    yaw = math.radians(hero.yaw_deg)
    return {"speed": float(hero.vx_mps * math.cos(yaw) + hero.vy_mps * math.sin(yaw))}


def compass_rad(forward: Sequence[float]) -> float:
    """CARLA's IMU compass for a forward vector: angle from north (world -y), clockwise, in [0, 2*pi) [rad]."""
    norm = math.hypot(forward[0], forward[1])
    if norm == 0.0:
        return 0.0
    fx, fy = forward[0] / norm, forward[1] / norm
    dot = -fy  # north is (0, -1, 0)
    if dot >= 1.0:
        return 0.0
    angle = math.acos(max(-1.0, dot))
    return 2.0 * math.pi - angle if fx < 0.0 else angle


def imu_reading(hero: ActorState, mount: SensorMount, rng: np.random.Generator | None = None) -> np.ndarray:
    """`[ax, ay, az, gx, gy, gz, compass]` (float64) of an IMU on the hero; see the module docstring."""
    # the sensor's world rotation on a level vehicle: yaws add, pitch and roll are the mount's
    axes = rotation_axes(mount.roll, mount.pitch, hero.yaw_deg + mount.yaw)
    accel = axes @ np.array([hero.ax_mps2, hero.ay_mps2, GRAVITY_MPS2])
    # body angular velocity (0, 0, yaw rate) rotated by the mount's rotation, as CARLA does
    up_rel = rotation_axes(mount.roll, mount.pitch, mount.yaw)[2]
    gyro = up_rel * math.radians(hero.yaw_rate_dps)
    if rng is not None:
        accel = accel + rng.normal(0.0, IMU_ACCEL_NOISE_STD_MPS2)
        gyro = gyro + rng.normal(0.0, IMU_GYRO_NOISE_STD_RPS)
    return np.array([*accel, *gyro, compass_rad(axes[0])], dtype=np.float64)


def gnss_reading(
    hero: ActorState, mount: SensorMount, geo: GeoReference, rng: np.random.Generator | None = None
) -> np.ndarray:
    """`[lat, lon, alt]` (float64) [deg, deg, m] of a GNSS receiver on the hero."""
    gps = location_to_gps(sensor_location(hero, mount), geo)
    reading = np.array([gps["lat"], gps["lon"], gps["z"]], dtype=np.float64)
    if rng is not None:
        reading = reading + rng.normal(0.0, GNSS_NOISE_STD)
    return reading


@dataclass
class SensorReader:
    """One sensor of the suite: what it is, where it sits, and when it reads (period None: every tick)."""

    sensor_id: str
    sensor_type: str
    mount: SensorMount
    period_s: float | None = None
    _last_read_s: float | None = field(default=None, repr=False)

    def due(self, game_time_s: float) -> bool:
        """Whether the reader sends at this game time (always at its first tick)."""
        if self.period_s is None or self._last_read_s is None:
            return True
        return game_time_s - self._last_read_s >= self.period_s - 1e-6

    def mark_read(self, game_time_s: float) -> None:
        self._last_read_s = game_time_s


_MOUNT_KEYS = {
    "sensor.other.gnss": ("x", "y", "z"),
    "sensor.other.imu": ("x", "y", "z", "roll", "pitch", "yaw"),
    "sensor.speedometer": (),
    "sensor.opendrive_map": (),
}


class SensorSuite:
    """The readers of an agent's (validated) sensor specs; builds each tick's `input_data`.

    `opendrive`: the map's OpenDRIVE text (sent by `sensor.opendrive_map`, and the GNSS reference);
    `rng`: when given, the leaderboard's GNSS and IMU noise is added with it.
    """

    def __init__(
        self,
        sensors: Sequence[Mapping[str, Any]],
        opendrive: str,
        convention: Convention | str = Convention.V2_X,
        rng: np.random.Generator | None = None,
        geo: GeoReference | None = None,
    ) -> None:
        validate_embedded_sensors(sensors)
        self.convention = Convention.parse(convention)
        self.opendrive = opendrive
        self.geo = geo if geo is not None else GeoReference.from_opendrive(opendrive)
        self.rng = rng
        self.readers = [self._reader(spec) for spec in sensors]

    def _reader(self, spec: Mapping[str, Any]) -> SensorReader:
        sensor_type = spec["type"]
        mount = SensorMount.from_spec(spec, _MOUNT_KEYS[sensor_type])
        period_s = None
        if sensor_type == "sensor.opendrive_map" and self.convention is Convention.V1_0:
            frequency = spec.get("reading_frequency")
            if not isinstance(frequency, int | float) or frequency <= 0:
                raise SensorConfigurationInvalid(
                    f"Sensor '{spec['id']}' (sensor.opendrive_map) needs a positive 'reading_frequency' [Hz] "
                    f"under leaderboard 1.0, got {frequency!r}"
                )
            period_s = 1.0 / float(frequency)
        return SensorReader(str(spec["id"]), sensor_type, mount, period_s)

    def register(self, sensor_interface: Any) -> None:
        """Declare every sensor on an agent's `sensor_interface` (the twin's or the leaderboard's)."""
        for reader in self.readers:
            sensor_interface.register_sensor(reader.sensor_id, reader.sensor_type, reader)

    def input_data(self, hero: ActorState, frame: int, game_time_s: float) -> dict[str, tuple[int, Any]]:
        """`{sensor_id: (frame, data)}` for this tick (readers not due this tick are absent)."""
        data: dict[str, tuple[int, Any]] = {}
        for reader in self.readers:
            if not reader.due(game_time_s):
                continue
            reader.mark_read(game_time_s)
            data[reader.sensor_id] = (frame, self._read(reader, hero))
        return data

    def _read(self, reader: SensorReader, hero: ActorState) -> Any:
        if reader.sensor_type == "sensor.speedometer":
            return speedometer_reading(hero)
        if reader.sensor_type == "sensor.other.imu":
            return imu_reading(hero, reader.mount, self.rng)
        if reader.sensor_type == "sensor.other.gnss":
            return gnss_reading(hero, reader.mount, self.geo, self.rng)
        return {"opendrive": self.opendrive}
