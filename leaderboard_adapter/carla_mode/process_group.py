"""ProcessGroup: a child process started in a session (process group) of its own and killed as a whole group.

CARLA's `CarlaUE4.sh` starts the real server as a child and does not exec, and the leaderboard
evaluator may leave agent workers behind: killing the started pid alone leaves orphans. Every child
here is started with `start_new_session=True` (its pid is its process group id), killed with
SIGTERM to the group, then SIGKILL after a grace period, and also killed at interpreter exit if its
owner never stopped it (an `atexit` hook per group, removed on kill).

An `atexit` hook does not run when the owner is SIGKILLed (`ray.kill` of an actor): a `GroupWatchdog`
is a small process in a session of its own that the owner tells which groups it started; when the owner
dies, however it dies, the watchdog reads end-of-file on its pipe and kills those groups.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import os
import shutil
import signal
import subprocess
import sys
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
                 kill_grace_s: float = 10.0, watchdog: GroupWatchdog | None = None) -> None:
        """Start `argv` now, stdin from /dev/null, stdout and stderr appended to `log_path`.

        `kill_grace_s` [s]: how long `kill()` waits after SIGTERM before SIGKILL. `watchdog`: kills the
        group if this process dies without killing it.
        """
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path = log_path
        self.kill_grace_s = kill_grace_s
        command, pass_fds = list(argv), ()
        if watchdog is not None:
            # the child tells the watchdog of its group itself before it becomes the command: holding the
            # watchdog's pipe open until then, it is watched even if this process dies during the start
            if shutil.which(command[0]) is None:
                raise FileNotFoundError(errno.ENOENT, "no such executable", command[0])
            command = [sys.executable, "-c", WATCHED_EXEC, str(watchdog.fileno()), *command]
            pass_fds = (watchdog.fileno(),)
        with log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=dict(env) if env is not None else None, start_new_session=True, pass_fds=pass_fds,
            )  # fmt: skip
        atexit.register(self.kill)
        self._watchdog = watchdog

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
        if self._watchdog is not None:
            self._watchdog.forget(self.pid)


WATCHDOG_SOURCE = """\
import os, signal, sys, time
groups, grace = set(), float(sys.argv[1])
for line in sys.stdin:
    sign, pgid = line[0], int(line[1:])
    (groups.add if sign == "+" else groups.discard)(pgid)
def alive():
    found = []
    for g in groups:
        try:
            os.killpg(g, 0)
            found.append(g)
        except OSError:
            pass
    return found
for sig in (signal.SIGTERM, signal.SIGKILL):
    for g in alive():
        try:
            os.killpg(g, sig)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
"""


WATCHED_EXEC = """\
import os, sys
fd = int(sys.argv[1])
os.write(fd, f"+{os.getpgid(0)}\\n".encode())
os.close(fd)
os.execvp(sys.argv[2], sys.argv[2:])
"""
"""Run by a watched group's first process: tell the watchdog (pipe `argv[1]`) of the group, close the pipe
so that the watchdog still sees end-of-file when the owner dies, then become the command `argv[2:]`."""


WATCHDOG_LAUNCHER = """\
import subprocess, sys
watchdog = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdout=subprocess.DEVNULL,
                            start_new_session=True)
print(watchdog.pid, flush=True)
"""


class GroupWatchdog:
    """A process that kills the process groups it was told of once its owner (this process) has gone: on
    `close()`, or on the owner's death by any signal (its pipe reaches end-of-file). SIGTERM to each group,
    SIGKILL after `kill_grace_s` [s].

    It is started through a launcher that exits at once, so it is not a child of its owner: Ray kills a
    dead worker's child processes, which would take the watchdog with the worker."""

    def __init__(self, kill_grace_s: float = 10.0) -> None:
        launcher = subprocess.Popen([sys.executable, "-c", WATCHDOG_LAUNCHER, WATCHDOG_SOURCE, f"{kill_grace_s:g}"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert launcher.stdin is not None and launcher.stdout is not None
        self.pid = int(launcher.stdout.readline())
        """The watchdog's pid."""
        launcher.wait()
        launcher.stdout.close()
        self._pipe = launcher.stdin

    def _tell(self, line: str) -> None:
        with contextlib.suppress(BrokenPipeError, ValueError):
            self._pipe.write(line + "\n")
            self._pipe.flush()

    def fileno(self) -> int:
        """The write end of the watchdog's pipe: a started group's first process writes `+PGID` to it."""
        return self._pipe.fileno()

    def forget(self, pgid: int) -> None:
        self._tell(f"-{pgid}")

    def close(self) -> None:
        """End the watchdog; it kills the groups still watched first."""
        with contextlib.suppress(BrokenPipeError):
            self._pipe.close()


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
