"""The sandbox worker process: runs one candidate's function over samples, and the wire protocol.

This module imports only the standard library: the parent imports it for the framing helpers,
and the sandbox starts it as a script (``python -s -P worker.py MEMORY_LIMIT_BYTES``) in a fresh
interpreter with a scrubbed environment.

Messages (pickled, each framed by a 4-byte big-endian length):

parent -> worker
    ("load", key, inputs_blob)   replace the held inputs by ``pickle.loads(inputs_blob)``, a list, named ``key``
    ("run", task)                run a task dict over the held inputs, see :func:`_run`
    ("bind", task)               load the task's candidate once and keep its function (serving mode)
    ("call", args)               call the bound function on the tuple ``args``
worker -> parent
    ("ready",)                                 once, after start-up
    ("results", first_index, [(output, error, printed), ...])  consecutive samples, in order;
                                               ``error`` is None or a dict
    ("bound", error)                           after "bind": None, or why the candidate did not load
    ("result", output, error, printed)         after "call"
"""

from __future__ import annotations

import builtins
import io
import os
import pickle
import random
import select
import signal
import struct
import sys
import time
import traceback
import types
from typing import Any

_HEADER = struct.Struct(">I")
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_MAX_CACHED_CODES = 256


class ChannelClosed(EOFError):
    """The other end of a channel has gone (process exited or was killed)."""


class Channel:
    """Length-prefixed pickle frames over a pair of file descriptors, with a receive timeout."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._read_fd = read_fd
        self._write_fd = write_fd
        self._buffer = bytearray()

    def send_bytes(self, payload: bytes) -> None:
        view = memoryview(_HEADER.pack(len(payload)) + payload)
        while view:
            written = os.write(self._write_fd, view)
            view = view[written:]

    def send(self, message: Any) -> None:
        self.send_bytes(pickle.dumps(message, protocol=_PROTOCOL))

    def recv(self, timeout_s: float | None = None) -> Any:
        """Return the next message; raise TimeoutError if none is complete within ``timeout_s``."""
        while True:
            if len(self._buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(self._buffer)
                end = _HEADER.size + size
                if len(self._buffer) >= end:
                    message = pickle.loads(self._buffer[_HEADER.size : end])
                    del self._buffer[:end]
                    return message
            if timeout_s is not None:
                ready, _, _ = select.select([self._read_fd], [], [], timeout_s)
                if not ready:
                    raise TimeoutError("no message within the timeout")
            chunk = os.read(self._read_fd, 1 << 20)
            if not chunk:
                raise ChannelClosed("the other end of the channel closed")
            self._buffer += chunk


class CallTimeout(BaseException):
    """Raised inside a candidate call when it runs past its time limit (not catchable as Exception)."""


def _on_alarm(signum: int, frame: types.FrameType | None) -> None:
    raise CallTimeout


def _restricted_builtins(allowed_modules: frozenset[str]) -> dict[str, Any]:
    """Builtins for candidates whose ``import`` only reaches the allowed top-level modules."""
    real_import = builtins.__import__

    def guarded_import(name: str, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
        root = name.split(".", 1)[0]
        if level != 0 or root not in allowed_modules:
            raise ImportError(f"import of {name!r} is not allowed in a candidate")
        return real_import(name, globals, locals, fromlist, level)

    table = dict(vars(builtins))
    table["__import__"] = guarded_import
    return table


def _error_info(exc: BaseException, filename: str, source_lines: list[str], timeout_s: float) -> dict:
    """Describe an exception by type, message and the deepest line of the candidate it passed through."""
    if isinstance(exc, CallTimeout):
        kind, message = "Timeout", f"the call ran longer than {timeout_s:g} s"
    else:
        kind, message = type(exc).__name__, str(exc)
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    line_text = source_lines[line - 1].strip() if line and 0 < line <= len(source_lines) else ""
    return {"type": kind, "message": message, "line": line, "line_text": line_text}


def _bind(task: dict, code_cache: dict) -> tuple[Any, dict | None]:
    """A fresh namespace from the (cached) compiled candidate: ``(function, None)``, or ``(None, error)``
    when loading it failed. Seeds ``random`` with ``task["seed"]``."""
    source, filename = task["source"], task["filename"]
    code = code_cache.get((filename, source))
    if code is None:
        if len(code_cache) >= _MAX_CACHED_CODES:
            code_cache.clear()
        code = compile(source, filename, "exec")
        code_cache[(filename, source)] = code
    random.seed(task["seed"])
    namespace: dict[str, Any] = {
        "__builtins__": _restricted_builtins(frozenset(task["allowed_modules"])),
        "__name__": "candidate",
    }
    try:
        signal.setitimer(signal.ITIMER_REAL, task["timeout_s"])
        exec(code, namespace)
        signal.setitimer(signal.ITIMER_REAL, 0)
        return namespace[task["function"]], None
    except BaseException as exc:  # noqa: BLE001 - any failure of candidate code is data
        signal.setitimer(signal.ITIMER_REAL, 0)
        return None, _error_info(exc, filename, source.splitlines(), task["timeout_s"])


def _call(function: Any, args: tuple, task: dict) -> tuple[Any, dict | None, str]:
    """One call of the bound function under the task's time limit: ``(output, error, printed)``."""
    printed = io.StringIO()
    output, error = None, None
    real_stdout, sys.stdout = sys.stdout, printed
    try:
        signal.setitimer(signal.ITIMER_REAL, task["timeout_s"])
        try:
            output = function(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as exc:  # noqa: BLE001 - any failure of candidate code is data
        output = None
        error = _error_info(exc, task["filename"], task["source"].splitlines(), task["timeout_s"])
    finally:
        sys.stdout = real_stdout
    return output, error, printed.getvalue()[: task["max_printed_chars"]]


def _run(channel: Channel, task: dict, code_cache: dict, inputs: list) -> None:
    """Run one task: a fresh namespace from the (cached) compiled candidate, then each sample in order.

    ``task`` keys: source, filename, function, start, stop, spread_args, timeout_s, seed,
    allowed_modules, max_printed_chars, flush_interval_s. Results go out in groups, at least every
    ``flush_interval_s`` (0: one message per sample).
    """
    function, load_error = _bind(task, code_cache)
    pending: list[tuple] = []
    first = task["start"]
    flushed_at = time.monotonic()
    for index in range(task["start"], task["stop"]):
        if function is None:
            pending.append((None, load_error, ""))
        else:
            pending.append(_call(function, inputs[index] if task["spread_args"] else (inputs[index],), task))
        if index + 1 == task["stop"] or time.monotonic() - flushed_at >= task["flush_interval_s"]:
            _send_results(channel, first, pending)
            first, pending, flushed_at = index + 1, [], time.monotonic()


def _send_results(channel: Channel, first: int, results: list[tuple]) -> None:
    """Send ``("results", first, results)``; an output that cannot be pickled becomes an error."""
    try:
        payload = pickle.dumps(("results", first, results), _PROTOCOL)
    except Exception:  # noqa: BLE001 - find and replace the unpicklable outputs
        checked = []
        for output, error, printed in results:
            try:
                pickle.dumps(output, _PROTOCOL)
                checked.append((output, error, printed))
            except Exception as exc:  # noqa: BLE001 - an unpicklable output is the candidate's failure
                failure = {"type": "UnpicklableOutput", "message": str(exc), "line": None, "line_text": ""}
                checked.append((None, failure, printed))
        payload = pickle.dumps(("results", first, checked), _PROTOCOL)
    channel.send_bytes(payload)


def _send_call_result(channel: Channel, result: tuple) -> None:
    """Send ``("result", output, error, printed)``; an output that cannot be pickled becomes an error."""
    try:
        channel.send(("result", *result))
    except Exception as exc:  # noqa: BLE001 - an unpicklable output is the candidate's failure
        failure = {"type": "UnpicklableOutput", "message": str(exc), "line": None, "line_text": ""}
        channel.send(("result", None, failure, result[2]))


def main(memory_limit_bytes: int) -> None:
    """Serve tasks on stdin/stdout until the parent closes the pipe."""
    import resource

    if memory_limit_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
    channel = Channel(sys.stdin.fileno(), sys.stdout.fileno())
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stray prints must not corrupt the protocol
    signal.signal(signal.SIGALRM, _on_alarm)
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    code_cache: dict = {}
    inputs: list = []
    bound: tuple[Any, dict] | None = None
    channel.send(("ready",))
    while True:
        try:
            message = channel.recv()
        except ChannelClosed:
            return
        if message[0] == "load":
            inputs = pickle.loads(message[2])
        elif message[0] == "run":
            _run(channel, message[1], code_cache, inputs)
        elif message[0] == "bind":
            function, error = _bind(message[1], code_cache)
            bound = (function, message[1]) if function is not None else None
            channel.send(("bound", error))
        else:  # ("call", args)
            if bound is None:
                error = {"type": "NotBound", "message": "no candidate is bound", "line": None, "line_text": ""}
                channel.send(("result", None, error, ""))
            else:
                _send_call_result(channel, _call(bound[0], message[1], bound[1]))


if __name__ == "__main__":
    main(int(sys.argv[1]))
