"""A trained policy: the best candidate of a checkpoint, called in a sandbox worker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from .candidate import Candidate
from .checkpoint import load_state
from .sandbox import CallResult, ErrorInfo, Program, SandboxConfig, SandboxPool
from .spec import FunctionSpec


class PolicyCallError(RuntimeError):
    """The candidate raised, timed out or crashed; ``error`` says how and where."""

    def __init__(self, error: ErrorInfo) -> None:
        super().__init__(error.describe())
        self.error = error


def load_best(run_dir: str | Path) -> Candidate:
    """The best kept candidate of the checkpoint in ``run_dir``."""
    state = load_state(Path(run_dir))
    if state is None:
        raise FileNotFoundError(f"{run_dir} holds no checkpoint (no state.json)")
    return state.best


class SandboxedPolicy:
    """Calls one candidate's function in a single sandbox worker: ``policy(*args)``.

    Use as a context manager (or call :meth:`close`) to stop the worker.
    """

    def __init__(
        self, source: str, spec: FunctionSpec, config: SandboxConfig | None = None, name: str = "policy"
    ) -> None:
        base = config or SandboxConfig()
        self.spec = spec
        self._program = Program(name, source, spec.name)
        self._pool = SandboxPool(replace(base, n_workers=1))

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

    def run_batch(self, inputs: list[Any]) -> list[CallResult]:
        """One result per input (each the single argument, or a tuple when the spec takes several)."""
        return self._pool.run([self._program], inputs, spread_args=self.spec.spread_args)[0]

    def __call__(self, *args: Any) -> Any:
        if len(args) != len(self.spec.args):
            raise TypeError(f"{self.spec.name} takes {len(self.spec.args)} argument(s), got {len(args)}")
        result = self.run_batch([args if self.spec.spread_args else args[0]])[0]
        if result.error is not None:
            raise PolicyCallError(result.error)
        return result.output
