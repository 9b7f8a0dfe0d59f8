"""What a call of a candidate gave, as the parent accepts it: validated plain data, or a protocol violation.

Everything a worker sends is hostile until checked here: the message must have the expected kind and
sample indices, errors must be small strings and a line number, printed text a string; strings are cut
to their limits. Anything else is a :class:`ProtocolViolation`, and the parent kills the worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import ProtocolViolation, SandboxError

_MAX_ERROR_TYPE_CHARS = 100
_MAX_ERROR_MESSAGE_CHARS = 2000
_MAX_LINE_TEXT_CHARS = 300


@dataclass(frozen=True)
class ErrorInfo:
    """A failed call: exception type (or Timeout, WorkerDied, ProtocolViolation, ...), message and candidate line."""

    type: str
    message: str
    line: int | None = None
    line_text: str = ""

    def describe(self) -> str:
        where = f" at line {self.line}" if self.line is not None else ""
        code = f" (`{self.line_text}`)" if self.line_text else ""
        return f"{self.type}{where}{code}: {self.message}"


@dataclass(frozen=True)
class CallResult:
    """What one call of a candidate returned (JSON data: tuples arrive as lists), or how it failed, and what
    it printed."""

    output: Any = None
    error: ErrorInfo | None = None
    printed: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def _string(value: Any, limit: int, what: str) -> str:
    if not isinstance(value, str):
        raise ProtocolViolation(f"{what} is a {type(value).__name__}, not a string")
    return value[:limit]


def parse_error(value: Any) -> ErrorInfo | None:
    """An error entry: null or ``{"type", "message", "line", "line_text"}``."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"type", "message", "line", "line_text"}:
        raise ProtocolViolation("an error entry is not {type, message, line, line_text}")
    line = value["line"]
    if line is not None and (type(line) is not int or not 0 < line < 10**7):
        raise ProtocolViolation("an error's line is not a line number")
    return ErrorInfo(
        _string(value["type"], _MAX_ERROR_TYPE_CHARS, "an error's type"),
        _string(value["message"], _MAX_ERROR_MESSAGE_CHARS, "an error's message"),
        line,
        _string(value["line_text"], _MAX_LINE_TEXT_CHARS, "an error's line text"),
    )


def parse_result(value: Any, max_printed_chars: int) -> CallResult:
    """One ``[output, error, printed]`` entry."""
    if not isinstance(value, list) or len(value) != 3:
        raise ProtocolViolation("a result is not [output, error, printed]")
    output, error, printed = value
    parsed_error = parse_error(error)
    if parsed_error is not None and output is not None:
        raise ProtocolViolation("a result has both an output and an error")
    return CallResult(output, parsed_error, _string(printed, max_printed_chars, "printed output"))


def expect_op(message: Any, op: str) -> dict:
    """``message`` as a dict of kind ``op``; SandboxError when the worker reports that it could not confine itself."""
    if isinstance(message, dict) and message.get("op") == "failed" and isinstance(message.get("reason"), str):
        raise SandboxError(f"a sandbox worker could not confine itself: {message['reason'][:500]}")
    if not isinstance(message, dict) or message.get("op") != op:
        raise ProtocolViolation(f"expected a {op!r} message")
    return message


def parse_results(message: Any, first: int, stop: int, max_printed_chars: int) -> list[CallResult]:
    """A ``results`` message for samples ``first, first + 1, ...`` (before ``stop``)."""
    body = expect_op(message, "results")
    if body.get("first") != first or type(body.get("first")) is not int:
        raise ProtocolViolation(f"results for sample {body.get('first')!r} where sample {first} was due")
    results = body.get("results")
    if not isinstance(results, list) or not 0 < len(results) <= stop - first:
        raise ProtocolViolation(f"a results message that is not a list of 1 to {stop - first} results")
    return [parse_result(result, max_printed_chars) for result in results]
