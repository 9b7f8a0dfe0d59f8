"""Loading agent files by path, constructing them per convention, checks, stepping and destroying."""

from __future__ import annotations

import pytest

from leaderboard_adapter.autoagents.agent_loader import (
    AgentLoadError,
    AgentRuntimeError,
    AgentSetupError,
    load_agent,
    load_agent_class,
)
from leaderboard_adapter.autoagents.autonomous_agent import Track
from leaderboard_adapter.autoagents.sensor_interface import SensorConfigurationInvalid
from leaderboard_adapter.autoagents.sensors import EmbeddedSensorUnsupported

GNSS = {"type": "sensor.other.gnss", "x": 0.0, "y": 0.0, "z": 0.0, "id": "GPS"}
SPEED = {"type": "sensor.speedometer", "reading_frequency": 20, "id": "SPEED"}
HD_MAP = {"type": "sensor.opendrive_map", "reading_frequency": 1, "id": "HD"}
CAMERA = {"type": "sensor.camera.rgb", "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0.0, "pitch": 0.0, "yaw": 0.0,
          "width": 800, "height": 600, "fov": 100, "id": "Center"}


@pytest.fixture
def plan(route_along, plan_for):
    return plan_for(route_along([(0, 0), (300, 0)]))


def _load(path, plan, xodr, **kwargs):
    gps_plan, world_plan = plan
    kwargs.setdefault("convention", "2.x")
    kwargs.setdefault("track", "MAP")
    return load_agent(path, global_plan_gps=gps_plan, global_plan_world_coord=world_plan, opendrive=xodr, **kwargs)


def test_2x_sets_the_plan_before_setup(agent_file, write_config, plan, xodr):
    loaded = _load(agent_file("lbtest_recording_agent.py"), plan, xodr, config_path=write_config("MAP", [GNSS]))
    assert loaded.agent.calls == ["set_global_plan", "setup", "sensors"]
    assert loaded.agent.plan_seen_in_setup is True
    assert len(loaded.agent._global_plan) == 3  # 0, 202, 300 with the 2.x 200 m sampling
    assert loaded.sensor_specs == [GNSS]


def test_1_0_runs_setup_in_the_constructor_then_checks_then_plan(agent_file, write_config, plan, xodr):
    loaded = _load(agent_file("lbtest_recording_agent.py"), plan, xodr, convention="1.0",
                   config_path=write_config("MAP", [GNSS]))
    assert loaded.agent.calls == ["setup", "sensors", "set_global_plan"]
    assert loaded.agent.plan_seen_in_setup is False
    assert len(loaded.agent._global_plan) == 7  # 0, 52, ..., 260, 300 with the 1.0 50 m sampling


def test_legacy_init_signature_loads_under_1_0(agent_file, plan, xodr):
    loaded = _load(agent_file("lbtest_legacy_agent.py"), plan, xodr, convention="1.0", track="SENSORS",
                   config_path="legacy.yaml")
    agent = loaded.agent
    assert agent.init_argument == agent.setup_argument == "legacy.yaml"
    assert agent.calls == ["__init__", "setup", "set_global_plan"]
    assert agent.track is Track.SENSORS


def test_step_feeds_sensor_interface_and_returns_control(agent_file, write_config, plan, xodr, make_hero):
    loaded = _load(agent_file("lbtest_recording_agent.py"), plan, xodr, config_path=write_config("MAP", [GNSS, SPEED, HD_MAP]))
    control = loaded.step(make_hero(speed=4.0), frame=1)
    control2 = loaded.step(make_hero(speed=4.5), frame=2)
    assert control.throttle == pytest.approx(0.5) and control.manual_gear_shift is False
    assert control2.manual_gear_shift is False
    (first, t1), (second, t2) = loaded.agent.inputs
    assert set(first) == {"GPS", "SPEED", "HD"} and first["SPEED"] == (1, {"speed": pytest.approx(4.0)})
    assert second["SPEED"] == (2, {"speed": pytest.approx(4.5)})
    assert (t1, t2) == (pytest.approx(0.05), pytest.approx(0.10))
    with pytest.raises(ValueError, match="frame must be at least 1 and increase"):
        loaded.step(make_hero(), frame=2)


def test_run_step_forces_automatic_gears(agent_file, write_config, plan, xodr):
    loaded = _load(agent_file("lbtest_recording_agent.py"), plan, xodr, config_path=write_config("MAP", []))
    assert loaded.run_step({}, 0.5).manual_gear_shift is False


def test_destroy_calls_the_agent_once(agent_file, write_config, plan, xodr, make_hero):
    loaded = _load(agent_file("lbtest_recording_agent.py"), plan, xodr, config_path=write_config("MAP", []))
    loaded.destroy()
    loaded.destroy()
    assert loaded.agent.calls.count("destroy") == 1
    with pytest.raises(AgentRuntimeError, match="destroyed"):
        loaded.step(make_hero(), frame=1)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(AgentLoadError, match="Agent file not found: .*nowhere_agent.py"):
        load_agent_class(tmp_path / "nowhere_agent.py")


def test_non_python_file_is_refused(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text("x: 1")
    with pytest.raises(AgentLoadError, match=r"must be a \.py file"):
        load_agent_class(path)


def test_import_error_shows_the_traceback(agent_file):
    with pytest.raises(AgentLoadError) as info:
        load_agent_class(agent_file("lbtest_raising_import.py"))
    message = str(info.value)
    assert "Importing agent file" in message and "RuntimeError: boom while importing the agent" in message
    assert "Traceback" in message and "_explode" in message


def test_missing_entry_point_is_named(agent_file):
    with pytest.raises(AgentLoadError, match=r"defines no get_entry_point\(\) function"):
        load_agent_class(agent_file("lbtest_no_entry_point.py"))


def test_entry_point_naming_a_missing_class_lists_the_classes(agent_file):
    with pytest.raises(AgentLoadError, match=r"returned 'MissingAgent', but the file defines no such class \(classes found: .*PresentAgent"):
        load_agent_class(agent_file("lbtest_bad_class.py"))


def test_module_name_taken_by_another_module_is_named(tmp_path):
    path = tmp_path / "json.py"
    path.write_text("def get_entry_point():\n    return 'X'\n")
    with pytest.raises(AgentLoadError, match="as 'json': that name is already taken by .*json"):
        load_agent_class(path)


def test_setup_raising_is_wrapped_with_the_step(agent_file, plan, xodr):
    with pytest.raises(AgentSetupError, match=r"RaisingSetupAgent raised KeyError in setup: 'missing_model_weights'"):
        _load(agent_file("lbtest_raising_setup.py"), plan, xodr)


def test_wrong_track_is_refused_and_agent_destroyed(agent_file, write_config, plan, xodr):
    with pytest.raises(SensorConfigurationInvalid, match=r"wrong track \[Track.MAP\]"):
        _load(agent_file("lbtest_recording_agent.py"), plan, xodr, track="MAP", config_path=write_config("SENSORS", [GNSS]))
    import lbtest_recording_agent

    assert lbtest_recording_agent.INSTANCES[-1].calls[-1] == "destroy"


def test_camera_is_refused_by_the_embedded_world(agent_file, write_config, plan, xodr):
    with pytest.raises(EmbeddedSensorUnsupported, match="Sensor 'Center' of type 'sensor.camera.rgb'.*renders no images"):
        _load(agent_file("lbtest_recording_agent.py"), plan, xodr, config_path=write_config("MAP", [GNSS, CAMERA]))


def test_sensor_too_far_is_refused(agent_file, write_config, plan, xodr):
    far = {**GNSS, "x": 0.0, "y": 0.0, "z": 3.5}
    with pytest.raises(SensorConfigurationInvalid, match="sensor 'GPS'. Max allowed radius is 3.0m"):
        _load(agent_file("lbtest_recording_agent.py"), plan, xodr, config_path=write_config("MAP", [far]))


def test_unknown_convention_is_named(agent_file, plan, xodr):
    with pytest.raises(ValueError, match="Unknown leaderboard convention '3.0'"):
        _load(agent_file("lbtest_recording_agent.py"), plan, xodr, convention="3.0")
