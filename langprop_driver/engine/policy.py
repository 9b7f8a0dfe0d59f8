"""A trained policy: the best candidate of a checkpoint, called in a sandbox worker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from .candidate import Candidate
from .checkpoint import load_state
from .sandbox import CallResult, ErrorInfo, Program, SandboxConfig, SandboxPool, SandboxWorker, program_task
from .spec import FunctionSpec


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

    Calls go to one worker that loads the candidate once and keeps it (its module state lives
    on between calls, as within one evaluation chunk); a call that raises, times out or kills
    the worker raises :class:`PolicyCallError`, and the next call starts a fresh worker and
    loads the candidate again. ``run_batch`` runs inputs as an evaluation does (fresh namespace
    per chunk) in a separate worker. Use as a context manager (or call :meth:`close`).
    """

    def __init__(
        self, source: str, spec: FunctionSpec, config: SandboxConfig | None = None, name: str = "policy"
    ) -> None:
        base = config or SandboxConfig()
        self.spec = spec
        self._program = Program(name, source, spec.name)
        self._config = replace(base, n_workers=1)
        self._pool = SandboxPool(self._config)
        self._server = SandboxWorker(self._config)
        self._bound = False
        self._load_error: ErrorInfo | None = None

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
        self._pool.close()
        self._server.stop()
        self._bound = False

    def run_batch(self, inputs: list[Any]) -> list[CallResult]:
        """One result per input (each the single argument, or a tuple when the spec takes several)."""
        return self._pool.run([self._program], inputs, spread_args=self.spec.spread_args)[0]

    def load(self) -> None:
        """Load the candidate in its worker unless it is loaded; raise PolicyLoadError (every time, without
        another try) if it could not be loaded."""
        if self._load_error is not None:
            raise PolicyLoadError(self._load_error)
        if self._bound:
            return
        error = self._server.bind(program_task(self._config, self._program, seed=0))
        if error is not None:
            self._server.stop()
            self._load_error = error
            raise PolicyLoadError(error)
        self._bound = True

    def __call__(self, *args: Any) -> Any:
        if len(args) != len(self.spec.args):
            raise TypeError(f"{self.spec.name} takes {len(self.spec.args)} argument(s), got {len(args)}")
        self.load()
        result = self._server.call(args)
        if result.error is not None:
            self._bound = self._server.alive  # a worker killed for hanging or dying must load it again
            raise PolicyCallError(result.error)
        return result.output
