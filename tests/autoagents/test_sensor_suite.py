"""Sensor validation as the leaderboard does it, the embedded-world refusals, and input_data in its format."""

from __future__ import annotations

import math

import numpy as np
import pytest

from leaderboard_adapter.autoagents.autonomous_agent import Track
from leaderboard_adapter.autoagents.gps import GeoReference, location_to_gps
from leaderboard_adapter.autoagents.sensor_interface import SensorConfigurationInvalid
from leaderboard_adapter.autoagents.sensors import (
    EmbeddedSensorUnsupported,
    SensorMount,
    SensorSuite,
    imu_reading,
    sensor_location,
    validate_embedded_sensors,
    validate_sensor_configuration,
)

GNSS = {"type": "sensor.other.gnss", "x": 0.0, "y": 0.0, "z": 0.0, "id": "GPS"}
IMU = {"type": "sensor.other.imu", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0.0, "pitch": 0.0, "yaw": 0.0, "id": "IMU"}
SPEED = {"type": "sensor.speedometer", "reading_frequency": 20, "id": "SPEED"}
HD_MAP = {"type": "sensor.opendrive_map", "reading_frequency": 1, "id": "HD"}
CAMERA = {"type": "sensor.camera.rgb", "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0.0, "pitch": 0.0, "yaw": 0.0,
          "width": 800, "height": 600, "fov": 100, "id": "Center"}


def test_valid_map_suite_passes():
    validate_sensor_configuration([GNSS, IMU, SPEED, HD_MAP], Track.MAP, "MAP")
    validate_embedded_sensors([GNSS, IMU, SPEED, HD_MAP])


def test_wrong_track_uses_the_leaderboard_message():
    with pytest.raises(SensorConfigurationInvalid, match=r"You are submitting to the wrong track \[Track.MAP\]!"):
        validate_sensor_configuration([GNSS], Track.SENSORS, "MAP")


def test_unknown_track_name_is_named():
    with pytest.raises(ValueError, match="Unknown track 'HD'"):
        validate_sensor_configuration([GNSS], Track.MAP, "HD")


def test_duplicated_ids_refused():
    with pytest.raises(SensorConfigurationInvalid, match=r"Duplicated sensor tag \[GPS\]"):
        validate_sensor_configuration([GNSS, {**IMU, "id": "GPS"}], Track.MAP, "MAP")


def test_opendrive_map_refused_on_sensors_track():
    with pytest.raises(SensorConfigurationInvalid, match=r"Illegal sensor 'sensor.opendrive_map' used for Track \[Track.SENSORS\]"):
        validate_sensor_configuration([HD_MAP], Track.SENSORS, "SENSORS")


def test_sensor_beyond_three_metres_refused_naming_it():
    far = {**GNSS, "x": 2.5, "z": 2.0}  # 3.2 m from the origin
    with pytest.raises(SensorConfigurationInvalid, match=r"sensor 'GPS'\. Max allowed radius is 3.0m"):
        validate_sensor_configuration([far], Track.MAP, "MAP")


def test_unknown_type_and_too_many_refused():
    with pytest.raises(SensorConfigurationInvalid, match=r"Illegal sensor 'sensor.camera.depth'"):
        validate_sensor_configuration([{**CAMERA, "type": "sensor.camera.depth"}], Track.MAP, "MAP")
    with pytest.raises(SensorConfigurationInvalid, match=r"Too many sensor.other.gnss used! Maximum number allowed is 1, but 2"):
        validate_sensor_configuration([GNSS, {**GNSS, "id": "GPS2"}], Track.MAP, "MAP")


def test_qualifier_and_1_0_limits_are_tighter():
    cameras = [{**CAMERA, "id": f"cam{i}"} for i in range(5)]
    validate_sensor_configuration(cameras, Track.SENSORS, "SENSORS")  # 2.x allows 8
    with pytest.raises(SensorConfigurationInvalid, match="Maximum number allowed is 4, but 5"):
        validate_sensor_configuration(cameras, Track.SENSORS_QUALIFIER, "SENSORS_QUALIFIER")
    with pytest.raises(SensorConfigurationInvalid, match="Maximum number allowed is 4, but 5"):
        validate_sensor_configuration(cameras, Track.SENSORS, "SENSORS", convention="1.0")


def test_spec_without_id_is_named():
    with pytest.raises(SensorConfigurationInvalid, match=r"sensors\(\)\[1\] has no 'id'"):
        validate_sensor_configuration([GNSS, {"type": "sensor.speedometer"}], Track.MAP, "MAP")


@pytest.mark.parametrize("spec", [CAMERA, {**CAMERA, "type": "sensor.lidar.ray_cast", "id": "LIDAR"},
                                  {**CAMERA, "type": "sensor.other.radar", "id": "RADAR"}])
def test_embedded_world_refuses_rendering_sensors_naming_them(spec, xodr):
    with pytest.raises(EmbeddedSensorUnsupported, match=rf"Sensor '{spec['id']}' of type '{spec['type']}'.*renders no images"):
        validate_embedded_sensors([GNSS, spec])
    with pytest.raises(EmbeddedSensorUnsupported, match="renders no images"):
        SensorSuite([spec], xodr)


def test_input_data_format(make_hero, xodr):
    suite = SensorSuite([GNSS, IMU, SPEED, HD_MAP], xodr)
    hero = make_hero(x=100.0, y=-50.0, yaw=0.0, speed=5.0, z=0.5, ax_mps2=1.5, yaw_rate_dps=10.0)
    data = suite.input_data(hero, frame=12, game_time_s=0.6)
    assert set(data) == {"GPS", "IMU", "SPEED", "HD"}
    assert all(frame == 12 for frame, _ in data.values())

    gnss = data["GPS"][1]
    assert isinstance(gnss, np.ndarray) and gnss.dtype == np.float64 and gnss.shape == (3,)
    expected = location_to_gps(sensor_location(hero, SensorMount()), GeoReference(49.0, 8.0))
    assert gnss.tolist() == pytest.approx([expected["lat"], expected["lon"], 0.5])
    assert gnss[0] > 49.0 and gnss[1] > 8.0  # north (-y) and east (+x) of the origin

    imu = data["IMU"][1]
    assert isinstance(imu, np.ndarray) and imu.dtype == np.float64 and imu.shape == (7,)
    assert imu.tolist() == pytest.approx([1.5, 0.0, 9.81, 0.0, 0.0, math.radians(10.0), math.pi / 2], abs=1e-6)

    assert data["SPEED"][1] == {"speed": pytest.approx(5.0)}
    assert data["HD"][1] == {"opendrive": xodr}


@pytest.mark.parametrize(("yaw", "compass"), [(0.0, math.pi / 2), (90.0, math.pi), (180.0, 3 * math.pi / 2),
                                              (-90.0, 0.0), (-45.0, math.pi / 4)])
def test_compass_is_yaw_plus_90_degrees_from_north(make_hero, yaw, compass):
    assert imu_reading(make_hero(yaw=yaw), SensorMount())[6] == pytest.approx(compass, abs=1e-5)


def test_imu_acceleration_is_in_the_vehicle_frame(make_hero):
    # heading south (yaw 90), accelerating forward (world +y) and turning: lateral acc to the right (world -x)
    reading = imu_reading(make_hero(yaw=90.0, ax_mps2=-2.0, ay_mps2=3.0), SensorMount())
    assert reading[:3].tolist() == pytest.approx([3.0, 2.0, 9.81], abs=1e-5)


def test_reversing_speed_is_negative(make_hero, xodr):
    suite = SensorSuite([SPEED], xodr)
    data = suite.input_data(make_hero(yaw=30.0, speed=-2.0), frame=1, game_time_s=0.05)
    assert data["SPEED"][1]["speed"] == pytest.approx(-2.0)


def test_gnss_offset_rotates_with_the_vehicle(make_hero):
    location = sensor_location(make_hero(x=10.0, y=20.0, yaw=90.0), SensorMount(x=1.0, y=0.5, z=1.6))
    assert (location.x, location.y, location.z) == pytest.approx((9.5, 21.0, 1.6))


def test_opendrive_reading_frequency_in_1_0_and_every_tick_in_2x(make_hero, xodr):
    ticks = [(f, round(f * 0.05, 10)) for f in range(1, 62)]
    v1 = SensorSuite([SPEED, HD_MAP], xodr, convention="1.0")
    sent_v1 = [f for f, t in ticks if "HD" in v1.input_data(make_hero(), f, t)]
    assert sent_v1 == [1, 21, 41, 61]  # first tick, then every 1 s (reading_frequency 1 Hz)
    v2 = SensorSuite([SPEED, HD_MAP], xodr, convention="2.x")
    assert all("HD" in v2.input_data(make_hero(), f, t) and "SPEED" in v2.input_data(make_hero(), f, t) for f, t in ticks)


def test_1_0_opendrive_without_frequency_is_named(xodr):
    with pytest.raises(SensorConfigurationInvalid, match="needs a positive 'reading_frequency'"):
        SensorSuite([{"type": "sensor.opendrive_map", "id": "HD"}], xodr, convention="1.0")


def test_imu_without_rotation_keys_is_named(xodr):
    with pytest.raises(SensorConfigurationInvalid, match="lacks 'roll', 'pitch', 'yaw'"):
        SensorSuite([{"type": "sensor.other.imu", "x": 0, "y": 0, "z": 0, "id": "IMU"}], xodr)


def test_noise_only_with_a_generator_and_seeded(make_hero, xodr):
    hero = make_hero(x=5.0)
    clean = SensorSuite([GNSS], xodr).input_data(hero, 1, 0.05)["GPS"][1]
    noisy_a = SensorSuite([GNSS], xodr, rng=np.random.default_rng(3)).input_data(hero, 1, 0.05)["GPS"][1]
    noisy_b = SensorSuite([GNSS], xodr, rng=np.random.default_rng(3)).input_data(hero, 1, 0.05)["GPS"][1]
    assert not np.array_equal(clean, noisy_a) and np.array_equal(noisy_a, noisy_b)
    assert np.abs(noisy_a - clean).max() < 1e-4


@pytest.mark.parametrize("rpy", [(5.0, 10.0, 30.0), (-20.0, 35.0, -120.0), (0.0, 0.0, 90.0)])
def test_rotation_axes_match_carla(rpy):
    import carla

    from leaderboard_adapter.autoagents.sensors import rotation_axes

    roll, pitch, yaw = rpy
    t = carla.Transform(carla.Location(), carla.Rotation(pitch=pitch, yaw=yaw, roll=roll))
    expected = [[v.x, v.y, v.z] for v in (t.get_forward_vector(), t.get_right_vector(), t.get_up_vector())]
    assert rotation_axes(roll, pitch, yaw).tolist() == [pytest.approx(row, abs=1e-6) for row in expected]
