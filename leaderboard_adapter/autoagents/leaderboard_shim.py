"""Makes `from leaderboard.autoagents import autonomous_agent` work: the real leaderboard if importable, else the twin.

`install_leaderboard_shim()` first tries the real package (`leaderboard.autoagents.autonomous_agent`,
which needs scenario_runner's `srunner` and CARLA's `agents` on the path). If that import fails, it
registers the twin modules in `sys.modules` of this process only (nothing is written to disk):

    leaderboard                                   (package)
    leaderboard.autoagents                        (package)
    leaderboard.autoagents.autonomous_agent       -> leaderboard_adapter.autoagents.autonomous_agent
    leaderboard.envs                              (package)
    leaderboard.envs.sensor_interface             -> leaderboard_adapter.autoagents.sensor_interface
    leaderboard.utils                             (package)
    leaderboard.utils.route_manipulation          (downsample_route, _location_to_gps, location_route_to_gps)

The twin modules are the very module objects of this package, so `Track` and `AutonomousAgent` are
the same objects whichever name imported them.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import inspect
import logging
import sys
import types
from typing import Any

from leaderboard_adapter.autoagents import autonomous_agent as twin_autonomous_agent
from leaderboard_adapter.autoagents import game_time as twin_game_time
from leaderboard_adapter.autoagents import sensor_interface as twin_sensor_interface
from leaderboard_adapter.autoagents.convention import Convention
from leaderboard_adapter.autoagents.downsampling import downsample_route
from leaderboard_adapter.autoagents.gps import GeoReference, location_to_gps
from leaderboard_adapter.routes.road_option import RoadOption

logger = logging.getLogger(__name__)

TWIN_MARKER = "__leaderboard_twin__"
"""Attribute set on every module the shim registers."""

_REAL_MODULE = "leaderboard.autoagents.autonomous_agent"


def _package(name: str, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name, f"Twin of the leaderboard's `{name}` package (leaderboard_adapter.autoagents).")
    module.__path__ = []
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None, is_package=True)
    setattr(module, TWIN_MARKER, True)
    for key, value in attributes.items():
        setattr(module, key, value)
    return module


def _location_to_gps(lat_ref: float, lon_ref: float, location: Any) -> dict[str, float]:
    """The leaderboard's signature of `location_to_gps`."""
    return location_to_gps(location, GeoReference(lat_ref, lon_ref))


def _location_route_to_gps(route: Any, lat_ref: float, lon_ref: float) -> list[tuple[dict[str, float], Any]]:
    """The leaderboard's `location_route_to_gps`: (transform, option) pairs -> (gps dict, option) pairs."""
    geo = GeoReference(lat_ref, lon_ref)
    return [(location_to_gps(transform.location, geo), option) for transform, option in route]


def _route_manipulation_module() -> types.ModuleType:
    name = "leaderboard.utils.route_manipulation"
    module = types.ModuleType(name, "Twin of the leaderboard's route_manipulation (downsampling and GPS).")
    module.__spec__ = importlib.machinery.ModuleSpec(name, loader=None)
    setattr(module, TWIN_MARKER, True)
    module.downsample_route = downsample_route
    module._location_to_gps = _location_to_gps
    module.location_route_to_gps = _location_route_to_gps
    module.RoadOption = RoadOption
    return module


def _twin_modules() -> dict[str, types.ModuleType]:
    for module in (twin_autonomous_agent, twin_sensor_interface):
        setattr(module, TWIN_MARKER, True)
    route_manipulation = _route_manipulation_module()
    autoagents = _package("leaderboard.autoagents", autonomous_agent=twin_autonomous_agent)
    envs = _package("leaderboard.envs", sensor_interface=twin_sensor_interface)
    utils = _package("leaderboard.utils", route_manipulation=route_manipulation)
    return {
        "leaderboard": _package("leaderboard", autoagents=autoagents, envs=envs, utils=utils),
        "leaderboard.autoagents": autoagents,
        "leaderboard.autoagents.autonomous_agent": twin_autonomous_agent,
        "leaderboard.envs": envs,
        "leaderboard.envs.sensor_interface": twin_sensor_interface,
        "leaderboard.utils": utils,
        "leaderboard.utils.route_manipulation": route_manipulation,
    }


def _leaderboard_entries() -> list[str]:
    return [name for name in sys.modules if name == "leaderboard" or name.startswith("leaderboard.")]


def _twin_installed() -> bool:
    module = sys.modules.get(_REAL_MODULE)
    return module is not None and getattr(module, TWIN_MARKER, False)


def install_leaderboard_shim() -> type:
    """Make `leaderboard.autoagents.autonomous_agent` importable; returns the `AutonomousAgent` base in use."""
    if _twin_installed():
        return twin_autonomous_agent.AutonomousAgent
    try:
        real = importlib.import_module(_REAL_MODULE)
    except ImportError as exc:
        logger.info("Real leaderboard not importable (%s): installing the twin in sys.modules", exc)
        for name in _leaderboard_entries():  # a half-imported real package must not linger
            del sys.modules[name]
        sys.modules.update(_twin_modules())
        return twin_autonomous_agent.AutonomousAgent
    return real.AutonomousAgent


def uninstall_leaderboard_shim() -> None:
    """Remove the twin's `leaderboard*` entries from `sys.modules` (a real leaderboard's are left alone)."""
    for name in _leaderboard_entries():
        if getattr(sys.modules[name], TWIN_MARKER, False):
            del sys.modules[name]


def uses_real_leaderboard() -> bool:
    """Whether the installed `leaderboard.autoagents.autonomous_agent` is the real one (installs the shim)."""
    install_leaderboard_shim()
    return not _twin_installed()


def autonomous_agent_module() -> types.ModuleType:
    """The `leaderboard.autoagents.autonomous_agent` module in use (installs the shim)."""
    install_leaderboard_shim()
    return sys.modules[_REAL_MODULE]


def autonomous_agent_base() -> type:
    """The `AutonomousAgent` base class in use (installs the shim)."""
    return install_leaderboard_shim()


def track_enum() -> type:
    """The `Track` enum in use (installs the shim)."""
    return autonomous_agent_module().Track


def base_convention() -> Convention | None:
    """The convention the base's `__init__` follows; None for the twin, which constructs under either."""
    base = install_leaderboard_shim()
    if base is twin_autonomous_agent.AutonomousAgent:
        return None
    params = list(inspect.signature(base.__init__).parameters)
    return Convention.V1_0 if "path_to_conf_file" in params else Convention.V2_X


def game_time_class() -> Any:
    """The GameTime the base's `__call__` reads: srunner's with the real leaderboard, else the twin."""
    if uses_real_leaderboard():
        return importlib.import_module("srunner.scenariomanager.timer").GameTime
    return twin_game_time.GameTime


def road_option_type() -> type:
    """The RoadOption enum the base's downsampling compares with: CARLA's `agents` one with the real leaderboard."""
    if uses_real_leaderboard():
        try:
            return importlib.import_module("agents.navigation.local_planner").RoadOption
        except ImportError:
            return RoadOption
    return RoadOption
