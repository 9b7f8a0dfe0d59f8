"""What a call of a candidate gave, as the parent accepts it: validated plain data, or a protocol violation.

Everything a worker sends is hostile until checked here: the message must have the expected kind and
sample indices, errors must be small strings and a line number, printed text a string; strings are cut
to their limits. The wire's records are pydantic models (strict: a bool is no line number, a list no
string), checked in one pass; anything else is a :class:`ProtocolViolation` (naming where, never quoting
what was sent), and the parent kills the worker. What the parent keeps are the plain :class:`ErrorInfo`
and :class:`CallResult` (one per sample: no validation of their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter, ValidationError

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


_WIRE = ConfigDict(strict=True, frozen=True)


class WireError(BaseModel):
    """An error entry as a worker sends it: exactly ``{"type", "message", "line", "line_text"}``."""

    model_config = ConfigDict(_WIRE, extra="forbid")

    type: str
    message: str
    line: Annotated[int, Field(gt=0, lt=10**7)] | None
    """The candidate's line number, or null."""
    line_text: str

    def accepted(self) -> ErrorInfo:
        """The error as the parent keeps it, its strings cut to their limits."""
        return ErrorInfo(
            self.type[:_MAX_ERROR_TYPE_CHARS],
            self.message[:_MAX_ERROR_MESSAGE_CHARS],
            self.line,
            self.line_text[:_MAX_LINE_TEXT_CHARS],
        )


WireResult = tuple[Any, WireError | None, StrictStr]
"""One ``[output, error, printed]`` entry (a JSON array: strict about its items, not about being a list)."""


class WireResults(BaseModel):
    """A ``{"op": "results", "first": i, "results": [[output, error, printed], ...]}`` message (other keys are
    ignored, as they always were)."""

    model_config = ConfigDict(frozen=True)  # JSON arrays are lists, not the tuples a strict model wants

    op: Literal["results"]
    first: StrictInt
    results: list[WireResult]


_ERROR = TypeAdapter(WireError | None)
_RESULT = TypeAdapter(WireResult)


def _violation(error: ValidationError, what: str) -> ProtocolViolation:
    """Where the message does not fit, by position and pydantic's words (never the values: they are hostile)."""
    first = error.errors(include_url=False, include_input=False, include_context=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "the message"
    return ProtocolViolation(f"{what}: {where}: {first['msg']}")


def _accepted(result: tuple[Any, WireError | None, str], max_printed_chars: int) -> CallResult:
    output, error, printed = result
    if error is not None and output is not None:
        raise ProtocolViolation("a result has both an output and an error")
    return CallResult(output, error.accepted() if error is not None else None, printed[:max_printed_chars])


def parse_error(value: Any) -> ErrorInfo | None:
    """An error entry: null or ``{"type", "message", "line", "line_text"}``."""
    try:
        error = _ERROR.validate_python(value)
    except ValidationError as exc:
        raise _violation(exc, "an error entry is not {type, message, line, line_text}") from None
    return error.accepted() if error is not None else None


def parse_result(value: Any, max_printed_chars: int) -> CallResult:
    """One ``[output, error, printed]`` entry."""
    try:
        result = _RESULT.validate_python(value)
    except ValidationError as exc:
        raise _violation(exc, "a result is not [output, error, printed]") from None
    return _accepted(result, max_printed_chars)


def expect_op(message: Any, op: str) -> dict:
    """``message`` as a dict of kind ``op``; SandboxError when the worker reports that it could not confine itself."""
    if isinstance(message, dict) and message.get("op") == "failed" and isinstance(message.get("reason"), str):
        raise SandboxError(f"a sandbox worker could not confine itself: {message['reason'][:500]}")
    if not isinstance(message, dict) or message.get("op") != op:
        raise ProtocolViolation(f"expected a {op!r} message")
    return message


def parse_results(message: Any, first: int, stop: int, max_printed_chars: int) -> list[CallResult]:
    """A ``results`` message for samples ``first, first + 1, ...`` (before ``stop``)."""
    try:
        body = WireResults.model_validate(expect_op(message, "results"))
    except ValidationError as exc:
        raise _violation(exc, "a results message that is not {op, first, results}") from None
    if body.first != first:
        raise ProtocolViolation(f"results for sample {body.first!r} where sample {first} was due")
    if not 0 < len(body.results) <= stop - first:
        raise ProtocolViolation(f"a results message that is not a list of 1 to {stop - first} results")
    return [_accepted(result, max_printed_chars) for result in body.results]
