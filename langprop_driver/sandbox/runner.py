"""The worker's side: load one candidate in a fresh namespace and call its function, results as JSON.

Runs in a forked, already confined worker (see isolation.py); it is the last trusted code before the
candidate's. Everything here is a courtesy (guarded import, call time limit by SIGALRM, outputs made
plain): the candidate can undo any of it, and the parent validates whatever arrives.

A job is ``{"kind": "run", "task": ..., "inputs": key, "cpu_limit_s": n}`` (every sample of a chunk, then
exit) or ``{"kind": "serve", "task": ...}`` (load once, then answer ``("call", args)`` messages).

worker -> parent (JSON):
    {"op": "loaded"}                               run: the candidate's module ran (or failed: see the results)
    {"op": "results", "first": i, "results": [[output, error, printed], ...]}   consecutive samples
    {"op": "bound", "error": null | error}        serving: after loading
    {"op": "result", "result": [output, error, printed]}  serving: after a call
    {"op": "failed", "reason": "..."}              the worker could not confine itself
where ``error`` is ``{"type", "message", "line", "line_text"}``.
"""

from __future__ import annotations

import builtins
import io
import json
import random
import signal
import socket
import sys
import time
import traceback
import types
from typing import Any

from .wire import ChannelClosed, FrameReader, send_json, send_text


class CallTimeout(BaseException):
    """Raised inside a candidate call that runs past its time limit (not catchable as Exception)."""


def _on_alarm(signum: int, frame: types.FrameType | None) -> None:
    raise CallTimeout


def _restricted_builtins(allowed_modules: frozenset[str]) -> dict[str, Any]:
    """Builtins whose ``import`` only reaches the allowed top-level modules (a courtesy, not the boundary)."""
    real_import = builtins.__import__

    def guarded_import(name: str, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002
        root = name.split(".", 1)[0]
        if level != 0 or root not in allowed_modules:
            raise ImportError(f"import of {name!r} is not allowed in a candidate")
        return real_import(name, globals, locals, fromlist, level)

    table = dict(vars(builtins))
    table["__import__"] = guarded_import
    return table


def _error_info(exc: BaseException, task: dict, timeout_s: float, doing: str) -> dict:
    """Type, message and the deepest line of the candidate that the exception passed through."""
    if isinstance(exc, CallTimeout):
        kind, message = "Timeout", f"{doing} ran longer than {timeout_s:g} s"
    else:
        kind, message = type(exc).__name__, str(exc)
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == task["filename"]:
            line = frame.lineno
    lines = task["source"].splitlines()
    line_text = lines[line - 1].strip() if line and 0 < line <= len(lines) else ""
    return {"type": kind, "message": message, "line": line, "line_text": line_text}


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as Python numbers and lists; anything else is not an output."""
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":
        return value.tolist()
    raise TypeError(
        f"an output of type {type(value).__name__} cannot be sent (numbers, strings, lists, dicts)"
    )


_encode_output = json.JSONEncoder(default=_plain, separators=(",", ":")).encode
_encode = json.JSONEncoder(separators=(",", ":")).encode
_QUIET_SUCCESS_TAIL = ',null,""]'
"""The end of ``[output, error, printed]`` for a call that succeeded and printed nothing (most calls)."""


def _encoded(output: Any, task: dict) -> tuple[str, dict | None]:
    """The output as JSON text, or ``"null"`` and an error saying why it cannot be sent."""
    try:
        text = _encode_output(output)
    except (TypeError, ValueError, RecursionError) as exc:
        return "null", {
            "type": "UnserializableOutput",
            "message": str(exc)[:500],
            "line": None,
            "line_text": "",
        }
    if len(text) > task["max_output_chars"]:
        message = f"the output is {len(text)} characters as JSON (limit {task['max_output_chars']})"
        return "null", {"type": "OutputTooLarge", "message": message, "line": None, "line_text": ""}
    return text, None


def _harnessed(harness: Any, function: Any) -> Any:
    """``function`` called through the task's harness: ``harness(function, *args)``."""

    def run(*args: Any) -> Any:
        return harness(function, *args)

    return run


def load(task: dict) -> tuple[Any, dict | None]:
    """Execute the candidate's module in a fresh namespace: ``(function, None)`` or ``(None, error)``.

    With a ``harness`` (``"module:function"``, pre-imported by the template), the function returned calls
    the candidate's through it; the harness is looked up before the candidate's code runs."""
    random.seed(task["seed"])
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed(task["seed"] % 2**32)
    namespace: dict[str, Any] = {
        "__builtins__": _restricted_builtins(frozenset(task["allowed_modules"])),
        "__name__": "candidate",
    }
    try:
        harness = None
        if task["harness"] is not None:
            module, _, name = task["harness"].partition(":")
            harness = getattr(sys.modules[module], name)
        signal.setitimer(signal.ITIMER_REAL, task["load_timeout_s"])
        try:
            exec(compile(task["source"], task["filename"], "exec"), namespace)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        function = namespace.get(task["function"])
        if not callable(function):
            raise NameError(f"the candidate defines no function {task['function']!r}")
        return (function if harness is None else _harnessed(harness, function)), None
    except BaseException as exc:  # noqa: BLE001 - any failure of candidate code is data
        return None, _error_info(exc, task, task["load_timeout_s"], "loading the candidate")


def call(function: Any, args: tuple, task: dict, printed: io.StringIO) -> str:
    """One call under the task's time limit: the JSON text of ``[output, error, printed]``. ``printed`` is
    the (emptied) buffer that stands in for stdout during the call."""
    printed.seek(0)
    printed.truncate()
    output, error = None, None
    real_stdout, sys.stdout = sys.stdout, printed
    try:
        signal.setitimer(signal.ITIMER_REAL, task["timeout_s"])
        try:
            output = function(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as exc:  # noqa: BLE001 - any failure of candidate code is data
        output, error = None, _error_info(exc, task, task["timeout_s"], "the call")
    finally:
        sys.stdout = real_stdout
    text = "null"
    if error is None:
        text, error = _encoded(output, task)
    if error is None and not printed.tell():
        return f"[{text}{_QUIET_SUCCESS_TAIL}"
    return f"[{text},{_encode([error, printed.getvalue()[: task['max_printed_chars']]])[1:]}"


def _run(sock: socket.socket, task: dict, inputs: list) -> None:
    """Every sample of the chunk in order, results sent at least every ``flush_interval_s``."""
    function, load_error = load(task)
    send_text(sock, '{"op":"loaded"}')
    failed_load = json.dumps([None, load_error, ""])
    printed = io.StringIO()
    pending: list[str] = []
    first = task["start"]
    flushed_at = time.monotonic()
    for index in range(task["start"], task["stop"]):
        if function is None:
            pending.append(failed_load)
        else:
            args = inputs[index] if task["spread_args"] else (inputs[index],)
            pending.append(call(function, args, task, printed))
        if index + 1 == task["stop"] or time.monotonic() - flushed_at >= task["flush_interval_s"]:
            send_text(sock, f'{{"op":"results","first":{first},"results":[{",".join(pending)}]}}')
            first, pending, flushed_at = index + 1, [], time.monotonic()


def _serve(sock: socket.socket, task: dict) -> None:
    """Load once, then answer calls until the parent closes the channel."""
    function, error = load(task)
    send_json(sock, {"op": "bound", "error": error})
    reader = FrameReader(sock, max_frame_bytes=1 << 31)
    printed = io.StringIO()
    while function is not None:
        try:
            _, args = reader.recv_pickle()
        except ChannelClosed:
            return
        send_text(sock, f'{{"op":"result","result":{call(function, args, task, printed)}}}')


def main(sock: socket.socket, job: dict, inputs: list | None) -> None:
    """Run ``job`` in this (confined) worker; stray prints go nowhere."""
    signal.signal(signal.SIGALRM, _on_alarm)
    sys.stdout = sys.stderr = open(1, "w", closefd=False)  # noqa: SIM115 - fd 1 is /dev/null (see isolation.py)
    if job["kind"] == "run":
        _run(sock, job["task"], inputs or [])
    else:
        _serve(sock, job["task"])
