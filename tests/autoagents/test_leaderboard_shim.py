"""The shim: leaderboard-style imports work without the leaderboard, and a real leaderboard wins when present."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from leaderboard_adapter.autoagents import autonomous_agent as twin
from leaderboard_adapter.autoagents.leaderboard_shim import (
    autonomous_agent_base,
    base_convention,
    install_leaderboard_shim,
    road_option_type,
    track_enum,
    uninstall_leaderboard_shim,
    uses_real_leaderboard,
)
from leaderboard_adapter.routes.road_option import RoadOption


def test_agent_style_imports_resolve_to_the_twin():
    assert install_leaderboard_shim() is twin.AutonomousAgent
    from leaderboard.autoagents import autonomous_agent

    assert autonomous_agent is twin
    assert autonomous_agent.Track.MAP is twin.Track.MAP and autonomous_agent.Track.MAP.value == "MAP"
    assert {t.name for t in autonomous_agent.Track} == {"SENSORS", "MAP", "SENSORS_QUALIFIER", "MAP_QUALIFIER"}
    import leaderboard.autoagents.autonomous_agent as by_dotted_name
    from leaderboard.envs.sensor_interface import SensorInterface
    from leaderboard.utils.route_manipulation import downsample_route

    assert by_dotted_name is twin
    assert SensorInterface is twin.SensorInterface
    assert callable(downsample_route)
    assert not uses_real_leaderboard() and base_convention() is None
    assert track_enum() is twin.Track and road_option_type() is RoadOption


def test_route_manipulation_twin_keeps_the_leaderboard_signature():
    import carla
    from leaderboard.utils.route_manipulation import _location_to_gps

    gps = _location_to_gps(42.0, 2.0, carla.Location(1000.0, -1000.0, 0.0))
    assert gps["lat"] == pytest.approx(42.00898251875671, abs=1e-12)


@pytest.fixture
def fake_real_leaderboard(tmp_path: Path):
    """A stand-in for the real `leaderboard` package (1.0-style __init__) on sys.path; cleans up after."""
    package = tmp_path / "leaderboard" / "autoagents"
    package.mkdir(parents=True)
    (tmp_path / "leaderboard" / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "autonomous_agent.py").write_text(textwrap.dedent("""
        from enum import Enum
        REAL = True
        class Track(Enum):
            SENSORS = 'SENSORS'
            MAP = 'MAP'
        class AutonomousAgent(object):
            def __init__(self, path_to_conf_file):
                self.track = Track.SENSORS
    """))
    uninstall_leaderboard_shim()
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    yield tmp_path
    for name in [n for n in sys.modules if n == "leaderboard" or n.startswith("leaderboard.")]:
        del sys.modules[name]
    sys.path.remove(str(tmp_path))
    install_leaderboard_shim()


def test_real_leaderboard_is_used_when_importable(fake_real_leaderboard):
    base = install_leaderboard_shim()
    from leaderboard.autoagents import autonomous_agent

    assert getattr(autonomous_agent, "REAL", False)
    assert base is autonomous_agent.AutonomousAgent and base is not twin.AutonomousAgent
    assert autonomous_agent_base() is base
    assert uses_real_leaderboard()
    assert base_convention() == "1.0"


def test_half_importable_leaderboard_falls_back_to_the_twin(fake_real_leaderboard):
    module = fake_real_leaderboard / "leaderboard" / "autoagents" / "autonomous_agent.py"
    module.write_text("import srunner_that_is_not_installed\n")
    assert install_leaderboard_shim() is twin.AutonomousAgent
    assert sys.modules["leaderboard"].__path__ == []  # the twin package, not the half-imported real one
    from leaderboard.autoagents import autonomous_agent

    assert autonomous_agent is twin
