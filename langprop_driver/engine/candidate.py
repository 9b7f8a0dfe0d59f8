"""A candidate implementation: its source, where it came from, and its static check result."""

from __future__ import annotations

from pydantic import ConfigDict, model_validator
from pydantic.dataclasses import dataclass

from .checks import CheckFailure, check_candidate
from .spec import FunctionSpec


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Candidate:
    """One implementation of the policy function and its lineage.

    ``origin`` is ``"setup"`` (first prompt), ``"update"`` (child of ``parent_id``) or ``"given"``
    (supplied by a person). ``prompt_id`` names the prompt that produced it.
    """

    id: str
    source: str
    origin: str
    parent_id: str | None = None
    prompt_id: str | None = None
    step: int = 0
    check_failures: tuple[CheckFailure, ...] = ()

    @model_validator(mode="after")
    def _lineage(self) -> Candidate:
        if self.origin not in ("setup", "update", "given"):
            raise ValueError(f"origin must be setup, update or given, got {self.origin!r}")
        if (self.origin == "update") != (self.parent_id is not None):
            raise ValueError("a candidate has a parent exactly when its origin is 'update'")
        return self

    @property
    def runnable(self) -> bool:
        return not self.check_failures

    @classmethod
    def create(
        cls, id: str, source: str, spec: FunctionSpec, allowed_modules: tuple[str, ...], **lineage: object
    ) -> Candidate:
        """Build a candidate and run the static checks on it once."""
        failures = tuple(check_candidate(source, spec, allowed_modules))
        return cls(id=id, source=source, check_failures=failures, **lineage)  # type: ignore[arg-type]
