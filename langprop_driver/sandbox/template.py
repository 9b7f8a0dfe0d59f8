"""The template process: pre-imports the allowed modules once and forks a fresh, confined worker per job.

Started by the parent as ``python -s -P template.py CONTROL_FD PRELOAD_JSON`` with a scrubbed
environment. It runs no candidate code itself. Requests (pickled frames from the trusted parent, the
worker's socket passed alongside ``spawn``) and replies (JSON):

    ("load", key, inputs_blob)       keep ``pickle.loads(inputs_blob)`` as the inputs named ``key``  -> {"op": "ok"}
    ("drop", key)                    forget them                                               -> {"op": "ok"}
    ("spawn", job, memory_bytes)     fork a worker on the passed socket for ``job``            -> {"op": "spawned", "pid"}
                                     (``job["inputs"]`` names the inputs a "run" job reads)
    ("reap", pid)                    kill that worker (if alive) and wait for it               -> {"op": "reaped", "status"}

On start it sends ``{"op": "ready", "isolation": {"active": {...}, "missing": {...}}}``. When the parent
goes (end of file), it kills its workers and exits. Standard library only, besides the preloaded modules.
"""

from __future__ import annotations

import gc
import json
import os
import pickle
import signal
import socket
import sys

if __name__ == "__main__":  # started as a script: import the package this file belongs to
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from langprop_driver.sandbox import runner  # noqa: E402
from langprop_driver.sandbox.isolation import Isolation, IsolationError, set_non_dumpable  # noqa: E402
from langprop_driver.sandbox.wire import HEADER, ChannelClosed, send_json  # noqa: E402

_FAILED_EXIT = 70
_KEPT_STATUSES = 1024


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            return f"killed by {signal.Signals(number).name}"
        except ValueError:
            return f"killed by signal {number}"
    return f"exit code {os.WEXITSTATUS(status)}"


class _Requests:
    """Reads pickled request frames, and the file descriptors passed with them, from the parent."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()
        self._fds: list[int] = []

    def next(self) -> tuple[tuple, list[int]]:
        while True:
            if len(self._buffer) >= HEADER.size:
                (size,) = HEADER.unpack_from(self._buffer)
                end = HEADER.size + size
                if len(self._buffer) >= end:
                    message = pickle.loads(self._buffer[HEADER.size : end])
                    del self._buffer[:end]
                    fds, self._fds = self._fds, []
                    return message, fds
            data, fds, _, _ = socket.recv_fds(self.sock, 1 << 20, 4)
            if not data:
                raise ChannelClosed("the parent closed the channel")
            self._buffer += data
            self._fds += fds


def _worker(
    control: socket.socket, fd: int, job: dict, memory_bytes: int, inputs: list | None, isolation: Isolation
) -> None:
    """In the forked child: confine, then run the job; never returns."""
    code = 0
    try:
        control.close()
        sock = socket.socket(fileno=fd)
        try:
            isolation.apply(fd, memory_bytes, job.get("cpu_limit_s"))
        except (IsolationError, OSError) as exc:
            send_json(sock, {"op": "failed", "reason": str(exc)})
            code = _FAILED_EXIT
        else:
            runner.main(sock, job, inputs)
    except BaseException:  # noqa: BLE001 - a worker never returns into the template's loop
        code = code or 1
    os._exit(code)


def _reap_exited(workers: set[int], exited: dict[int, str]) -> None:
    """Collect workers that ended by themselves; keep their statuses (the latest few) for a later "reap"."""
    for pid in list(workers):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            workers.discard(pid)
            exited[pid] = _describe_status(status)
    while len(exited) > _KEPT_STATUSES:
        del exited[next(iter(exited))]


def main(control_fd: int, preload: list[str]) -> None:
    control = socket.socket(fileno=control_fd)
    isolation = Isolation.prepare(preload)
    set_non_dumpable()
    gc.freeze()  # objects made so far are shared by every fork without being copied
    send_json(control, {"op": "ready", "isolation": isolation.report()})
    requests = _Requests(control)
    inputs: dict[str, list] = {}
    workers: set[int] = set()
    exited: dict[int, str] = {}
    try:
        while True:
            message, fds = requests.next()
            if message[0] == "load":
                inputs[message[1]] = pickle.loads(message[2])
                gc.freeze()  # forks then share the inputs without collections touching (copying) them
                send_json(control, {"op": "ok"})
            elif message[0] == "drop":
                inputs.pop(message[1], None)
                send_json(control, {"op": "ok"})
            elif message[0] == "spawn":
                _, job, memory_bytes = message
                pid = os.fork()
                if pid == 0:
                    _worker(control, fds[0], job, memory_bytes, inputs.get(job.get("inputs")), isolation)
                for fd in fds:
                    os.close(fd)
                workers.add(pid)
                send_json(control, {"op": "spawned", "pid": pid})
            else:  # ("reap", pid)
                pid = message[1]
                if pid in workers:
                    workers.discard(pid)
                    os.kill(pid, signal.SIGKILL)
                    exited[pid] = _describe_status(os.waitpid(pid, 0)[1])
                send_json(control, {"op": "reaped", "status": exited.pop(pid, "unknown")})
            _reap_exited(workers, exited)
    except (ChannelClosed, ConnectionError):
        pass
    finally:
        for pid in workers:
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    main(int(sys.argv[1]), json.loads(sys.argv[2]))
