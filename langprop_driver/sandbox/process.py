"""The parent's handles on the template process and on the workers forked from it.

:class:`TemplateProcess` starts ``template.py`` with a scrubbed environment, logs which isolation
layers it has (loudly, when some are missing) and forks workers through it; :class:`WorkerProcess` is
one forked worker: a socket to it, read as size-limited JSON, and a way to end it and learn how it ended.
Templates are shared per set of pre-imported modules within a process (:func:`shared_template`).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import pickle
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from .errors import ProtocolViolation, SandboxError
from .isolation import LAYERS, set_non_dumpable
from .results import expect_op
from .wire import ChannelClosed, FrameReader, send_pickle

logger = logging.getLogger(__name__)

TEMPLATE_SCRIPT = Path(__file__).with_name("template.py")
_KEPT_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SYSTEMROOT")
_WORKER_ENVIRONMENT = {
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
_CONTROL_FRAME_BYTES = 1 << 20


def worker_environment() -> dict[str, str]:
    """The environment of the template and its workers: a short allowlist, never secrets."""
    kept = {name: os.environ[name] for name in _KEPT_ENVIRONMENT if name in os.environ}
    return {**kept, **_WORKER_ENVIRONMENT}


class WorkerProcess:
    """One forked worker: JSON messages in (size-limited, validated by the caller), pickles out."""

    def __init__(
        self, template: TemplateProcess, pid: int, sock: socket.socket, max_frame_bytes: int
    ) -> None:
        self.pid = pid
        self._template = template
        self._sock = sock
        self._reader = FrameReader(sock, max_frame_bytes)
        self._ended: str | None = None

    def send(self, message: Any) -> None:
        try:
            send_pickle(self._sock, message)
        except OSError as exc:
            raise ChannelClosed(f"the worker closed its channel ({exc})") from exc

    def recv(self, timeout_s: float) -> Any:
        """The next message as JSON data; TimeoutError, ChannelClosed, or ProtocolViolation (too large, not JSON)."""
        try:
            return self._reader.recv_json(timeout_s)
        except ValueError as exc:  # FrameTooLarge, or not JSON
            raise ProtocolViolation(f"the worker sent {exc}") from exc

    def end(self) -> str:
        """Kill the worker if it still runs, and say how it ended (``exit code 0``, ``killed by SIGKILL``)."""
        if self._ended is None:
            self._sock.close()
            self._ended = self._template.reap(self.pid)
        return self._ended

    def release(self) -> None:
        """Let a worker that has done its job exit by itself (the template collects it)."""
        self._sock.close()
        self._ended = "released"


class TemplateProcess:
    """The template process: pre-imports ``preload``, prepares the isolation layers, forks workers."""

    def __init__(self, preload: tuple[str, ...], start_timeout_s: float = 60.0) -> None:
        self.preload = preload
        self.owner_pid = os.getpid()
        self._lock = threading.Lock()
        ours, theirs = socket.socketpair()
        self._sock = ours
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-s",
                "-P",
                str(TEMPLATE_SCRIPT),
                str(theirs.fileno()),
                json.dumps(list(preload)),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=worker_environment(),
            pass_fds=(theirs.fileno(),),
        )
        theirs.close()
        self._reader = FrameReader(ours, _CONTROL_FRAME_BYTES)
        try:
            ready = expect_op(self._reader.recv_json(start_timeout_s), "ready")
        except (TimeoutError, ChannelClosed, ProtocolViolation, ValueError) as exc:
            self.close()
            raise SandboxError(
                f"the sandbox's template process did not start within {start_timeout_s:g} s ({exc}); run "
                f"`{sys.executable} -P {TEMPLATE_SCRIPT} 0 '[]'` to see its error"
            ) from exc
        self.active: dict[str, str] = dict(ready["isolation"]["active"])
        self.missing: dict[str, str] = dict(ready["isolation"]["missing"])
        set_non_dumpable()  # the parent's /proc entries (environ, mem) then need CAP_SYS_PTRACE
        self._log_layers()

    def _log_layers(self) -> None:
        active = "; ".join(f"{name}: {self.active[name]}" for name in LAYERS if name in self.active)
        if self.missing:
            missing = "; ".join(f"{name}: {reason}" for name, reason in self.missing.items())
            logger.warning(
                "CANDIDATE CODE IS NOT FULLY ISOLATED on this machine: missing %s. Active: %s",
                missing,
                active,
            )
        else:
            logger.info("sandbox isolation active: %s", active)

    def _request(self, message: tuple, fds: tuple[int, ...] = ()) -> dict:
        payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        frame = len(payload).to_bytes(4, "big") + payload
        with self._lock:
            try:
                sent = socket.send_fds(self._sock, [frame], list(fds)) if fds else 0
                self._sock.sendall(frame[sent:])
                reply = self._reader.recv_json(None)
            except (OSError, ChannelClosed, ValueError) as exc:
                raise SandboxError(f"the sandbox's template process stopped answering ({exc})") from exc
        if not isinstance(reply, dict):
            raise SandboxError("the sandbox's template process answered something that is not a message")
        return reply

    def load(self, key: str, inputs_blob: bytes) -> None:
        """Keep the pickled list ``inputs_blob`` in the template as ``key``: "run" workers inherit it."""
        self._request(("load", key, inputs_blob))

    def drop(self, key: str) -> None:
        self._request(("drop", key))

    def spawn(self, job: dict, memory_limit_bytes: int, max_frame_bytes: int) -> WorkerProcess:
        """Fork a worker for ``job`` (see runner.py); it confines itself before touching the candidate."""
        ours, theirs = socket.socketpair()
        try:
            reply = self._request(("spawn", job, memory_limit_bytes), (theirs.fileno(),))
        finally:
            theirs.close()
        return WorkerProcess(self, int(reply["pid"]), ours, max_frame_bytes)

    def reap(self, pid: int) -> str:
        return str(self._request(("reap", pid)).get("status", "unknown"))

    @property
    def alive(self) -> bool:
        """Running, and ours (a forked copy of the parent must start its own template)."""
        return self.owner_pid == os.getpid() and self._process.poll() is None

    def close(self) -> None:
        self._sock.close()
        if self.owner_pid != os.getpid():
            return
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


_shared: dict[tuple[str, ...], TemplateProcess] = {}
_shared_lock = threading.Lock()


def shared_template(preload: tuple[str, ...], start_timeout_s: float = 60.0) -> TemplateProcess:
    """The process's template for ``preload``, started on first use (and again if it died)."""
    with _shared_lock:
        template = _shared.get(preload)
        if template is None or not template.alive:
            template = TemplateProcess(preload, start_timeout_s)
            _shared[preload] = template
        return template


@atexit.register
def _close_shared() -> None:
    for template in _shared.values():
        template.close()
    _shared.clear()
