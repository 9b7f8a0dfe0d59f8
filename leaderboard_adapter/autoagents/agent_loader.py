"""Loading a leaderboard agent file by path and driving it: construction per convention, checks, steps, cleanup.

As the leaderboard evaluator: the file's folder goes first on `sys.path`, the file is imported by
its base name, and `get_entry_point()` names the agent class. Construction then follows the
agent's convention:

- "2.x": `cls(host, port, debug)`, `set_global_plan(gps, world)`, `setup(config)`; then the track and
  sensor checks (the plan is known inside `setup`).
- "1.0": `cls(config)` (which calls `setup`), the track and sensor checks, then `set_global_plan`.

Errors name the problem: `AgentLoadError` (file, import, entry point), `AgentSetupError` (the agent
raised while being set up), `SensorConfigurationInvalid` (wrong track, sensors the leaderboard
refuses; `EmbeddedSensorUnsupported` for sensors the embedded world cannot simulate) and
`AgentRuntimeError` (the agent raised while driving, the leaderboard's AgentError).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import carla
import numpy as np

from leaderboard_adapter.autoagents.autonomous_agent import constructing_under
from leaderboard_adapter.autoagents.convention import Convention
from leaderboard_adapter.autoagents.game_time import Timestamp
from leaderboard_adapter.autoagents.leaderboard_shim import (
    base_convention,
    game_time_class,
    install_leaderboard_shim,
)
from leaderboard_adapter.autoagents.sensors import SensorSuite, validate_sensor_configuration
from leaderboard_adapter.tick import TICK_S
from leaderboard_adapter.world_view import ActorState

logger = logging.getLogger(__name__)

AGENT_FILE_MARKER = "__leaderboard_agent_file__"
"""Attribute set on modules imported by `import_agent_module` (their resolved file path)."""


class AgentLoadError(Exception):
    """The agent file cannot be found, imported, or does not name a class through `get_entry_point()`."""


class AgentSetupError(Exception):
    """The agent raised while being constructed, given its plan, set up, or asked for its sensors."""


class AgentRuntimeError(Exception):
    """The agent raised or returned something other than a `carla.VehicleControl` while driving."""


def _traceback_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def import_agent_module(path: str | Path) -> ModuleType:
    """Import the agent file at `path` as the leaderboard does (folder on `sys.path`, import by base name)."""
    file = Path(path)
    if not file.exists():
        raise AgentLoadError(f"Agent file not found: {file}")
    if not file.is_file() or file.suffix != ".py":
        raise AgentLoadError(f"Agent file must be a .py file: {file}")
    file = file.resolve()
    module_name = file.name.split(".")[0]
    if not module_name.isidentifier():
        raise AgentLoadError(f"Agent file name {file.name!r} is not importable: {module_name!r} is not a Python name")

    existing = sys.modules.get(module_name)
    if existing is not None:
        if getattr(existing, AGENT_FILE_MARKER, None) == str(file):
            return existing
        if getattr(existing, AGENT_FILE_MARKER, None) is None:
            raise AgentLoadError(
                f"Cannot import agent file {file} as {module_name!r}: that name is already taken by "
                f"{getattr(existing, '__file__', None) or 'a built-in module'}; rename the agent file"
            )
        del sys.modules[module_name]  # another agent file with the same base name

    folder = str(file.parent)
    if sys.path[:1] != [folder]:
        sys.path.insert(0, folder)
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise AgentLoadError(
            f"Importing agent file {file} failed with {type(exc).__name__}: {exc}\n{_traceback_text(exc)}"
        ) from exc
    module_file = getattr(module, "__file__", None)
    if module_file is None or Path(module_file).resolve() != file:
        raise AgentLoadError(
            f"Importing {module_name!r} for agent file {file} found {module_file or 'a built-in module'} instead; "
            "rename the agent file"
        )
    setattr(module, AGENT_FILE_MARKER, str(file))
    return module


def agent_class_from_module(module: ModuleType) -> type:
    """The class named by the module's `get_entry_point()`."""
    where = getattr(module, AGENT_FILE_MARKER, module.__name__)
    entry_point = getattr(module, "get_entry_point", None)
    if not callable(entry_point):
        raise AgentLoadError(
            f"Agent file {where} defines no get_entry_point() function: the leaderboard calls it to learn "
            "the name of the agent class"
        )
    try:
        class_name = entry_point()
    except Exception as exc:
        raise AgentLoadError(f"get_entry_point() of {where} raised {type(exc).__name__}: {exc}\n{_traceback_text(exc)}") from exc
    if not isinstance(class_name, str):
        raise AgentLoadError(f"get_entry_point() of {where} must return the agent class name as a str, got {class_name!r}")
    cls = getattr(module, class_name, None)
    if cls is None:
        classes = sorted(name for name, value in vars(module).items() if inspect.isclass(value))
        raise AgentLoadError(
            f"get_entry_point() of {where} returned {class_name!r}, but the file defines no such class "
            f"(classes found: {', '.join(classes) or 'none'})"
        )
    if not inspect.isclass(cls):
        raise AgentLoadError(f"get_entry_point() of {where} names {class_name!r}, which is a {type(cls).__name__}, not a class")
    return cls


def load_agent_class(path: str | Path) -> type:
    """Install the leaderboard shim, import the agent file and return its entry-point class."""
    install_leaderboard_shim()
    return agent_class_from_module(import_agent_module(path))


def _call(step: str, cls: type, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:
        raise AgentSetupError(
            f"Agent {cls.__name__} raised {type(exc).__name__} in {step}: {exc}\n{_traceback_text(exc)}"
        ) from exc


def _safe_destroy(agent: Any) -> None:
    try:
        agent.destroy()
    except Exception:
        logger.exception("Agent %s raised in destroy() after a failed setup", type(agent).__name__)


def construct_agent(
    cls: type,
    convention: Convention | str,
    config_path: str,
    global_plan_gps: Sequence[Any],
    global_plan_world_coord: Sequence[Any],
    host: str = "localhost",
    port: int = 2000,
    debug: bool = False,
    between: Callable[[Any], None] | None = None,
) -> Any:
    """Construct `cls` as the evaluator of `convention` does, giving it the plan and the config.

    `between(agent)`, when given, runs where the leaderboard checks track and sensors: after `setup`
    in 2.x, and before `set_global_plan` in 1.0 (there, `setup` ran inside the constructor).
    """
    convention = Convention.parse(convention)
    required = base_convention()
    if required is not None and required is not convention:
        raise AgentLoadError(
            f"The installed leaderboard's AutonomousAgent follows the {required} convention and cannot construct "
            f"a {convention} agent; without the real leaderboard on the path the twin constructs both"
        )
    if convention is Convention.V2_X:
        agent = _call("__init__(carla_host, carla_port, debug)", cls, cls, host, port, debug)
        try:
            _call("set_global_plan", cls, agent.set_global_plan, global_plan_gps, global_plan_world_coord)
            _call("setup", cls, agent.setup, config_path)
            if between is not None:
                between(agent)
        except Exception:
            _safe_destroy(agent)
            raise
        return agent
    with constructing_under(Convention.V1_0):
        agent = _call("__init__(path_to_conf_file)", cls, cls, config_path)
    try:
        if between is not None:
            between(agent)
        _call("set_global_plan", cls, agent.set_global_plan, global_plan_gps, global_plan_world_coord)
    except Exception:
        _safe_destroy(agent)
        raise
    return agent


@dataclass
class LoadedAgent:
    """A constructed, checked agent with its sensor suite registered; `step` it every tick, then `destroy`."""

    agent: Any
    path: Path
    convention: Convention
    track: str
    sensor_specs: list[dict[str, Any]]
    suite: SensorSuite
    last_input_data: dict[str, tuple[int, Any]] = field(default_factory=dict, repr=False)
    _last_frame: int = field(default=0, repr=False)
    _elapsed_s: float = field(default=0.0, repr=False)
    _destroyed: bool = field(default=False, repr=False)

    def step(self, hero: ActorState, frame: int, delta_seconds: float = TICK_S) -> carla.VehicleControl:
        """The agent's control for the tick `frame` (CARLA-style: starting at 1, increasing).

        Advances the leaderboard clock (`GameTime`), pushes this tick's readings into the agent's
        `sensor_interface` and calls the agent (`__call__`, which forces `manual_gear_shift = False`).
        """
        if self._destroyed:
            raise AgentRuntimeError(f"Agent {type(self.agent).__name__} was destroyed; load it again")
        if frame < 1 or frame <= self._last_frame:
            raise ValueError(
                f"frame must be at least 1 and increase every tick (the leaderboard's GameTime ignores frame 0), "
                f"got {frame} after {self._last_frame}"
            )
        if not delta_seconds > 0:
            raise ValueError(f"delta_seconds must be positive, got {delta_seconds}")
        game_time = game_time_class()
        self._elapsed_s += delta_seconds * (frame - self._last_frame)
        game_time.on_carla_tick(Timestamp(frame, delta_seconds, self._elapsed_s))
        self._last_frame = frame

        input_data = self.suite.input_data(hero, frame, game_time.get_time())
        for tag, (data_frame, data) in input_data.items():
            self.agent.sensor_interface.update_sensor(tag, data, data_frame)
        self.last_input_data = input_data
        try:
            control = self.agent()
        except Exception as exc:
            raise AgentRuntimeError(
                f"Agent {type(self.agent).__name__} raised {type(exc).__name__} at frame {frame}: {exc}\n"
                f"{_traceback_text(exc)}"
            ) from exc
        return self._checked(control)

    def run_step(self, input_data: Mapping[str, tuple[int, Any]], timestamp: float) -> carla.VehicleControl:
        """Call `run_step` directly (no sensor interface, no clock); `manual_gear_shift` forced False."""
        try:
            control = self.agent.run_step(dict(input_data), timestamp)
        except Exception as exc:
            raise AgentRuntimeError(
                f"Agent {type(self.agent).__name__} raised {type(exc).__name__} in run_step: {exc}\n"
                f"{_traceback_text(exc)}"
            ) from exc
        control = self._checked(control)
        control.manual_gear_shift = False
        return control

    def _checked(self, control: Any) -> carla.VehicleControl:
        if not isinstance(control, carla.VehicleControl):
            raise AgentRuntimeError(
                f"Agent {type(self.agent).__name__} returned {type(control).__name__}, expected carla.VehicleControl"
            )
        return control

    def destroy(self) -> None:
        """Call the agent's `destroy()` once (later calls do nothing)."""
        if self._destroyed:
            return
        self._destroyed = True
        try:
            self.agent.destroy()
        except Exception as exc:
            raise AgentRuntimeError(
                f"Agent {type(self.agent).__name__} raised {type(exc).__name__} in destroy(): {exc}"
            ) from exc


def load_agent(
    path: str | Path,
    *,
    convention: Convention | str,
    track: str,
    global_plan_gps: Sequence[Any],
    global_plan_world_coord: Sequence[Any],
    opendrive: str,
    config_path: str = "",
    host: str = "localhost",
    port: int = 2000,
    debug: bool = False,
    rng: np.random.Generator | None = None,
) -> LoadedAgent:
    """Load, construct and check the agent at `path` for `track` ("SENSORS", "MAP", ...); ready to `step`.

    `global_plan_*`: the dense plan from `gps.build_global_plan`; `opendrive`: the map's OpenDRIVE text;
    `rng`: when given, the leaderboard's GNSS/IMU noise is added. Resets the leaderboard clock.
    """
    convention = Convention.parse(convention)
    cls = load_agent_class(path)
    checked: dict[str, Any] = {}

    def check_track_and_sensors(agent: Any) -> None:
        specs = _call("sensors()", cls, agent.sensors)
        if not isinstance(specs, list | tuple):
            raise AgentSetupError(f"Agent {cls.__name__}.sensors() must return a list of dicts, got {type(specs).__name__}")
        validate_sensor_configuration(specs, agent.track, track, convention)
        checked["specs"] = [dict(spec) for spec in specs]
        checked["suite"] = SensorSuite(specs, opendrive, convention, rng=rng)

    agent = construct_agent(
        cls, convention, config_path, global_plan_gps, global_plan_world_coord, host, port, debug,
        between=check_track_and_sensors,
    )
    try:
        checked["suite"].register(agent.sensor_interface)
    except Exception:
        _safe_destroy(agent)
        raise
    game_time_class().restart()
    return LoadedAgent(agent, Path(path).resolve(), convention, track, checked["specs"], checked["suite"])
