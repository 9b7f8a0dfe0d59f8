"""CarlaModeSettings: CARLA mode's settings from the environment (CARLA_ROOT or CARLA_HOST, LEADERBOARD_ROOT, ...), checked.

Every problem is a AdapterError naming the variable and what to do, raised before any server
starts or route runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from leaderboard_adapter.errors import AdapterError

from .server import CarlaServerConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
LEADERBOARD_VERSIONS = ("1.0", "2.0", "2.1")

CARLA_MODE_HELP = """\
CARLA mode (on a GPU box: CARLA_ROOT set, or CARLA_HOST naming a running server; otherwise the
embedded world is used): a CARLA server is started as `$CARLA_ROOT/CarlaUE4.sh -RenderOffScreen
-nosound -carla-rpc-port=PORT` in a process group of its own on free ports (RPC port and the two
after it, and a traffic-manager port); once the port accepts connections,
`$LEADERBOARD_ROOT/leaderboard/leaderboard_evaluator.py` runs the agent, its config, the results
file (--checkpoint) and the ports. If the evaluator exits non-zero, the server dies or the results
file is not complete (_checkpoint.progress = [done, total] and a global_record), the server's whole
process group is killed, a fresh one starts on new ports and the evaluator runs again with
--resume, up to --max-restarts times; then it fails naming the last failure and the logs. Servers
are always stopped on exit (also on Ctrl-C and SIGTERM). With CARLA_HOST nothing is started: it
waits for that server to accept connections again (e.g. a compose restart policy) and resumes.
Environment:
  CARLA_ROOT              a CARLA install (holds CarlaUE4.sh): servers are started from it
  CARLA_HOST, CARLA_PORT  an external server instead (port default 2000)
  LEADERBOARD_ROOT, SCENARIO_RUNNER_ROOT   required: clones of carla-simulator/leaderboard and
                          scenario_runner (branches leaderboard-2.1, or leaderboard-1.0)
  LEADERBOARD_VERSION     2.1 (default), 2.0 or 1.0 (1.0: --trafficManagerPort/--trafficManagerSeed
                          and the required --scenarios, from LEADERBOARD_SCENARIOS)
  CARLA_PYTHONAPI         CARLA's PythonAPI folder (default $CARLA_ROOT/PythonAPI): carla/agents
                          and, if there is one for this Python, the carla/dist egg go on PYTHONPATH
                          (else the pip carla wheel of the Python in use)
  CARLA_START_TIMEOUT_S   seconds for a server to accept connections (default 180)
  CARLA_SETTLE_S          seconds to wait after that before connecting (default 5)
  CARLA_DEAD_GRACE_S      seconds an evaluator may outlive its dead server (default 30)
  CARLA_KILL_GRACE_S      seconds between SIGTERM and SIGKILL to a process group (default 10)
  CARLA_POLL_S            seconds between checks of a running evaluator (default 1)
  CARLA_MAX_RESTARTS      as --max-restarts (default 5)
  CARLA_SERVER_ARGS       more CarlaUE4.sh arguments, e.g. "-quality-level=Low"
  CARLA_GPUS              e.g. "0,1": servers take -graphicsadapter=N in turn (not with --ray: there
                          each server's actor takes the GPU Ray gave it)
  CARLA_RAY_GPUS          with --ray: GPUs per server actor (default 1; a fraction such as 0.5 puts
                          two servers on one GPU; 0 allows a cluster without GPUs, for tests)
  CARLA_CLIENT_TIMEOUT_S  the evaluator's --timeout (default: its own)
  CARLA_TRACK             the evaluator's --track (default MAP)
  LP_PYTHON               the Python running the evaluator (default: the one running this command)
"""


def carla_mode_requested(env: Mapping[str, str]) -> bool:
    """Whether the environment asks for CARLA mode: CARLA_ROOT or CARLA_HOST is set (non-empty)."""
    return bool(env.get("CARLA_ROOT") or env.get("CARLA_HOST"))


@dataclass(frozen=True)
class CarlaModeSettings:
    """Everything CARLA mode needs: the server config (a template: each worker gets its name, log folder
    and GPU), the leaderboard, the evaluator's Python and PYTHONPATH, and the supervision limits."""

    server: CarlaServerConfig
    leaderboard_root: Path
    scenario_runner_root: Path
    leaderboard_version: str = "2.1"
    scenarios: Path | None = None
    """LEADERBOARD_VERSION 1.0: the evaluator's --scenarios JSON."""
    python: str = field(default_factory=lambda: sys.executable)
    pythonpath: str = ""
    gpus: tuple[int, ...] = ()
    """GPUs handed to servers in turn (`-graphicsadapter`); empty: CARLA's default."""
    track: str = "MAP"
    client_timeout_s: float | None = None
    """The evaluator's --timeout [s]; None: its own default."""
    max_restarts: int = 5
    """Server restarts per results file before giving up."""
    dead_grace_s: float = 30.0
    """Time [s] an evaluator may run on after its server died before it is stopped."""
    poll_s: float = 1.0
    """Time [s] between checks of a running evaluator and its server."""
    ray_gpus: float = 1.0
    """With --ray: GPUs Ray reserves per server actor (0: none, a cluster without GPUs is allowed)."""

    @property
    def evaluator(self) -> Path:
        return self.leaderboard_root / "leaderboard" / "leaderboard_evaluator.py"

    def evaluator_env(self) -> dict[str, str]:
        """This process's environment with the evaluator's PYTHONPATH."""
        return {**os.environ, "PYTHONPATH": self.pythonpath}

    def describe(self) -> str:
        if self.server.external:
            return f"CARLA (external server {self.server.host}:{self.server.port})"
        return f"CARLA (CARLA_ROOT={self.server.carla_root})"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> CarlaModeSettings | None:
        """The settings of `env`, None when it does not ask for CARLA mode; AdapterError for a problem."""
        if not carla_mode_requested(env):
            return None
        version = env.get("LEADERBOARD_VERSION") or "2.1"
        if version not in LEADERBOARD_VERSIONS:
            raise AdapterError(f"LEADERBOARD_VERSION must be 1.0, 2.0 or 2.1, got {version!r}")
        roots = {name: _required_folder(env, name, clone) for name, clone in
                 (("LEADERBOARD_ROOT", "leaderboard"), ("SCENARIO_RUNNER_ROOT", "scenario_runner"))}  # fmt: skip
        scenarios = None
        if version == "1.0":
            if not env.get("LEADERBOARD_SCENARIOS"):
                raise AdapterError(
                    "LEADERBOARD_VERSION=1.0 needs LEADERBOARD_SCENARIOS (the evaluator's required --scenarios JSON)"
                )
            scenarios = Path(env["LEADERBOARD_SCENARIOS"]).resolve()
        server = _server_config(env)
        settings = cls(
            server=server,
            leaderboard_root=roots["LEADERBOARD_ROOT"],
            scenario_runner_root=roots["SCENARIO_RUNNER_ROOT"],
            leaderboard_version=version,
            scenarios=scenarios,
            python=env.get("LP_PYTHON") or sys.executable,
            gpus=_gpus(env.get("CARLA_GPUS", "")),
            track=env.get("CARLA_TRACK") or "MAP",
            client_timeout_s=_seconds(env, "CARLA_CLIENT_TIMEOUT_S", None),
            max_restarts=_count(env, "CARLA_MAX_RESTARTS", 5),
            dead_grace_s=_seconds(env, "CARLA_DEAD_GRACE_S", 30.0),
            poll_s=_seconds(env, "CARLA_POLL_S", 1.0),
            ray_gpus=_ray_gpus(env.get("CARLA_RAY_GPUS", "")),
        )
        if not settings.evaluator.is_file():
            raise AdapterError(
                f"LEADERBOARD_ROOT={settings.leaderboard_root} has no leaderboard/leaderboard_evaluator.py"
            )
        return _with_checked_pythonpath(settings, env)


def _required_folder(env: Mapping[str, str], name: str, clone: str) -> Path:
    value = env.get(name)
    if not value:
        raise AdapterError(
            f"CARLA mode (CARLA_ROOT or CARLA_HOST is set) needs {name}: set it to your clone of "
            f"carla-simulator/{clone}"
        )
    if not Path(value).is_dir():
        raise AdapterError(f"{name}={value} is not a folder")
    return Path(value).resolve()


def _server_config(env: Mapping[str, str]) -> CarlaServerConfig:
    timing = {
        "start_timeout_s": _seconds(env, "CARLA_START_TIMEOUT_S", 180.0),
        "settle_s": _seconds(env, "CARLA_SETTLE_S", 5.0),
        "kill_grace_s": _seconds(env, "CARLA_KILL_GRACE_S", 10.0),
        "extra_args": tuple(env.get("CARLA_SERVER_ARGS", "").split()),
    }
    if env.get("CARLA_HOST"):
        port = _count(env, "CARLA_PORT", 2000)
        if not 0 < port < 65536:
            raise AdapterError(f"CARLA_PORT must be a port number, got {port}")
        return CarlaServerConfig(host=env["CARLA_HOST"], port=port, **timing)  # type: ignore[arg-type]
    config = CarlaServerConfig(carla_root=Path(env["CARLA_ROOT"]).resolve(), **timing)  # type: ignore[arg-type]
    config.check()
    return config


def _seconds(env: Mapping[str, str], name: str, default: float | None) -> float | None:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise AdapterError(f"{name} must be a number of seconds >= 0, got {text!r}")
    return value


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    if not text:
        return default
    if not text.isdigit():
        raise AdapterError(f"{name} must be an integer >= 0, got {text!r}")
    return int(text)


def _ray_gpus(text: str) -> float:
    if not text:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value == 0 or 0 < value <= 1 or value.is_integer() and value > 0):
        raise AdapterError(f"CARLA_RAY_GPUS must be 0, a fraction in (0, 1] or a whole number of GPUs, got {text!r}")
    return value


def _gpus(text: str) -> tuple[int, ...]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not all(part.isdigit() for part in parts):
        raise AdapterError(f"CARLA_GPUS must list GPU indices like '0,1', got {text!r}")
    return tuple(int(part) for part in parts)


def _with_checked_pythonpath(settings: CarlaModeSettings, env: Mapping[str, str]) -> CarlaModeSettings:
    """`settings` with the evaluator's PYTHONPATH (CARLA's PythonAPI, the leaderboard, scenario_runner, this
    repo, then the caller's), once `settings.python` imports carla and CARLA's agents.navigation with it."""
    carla_root = settings.server.carla_root
    api_text = env.get("CARLA_PYTHONAPI") or (str(carla_root / "PythonAPI") if carla_root else "")
    path: list[str] = []
    if api_text:
        api = Path(api_text)
        version = _python_version(settings.python)
        path += [str(egg) for egg in sorted((api / "carla" / "dist").glob(f"carla-*-py{version}-*.egg"))[-1:]]
        path.append(str(api / "carla"))
    path += [str(settings.leaderboard_root), str(settings.scenario_runner_root), str(REPO_ROOT)]
    path += [part for part in env.get("PYTHONPATH", "").split(os.pathsep) if part]
    pythonpath = os.pathsep.join(path)
    check = subprocess.run(
        [settings.python, "-c", "import carla, agents.navigation"],
        env={**env, "PYTHONPATH": pythonpath}, capture_output=True, text=True,
    )  # fmt: skip
    if check.returncode != 0:
        last = (check.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise AdapterError(
            f"{settings.python} cannot import the carla client and CARLA's agents.navigation package "
            f"(PYTHONPATH={pythonpath}): {last}. Install the carla wheel matching your server and set "
            "CARLA_PYTHONAPI to CARLA's PythonAPI folder (it holds carla/agents)"
        )
    return replace(settings, pythonpath=pythonpath)


def _python_version(python: str) -> str:
    """'3.11' for `python`."""
    if python == sys.executable:
        return f"{sys.version_info[0]}.{sys.version_info[1]}"
    try:
        out = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as error:
        raise AdapterError(f"LP_PYTHON={python} does not run: {error}") from None
    return out.strip()
