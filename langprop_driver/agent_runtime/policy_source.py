"""resolve_policy: the source code and version name of the policy an agent config names; checked_policy
also runs the trainer's static checks on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from langprop_driver.agent_runtime.config import AgentConfig, AgentConfigError
from langprop_driver.engine import SandboxConfig, check_candidate, load_state
from langprop_driver.engine.checkpoint import CheckpointError


@dataclass(frozen=True)
class PolicySource:
    """A policy's code and a name for the buffer and logs: `baseline`, `file:<path>` or `ckpt:<dir>@<id>`;
    `candidate` is the checkpoint candidate's id (None for the baseline and files)."""

    source: str
    version: str
    candidate: str | None = None


def resolve_policy(config: AgentConfig) -> PolicySource:
    """The baseline, a `.py` policy file, or a checkpoint's best (or named) candidate."""
    if config.policy == "baseline":
        from langprop_driver.driving import BASELINE_POLICY_SOURCE

        return PolicySource(BASELINE_POLICY_SOURCE, "baseline")
    path = Path(config.policy)
    if path.is_file():
        return PolicySource(path.read_text(), f"file:{path}")
    if not path.is_dir():
        raise AgentConfigError(f"policy {path}: no such checkpoint folder or policy file")
    try:
        state = load_state(path)
    except CheckpointError as exc:
        raise AgentConfigError(f"policy {path}: {exc}") from None
    if state is None:
        raise AgentConfigError(f"policy {path}: the folder holds no checkpoint (no state.json)")
    if config.candidate is None:
        best = state.best
        return PolicySource(best.source, f"ckpt:{path}@{best.id}", best.id)
    if config.candidate not in state.candidates:
        raise AgentConfigError(f"policy {path}: no candidate {config.candidate!r} (best is {state.best.id})")
    return PolicySource(
        state.candidates[config.candidate].source, f"ckpt:{path}@{config.candidate}", config.candidate
    )


class PolicyCheckError(AgentConfigError):
    """The policy fails the trainer's static checks (syntax, `drive(observation)`, names, imports)."""


def checked_policy(config: AgentConfig) -> PolicySource:
    """`resolve_policy`, then the static checks the trainer runs on every candidate (`check_candidate` with
    `DRIVE_SPEC` and the default allowed modules); PolicyCheckError naming each failure and its line."""
    from langprop_driver.driving import DRIVE_SPEC

    source = resolve_policy(config)
    failures = check_candidate(source.source, DRIVE_SPEC, SandboxConfig().allowed_modules)
    if failures:
        named = "; ".join(failure.describe() for failure in failures)
        raise PolicyCheckError(f"policy {source.version} fails the static checks: {named}")
    return source
