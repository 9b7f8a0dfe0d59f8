"""The AutonomousAgent twin: construction per convention, __call__, the sensor interface and the clock."""

from __future__ import annotations

import carla
import pytest

from leaderboard_adapter.autoagents.autonomous_agent import AutonomousAgent, Track, constructing_under
from leaderboard_adapter.autoagents.game_time import GameTime, Timestamp
from leaderboard_adapter.autoagents.sensor_interface import (
    SensorConfigurationInvalid,
    SensorInterface,
    SensorReceivedNoData,
)


class SetupCounting(AutonomousAgent):
    def setup(self, path_to_conf_file):
        self.setup_args = [*getattr(self, "setup_args", []), path_to_conf_file]
        self.track = Track.MAP

    def run_step(self, input_data, timestamp):
        self.seen = (input_data, timestamp)
        control = carla.VehicleControl(throttle=0.3, steer=-0.2)
        control.manual_gear_shift = True
        return control


def test_2x_construction_does_not_call_setup():
    agent = SetupCounting("localhost", 2000, debug=True)
    assert not hasattr(agent, "setup_args")
    assert agent.track is Track.SENSORS
    assert agent._global_plan is None and agent._global_plan_world_coord is None
    assert isinstance(agent.sensor_interface, SensorInterface) and agent.wallclock_t0 is None


def test_1_0_construction_calls_setup_with_the_config_path():
    with constructing_under("1.0"):
        agent = SetupCounting("/tmp/agent.yaml")
    assert agent.setup_args == ["/tmp/agent.yaml"] and agent.track is Track.MAP


def test_call_reads_interface_and_clock_and_forces_automatic_gears():
    GameTime.restart()
    agent = SetupCounting("localhost", 2000)
    agent.sensor_interface.register_sensor("speed", "sensor.speedometer", None)
    GameTime.on_carla_tick(Timestamp(frame=7, delta_seconds=0.05))
    agent.sensor_interface.update_sensor("speed", {"speed": 3.0}, 7)
    control = agent()
    assert control.manual_gear_shift is False and control.throttle == pytest.approx(0.3)
    assert agent.seen == ({"speed": (7, {"speed": 3.0})}, pytest.approx(0.05))
    GameTime.on_carla_tick(Timestamp(frame=9, delta_seconds=0.05))
    assert GameTime.get_time() == pytest.approx(0.15) and GameTime.get_frame() == 9


def test_sensor_interface_names_the_silent_sensor_but_waits_for_no_opendrive():
    interface = SensorInterface()
    interface.register_sensor("gps", "sensor.other.gnss", None)
    interface.register_sensor("hd", "sensor.opendrive_map", None)
    interface.update_sensor("gps", [1.0, 2.0, 3.0], 4)
    assert interface.get_data(4) == {"gps": (4, [1.0, 2.0, 3.0])}
    with pytest.raises(SensorReceivedNoData, match="gps"):
        interface.get_data(5)  # the frame-4 reading was consumed
    with pytest.raises(SensorConfigurationInvalid, match=r"Duplicated sensor tag \[gps\]"):
        interface.register_sensor("gps", "sensor.other.gnss", None)
    with pytest.raises(SensorConfigurationInvalid, match=r"\[lidar\] has not been created"):
        interface.update_sensor("lidar", [], 5)


def test_game_time_ignores_old_frames_and_frame_zero():
    GameTime.restart()
    GameTime.on_carla_tick(Timestamp(frame=0, delta_seconds=0.05))
    assert GameTime.get_time() == 0.0
    GameTime.on_carla_tick(Timestamp(frame=10, delta_seconds=0.05))
    GameTime.on_carla_tick(Timestamp(frame=10, delta_seconds=0.05))
    GameTime.on_carla_tick(Timestamp(frame=3, delta_seconds=0.05))
    assert GameTime.get_time() == pytest.approx(0.05) and GameTime.get_frame() == 10
