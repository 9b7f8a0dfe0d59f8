"""CarlaServer: one supervised CARLA server (started off-screen on free ports, or an external one), and its config.

A plain class with no global state, so that a Ray actor can own one later: build it from a picklable
`CarlaServerConfig`, `start()` it, read `ports`, ask `healthy()`, `restart()` it (a fresh process on
new ports) after a crash, `stop()` it (its whole process group is killed). As a context manager it is
stopped on leaving, whatever happened; a server never stopped is killed at interpreter exit.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import model_validator
from pydantic.dataclasses import dataclass as checked_dataclass

from leaderboard_adapter.errors import AdapterError
from leaderboard_adapter.settings import SETTINGS

from .ports import accepts_connections, free_port_ranges, wait_for_port
from .process_group import GroupWatchdog, ProcessGroup

logger = logging.getLogger(__name__)

LAUNCHER = "CarlaUE4.sh"
RPC_PORT_SPAN = 3
"""A CARLA server takes its RPC port and the two after it (streaming, secondary)."""


class CarlaServerError(AdapterError):
    """A CARLA server could not be started or reached (the message names the port, the time and the log)."""


@dataclass(frozen=True)
class CarlaPorts:
    """Where clients reach a server: its RPC port (`-carla-rpc-port`) and the traffic manager's port."""

    rpc: int
    traffic_manager: int


@checked_dataclass(frozen=True, config=SETTINGS)
class CarlaServerConfig:
    """How to run one CARLA server, or reach an external one; plain data (picklable).

    With `carla_root` set, servers are started from `carla_root/CarlaUE4.sh -RenderOffScreen -nosound
    -carla-rpc-port=PORT [-graphicsadapter=GPU] EXTRA...` on free ports; without it, `host:port` is an
    external server (e.g. a compose service) that is only waited for, never started or stopped.
    """

    carla_root: Path | None = None
    host: str = "127.0.0.1"
    """The external server's host (a started server is reached on 127.0.0.1)."""
    port: int = 2000
    """The external server's RPC port (a started server gets free ports)."""
    gpu: int | None = None
    """`-graphicsadapter=N`: the GPU a started server renders on (CARLA ignores CUDA_VISIBLE_DEVICES)."""
    extra_args: tuple[str, ...] = ()
    """More `CarlaUE4.sh` arguments, e.g. ("-quality-level=Low",)."""
    start_timeout_s: float = 180.0
    """Time [s] a server has to accept connections on its RPC port."""
    settle_s: float = 5.0
    """Time [s] waited after that before clients connect (the map is still loading)."""
    kill_grace_s: float = 10.0
    """Time [s] between SIGTERM and SIGKILL to the server's process group."""
    log_dir: Path = field(default_factory=lambda: Path("logs"))
    """Where `carla_<name>_start<n>.log` files go, one per start."""
    name: str = "carla"

    @model_validator(mode="after")
    def _runnable(self) -> CarlaServerConfig:
        if min(self.start_timeout_s, self.settle_s, self.kill_grace_s) < 0:
            raise ValueError("start_timeout_s, settle_s and kill_grace_s must be >= 0 s")
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be a TCP port number, got {self.port}")
        if self.gpu is not None and self.gpu < 0:
            raise ValueError(f"gpu must be >= 0, got {self.gpu}")
        return self

    @property
    def external(self) -> bool:
        """Whether the server is an external one (no `carla_root`): reached, never started here."""
        return self.carla_root is None

    def check(self) -> None:
        """CarlaServerError unless a server can be started: `carla_root` is a folder with an executable CarlaUE4.sh."""
        if self.carla_root is None:
            return
        if not self.carla_root.is_dir():
            raise CarlaServerError(f"CARLA_ROOT={self.carla_root} is not a folder (set it to your CARLA install)")
        launcher = self.carla_root / LAUNCHER
        if not launcher.is_file():
            raise CarlaServerError(f"CARLA_ROOT={self.carla_root} has no {LAUNCHER} (is it a CARLA install?)")
        if not os.access(launcher, os.X_OK):
            raise CarlaServerError(f"{launcher} is not executable (chmod +x it)")


class CarlaServer:
    """One CARLA server: started (or waited for) by `start()`, stopped by `stop()`; see the module docstring."""

    def __init__(self, config: CarlaServerConfig, watchdog: GroupWatchdog | None = None) -> None:
        self.config = config
        self.watchdog = watchdog
        """Kills this server's (and its evaluators') process groups if the owner dies without stopping them."""
        self.starts = 0
        """How many times a server process was started (0 for an external server)."""
        self._group: ProcessGroup | None = None
        self._ports: CarlaPorts | None = None

    def __enter__(self) -> CarlaServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def started(self) -> bool:
        """Whether `start()` succeeded and `stop()` has not been called since."""
        return self._ports is not None

    @property
    def ports(self) -> CarlaPorts:
        """The ports of the running server; RuntimeError before `start()`."""
        if self._ports is None:
            raise RuntimeError("the CARLA server is not started")
        return self._ports

    @property
    def host(self) -> str:
        """The host clients connect to."""
        return self.config.host if self.config.external else "127.0.0.1"

    @property
    def pid(self) -> int | None:
        """The started server's pid (= its process group id), None for an external or stopped server."""
        return self._group.pid if self._group is not None else None

    @property
    def log_path(self) -> Path | None:
        """The log of the latest start (None for an external server)."""
        return self._group.log_path if self._group is not None else None

    def start(self) -> CarlaPorts:
        """Start a server on free ports and wait until it accepts connections (or wait for the external one).

        CarlaServerError when it exits or does not accept connections within `start_timeout_s` (a
        started server is killed then); RuntimeError if it is already started.
        """
        if self.started:
            raise RuntimeError("the CARLA server is already started: restart() starts a fresh one")
        config = self.config
        if config.external:
            (traffic_manager,) = free_port_ranges(1, 1)
            logger.info("%s: waiting for the external CARLA server %s:%d", config.name, config.host, config.port)
            if not wait_for_port(config.host, config.port, config.start_timeout_s):
                raise CarlaServerError(
                    f"the external CARLA server {config.host}:{config.port} did not accept connections "
                    f"within {config.start_timeout_s:g} s"
                )
            ports = CarlaPorts(config.port, traffic_manager)
        else:
            ports = self._launch()
        if config.settle_s > 0:
            time.sleep(config.settle_s)
        self._ports = ports
        return ports

    def _launch(self) -> CarlaPorts:
        config = self.config
        assert config.carla_root is not None
        rpc, traffic_manager = free_port_ranges(2, RPC_PORT_SPAN)
        self.starts += 1
        argv = [str(config.carla_root / LAUNCHER), "-RenderOffScreen", "-nosound", f"-carla-rpc-port={rpc}"]
        if config.gpu is not None:
            argv.append(f"-graphicsadapter={config.gpu}")
        argv.extend(config.extra_args)
        log_path = config.log_dir / f"carla_{config.name}_start{self.starts}.log"
        group = ProcessGroup(argv, log_path, kill_grace_s=config.kill_grace_s, watchdog=self.watchdog)
        self._group = group
        logger.info("%s: CARLA server started: pid %d, port %d, traffic manager %d, log %s",
                    config.name, group.pid, rpc, traffic_manager, log_path)  # fmt: skip
        if wait_for_port("127.0.0.1", rpc, config.start_timeout_s, still_running=group.alive):
            return CarlaPorts(rpc, traffic_manager)
        exited = not group.alive()
        self.stop()
        if exited:
            raise CarlaServerError(f"the CARLA server exited during start-up (log: {log_path})")
        raise CarlaServerError(
            f"the CARLA server did not accept connections on port {rpc} within {config.start_timeout_s:g} s "
            f"(log: {log_path})"
        )

    def alive(self) -> bool:
        """Whether the started server's process group still runs; for an external server, whether it is
        started here (its process is not ours to watch)."""
        if self.config.external:
            return self.started
        return self._group is not None and self._group.alive()

    def healthy(self) -> bool:
        """Whether the server is alive and its RPC port accepts connections."""
        return self.alive() and self.started and accepts_connections(self.host, self.ports.rpc)

    def restart(self) -> CarlaPorts:
        """Stop the server and start a fresh one on new ports (an external one: wait for it again)."""
        self.stop()
        return self.start()

    def stop(self) -> None:
        """Kill the started server's whole process group (nothing for an external server); safe to repeat."""
        if self._group is not None:
            self._group.kill()
            self._group = None
        self._ports = None
