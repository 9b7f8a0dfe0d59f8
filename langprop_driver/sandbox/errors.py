"""The sandbox's own failures, apart from a candidate's (which are data: ErrorInfo)."""

from __future__ import annotations


class SandboxError(RuntimeError):
    """The sandbox itself failed (its template process could not start or answer, a worker could not
    confine itself), not a candidate."""


class IsolationMissing(SandboxError):
    """Isolation layers were required (``require_isolation``) and this machine lacks some."""


class ProtocolViolation(ValueError):
    """A worker sent something other than what the protocol allows."""
