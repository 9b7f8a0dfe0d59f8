"""A trained policy: the best candidate of a checkpoint, called in a sandbox worker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from langprop_driver.sandbox.pool import Program, SandboxConfig, SandboxPool, ServedCandidate
from langprop_driver.sandbox.results import CallResult, ErrorInfo

from .candidate import Candidate
from .checkpoint import load_state
from .spec import FunctionSpec

_PERMANENT_FAILURES = ("ProtocolViolation",)
"""Failures after which the candidate is never called again: it showed itself hostile."""


class PolicyCallError(RuntimeError):
    """The candidate raised, timed out or crashed; ``error`` says how and where."""

    def __init__(self, error: ErrorInfo) -> None:
        super().__init__(error.describe())
        self.error = error


class PolicyLoadError(PolicyCallError):
    """The candidate could not be loaded (its module raised, timed out or killed its worker); calling the
    policy again raises the same error without starting another worker."""


def load_best(run_dir: str | Path) -> Candidate:
    """The best kept candidate of the checkpoint in ``run_dir``."""
    state = load_state(Path(run_dir))
    if state is None:
        raise FileNotFoundError(f"{run_dir} holds no checkpoint (no state.json)")
    return state.best


class SandboxedPolicy:
    """Calls one candidate's function in a sandbox worker: ``policy(*args)``.

    Calls go to one worker that loads the candidate once and keeps it (its module state lives on
    between calls, as within one evaluation chunk); a call that raises, times out or kills the worker
    raises :class:`PolicyCallError`, and the next call starts a fresh worker and loads the candidate
    again. A candidate that cannot load, or whose worker broke the protocol, fails every later call
    without another worker. ``run_batch`` runs inputs as an evaluation does (fresh worker per chunk).
    Use as a context manager (or call :meth:`close`).
    """

    def __init__(
        self, source: str, spec: FunctionSpec, config: SandboxConfig | None = None, name: str = "policy"
    ) -> None:
        self.spec = spec
        self._program = Program(name, source, spec.name)
        self._config = replace(config or SandboxConfig(), n_workers=1)
        self._served = ServedCandidate(self._config, self._program)
        self._load_error: ErrorInfo | None = None
        self._refused: ErrorInfo | None = None

    @classmethod
    def from_checkpoint(
        cls, run_dir: str | Path, spec: FunctionSpec, config: SandboxConfig | None = None
    ) -> SandboxedPolicy:
        best = load_best(run_dir)
        return cls(best.source, spec, config, name=best.id)

    def __enter__(self) -> SandboxedPolicy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._served.stop()

    def run_batch(self, inputs: list[Any]) -> list[CallResult]:
        """One result per input (each the single argument, or a tuple when the spec takes several)."""
        with SandboxPool(self._config) as pool:
            return pool.run([self._program], inputs, spread_args=self.spec.spread_args)[0]

    def load(self) -> None:
        """Load the candidate in its worker unless it is loaded; raise PolicyLoadError (every time, without
        another try) if it could not be loaded."""
        if self._load_error is not None:
            raise PolicyLoadError(self._load_error)
        if self._served.alive:
            return
        error = self._served.bind()
        if error is not None:
            self._load_error = error
            raise PolicyLoadError(error)

    def __call__(self, *args: Any) -> Any:
        if len(args) != len(self.spec.args):
            raise TypeError(f"{self.spec.name} takes {len(self.spec.args)} argument(s), got {len(args)}")
        if self._refused is not None:
            raise PolicyCallError(self._refused)
        self.load()
        result = self._served.call(args)
        if result.error is not None:
            if result.error.type in _PERMANENT_FAILURES:
                self._refused = result.error
            raise PolicyCallError(result.error)
        return result.output
