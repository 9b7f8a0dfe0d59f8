"""AgentConfig: the settings of the LangProp and DAgger agents, read from the leaderboard's agent config path."""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from leaderboard_adapter.errors import LangPropDriveError


class AgentConfigError(LangPropDriveError, ValueError):
    """The agent config file is missing, unreadable or holds unknown or invalid settings (the CLI reports
    it as any LangPropDriveError)."""


def absolute_policy(policy: str) -> str:
    """A `policy` setting that stays valid wherever the config file is written: `baseline`, or the path
    made absolute from the working folder."""
    return policy if policy == "baseline" else str(Path(policy).expanduser().resolve())


@dataclass(frozen=True)
class AgentConfig:
    """Settings of `agents/langprop_agent.py` and `agents/dagger_agent.py`.

    The agent config path (the leaderboard's `--agent-config`) may be: empty or `baseline` (all
    defaults: the hand-written baseline policy), a policy checkpoint folder or a `.py` policy file (just
    `policy`), or a `.toml` / `.json` file with these keys. Relative paths in a file are taken
    from the file's folder.
    """

    policy: str = "baseline"
    """`baseline` (the hand-written baseline policy), a checkpoint folder (its best candidate, or
    `candidate`), or a `.py` file defining `drive(observation)`."""
    candidate: str | None = None
    """A candidate id of the checkpoint to drive with instead of its best."""
    step_timeout_s: float = 0.2
    """Wall-clock limit of one policy call; a slower call gives the safe action (stop)."""
    memory_limit_mib: int = 1024
    """Address-space limit of the policy's worker process."""
    beta: float = 0.0
    """DAgger: probability per step that the expert's action drives instead of the policy's."""
    buffer_dir: str = "buffer"
    """DAgger: folder of replay-buffer shards (one shard per route run)."""
    frame_rate_hz: float = 2.0
    """DAgger: frames stored per second of simulation."""
    flush_every: int = 20
    """DAgger: frames between flushes to disk (a killed run loses at most these)."""
    seed: int = 0
    """DAgger: seed of the beta mixing."""

    def __post_init__(self) -> None:
        if self.step_timeout_s <= 0 or self.memory_limit_mib < 0:
            raise AgentConfigError("step_timeout_s must be > 0 and memory_limit_mib >= 0")
        if not 0.0 <= self.beta <= 1.0:
            raise AgentConfigError(f"beta must be in [0, 1], got {self.beta}")
        if self.frame_rate_hz <= 0 or self.flush_every < 1:
            raise AgentConfigError("frame_rate_hz must be > 0 and flush_every >= 1")

    @classmethod
    def load(cls, path: str | Path) -> AgentConfig:
        """The config the agent config path stands for (see the class docstring)."""
        if not str(path) or str(path) == "baseline":
            return cls()
        path = Path(path)
        if path.is_dir() or path.suffix == ".py":
            if not path.exists():
                raise AgentConfigError(f"agent config {path}: no such policy file")
            return cls(policy=str(path))
        if not path.is_file():
            raise AgentConfigError(f"agent config {path}: no such file")
        try:
            if path.suffix == ".toml":
                values = tomllib.loads(path.read_text())
            elif path.suffix == ".json":
                values = json.loads(path.read_text())
            else:
                raise AgentConfigError(f"agent config {path}: expected a .toml or .json file, a .py policy or a folder")
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise AgentConfigError(f"agent config {path}: {exc}") from exc
        return cls.from_dict(values, base=path.parent, origin=str(path))

    @classmethod
    def from_dict(cls, values: dict[str, Any], base: Path = Path("."), origin: str = "agent config") -> AgentConfig:
        if not isinstance(values, dict):
            raise AgentConfigError(f"{origin}: expected a table of settings, got {type(values).__name__}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise AgentConfigError(f"{origin}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}")
        resolved = dict(values)
        for key in ("policy", "buffer_dir"):
            value = resolved.get(key)
            if isinstance(value, str) and value != "baseline" and not Path(value).is_absolute():
                resolved[key] = str(base / value)
        try:
            return cls(**resolved)
        except TypeError as exc:
            raise AgentConfigError(f"{origin}: {exc}") from exc
