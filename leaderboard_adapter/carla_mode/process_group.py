"""ProcessGroup: a child process started in a session (process group) of its own and killed as a whole group.

CARLA's `CarlaUE4.sh` starts the real server as a child and does not exec, and the leaderboard
evaluator may leave agent workers behind: killing the started pid alone leaves orphans. Every child
here is started with `start_new_session=True` (its pid is its process group id), killed with
SIGTERM to the group, then SIGKILL after a grace period, and also killed at interpreter exit if its
owner never stopped it (an `atexit` hook per group, removed on kill).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

POLL_S = 0.05
"""How often [s] a kill checks whether the group has gone."""


def group_alive(pgid: int) -> bool:
    """Whether process group `pgid` has a member that is not a zombie.

    Zombies do not count: an orphan whose init does not reap (a container without one) stays a zombie
    in its group for good. Without /proc, any member counts.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state ppid pgrp ...
            return True
    return False


class ProcessGroup:
    """One started command in its own process group; output to a log file; `kill()` ends the whole group."""

    def __init__(self, argv: Sequence[str], log_path: Path, env: Mapping[str, str] | None = None,
                 kill_grace_s: float = 10.0) -> None:
        """Start `argv` now, stdin from /dev/null, stdout and stderr appended to `log_path`.

        `kill_grace_s` [s]: how long `kill()` waits after SIGTERM before SIGKILL.
        """
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self.kill_grace_s = kill_grace_s
        with log_path.open("ab") as log:
            self._process = subprocess.Popen(
                list(argv), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None, start_new_session=True,
            )  # fmt: skip
        atexit.register(self.kill)

    @property
    def pid(self) -> int:
        """The started process's pid, also the process group id."""
        return self._process.pid

    def poll(self) -> int | None:
        """The started process's exit code (negative: killed by that signal), or None while it runs."""
        return self._process.poll()

    def alive(self) -> bool:
        """Whether any process of the group (the started one or what it started) still runs."""
        return group_alive(self.pid)

    def kill(self) -> None:
        """End the group: SIGTERM, SIGKILL after `kill_grace_s` if anything is left; reap the started process.

        Safe to call more than once and after the group ended by itself.
        """
        atexit.unregister(self.kill)
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + self.kill_grace_s
            while self.alive() and time.monotonic() < deadline:
                time.sleep(POLL_S)
            if self.alive():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=self.kill_grace_s)


class Terminated(Exception):
    """This process received SIGTERM (raised in the main thread, so that `finally` blocks and context
    managers stop what was started); `exit_code` is the shell's 128 + 15."""

    exit_code = 128 + signal.SIGTERM


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises `Terminated` in the main thread instead of ending the process at once."""

    def handler(signum: int, frame: object) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
