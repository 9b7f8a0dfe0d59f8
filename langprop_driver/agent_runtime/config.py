"""AgentConfig: the settings of the LangProp and DAgger agents, read from the leaderboard's agent config path."""

from __future__ import annotations

import json
import tomllib
from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.dataclasses import dataclass

from langprop_driver.errors import LangPropDriveError
from leaderboard_adapter.settings import validation_message


class AgentConfigError(LangPropDriveError, ValueError):
    """The agent config file is missing, unreadable or holds unknown or invalid settings (the CLI reports
    it as any LangPropDriveError)."""


def absolute_policy(policy: str) -> str:
    """A `policy` setting that stays valid wherever the config file is written: `baseline`, or the path
    made absolute from the working folder."""
    return policy if policy == "baseline" else str(Path(policy).expanduser().resolve())


def _unit_interval(beta: float) -> float:
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"must be in [0, 1], got {beta:g}")
    return beta


def _failures(count: object) -> object:
    """Before pydantic's own int check, so that 2.5 and true get this message too."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ValueError(f"must be an int >= 0 (0: never), got {count!r}")
    return count


@dataclass(frozen=True, config=ConfigDict(extra="forbid", strict=True))
class AgentConfig:
    """Settings of `agents/langprop_agent.py` and `agents/dagger_agent.py`.

    The agent config path (the leaderboard's `--agent-config`) may be: empty or `baseline` (all
    defaults: the hand-written baseline policy), a policy checkpoint folder or a `.py` policy file (just
    `policy`), or a `.toml` / `.json` file with these keys. Relative paths in a file are taken
    from the file's folder. A file's `extends` key names another agent config path (any of these
    forms) whose settings the file's own settings override. Pydantic checks each setting's type (an int is a
    float, a bool is neither) and range; the loaders raise `AgentConfigError` naming the file and the setting.
    """

    policy: str = "baseline"
    """`baseline` (the hand-written baseline policy), a checkpoint folder (its best candidate, or
    `candidate`), or a `.py` file defining `drive(observation)`."""
    candidate: str | None = None
    """A candidate id of the checkpoint to drive with instead of its best."""
    step_timeout_s: Annotated[float, Field(gt=0)] = 0.2
    """Wall-clock limit of one policy call [s]; a slower call gives the safe action (stop)."""
    load_timeout_s: Annotated[float, Field(gt=0)] = 10.0
    """Wall-clock limit of loading the policy [s] (its imports and module-level code, once per route run,
    in the agent's setup); a policy that cannot load brakes every step."""
    max_consecutive_failures: Annotated[int, BeforeValidator(_failures)] = 20
    """Failed policy calls in a row (raised, timed out, invalid action; every step once loading failed)
    after which the agent stops calling the policy and the route ends as 'Agent crashed'; 20 is 1 s of
    simulation at 20 Hz. 0: never end the route."""
    memory_limit_mib: Annotated[int, Field(ge=0)] = 1024
    """Address-space limit of the policy's worker process."""
    beta: Annotated[float, AfterValidator(_unit_interval)] = 0.0
    """DAgger: probability per step that the expert's action drives instead of the policy's."""
    buffer_dir: str = "buffer"
    """DAgger: folder of replay-buffer shards (one shard per route run)."""
    frame_rate_hz: Annotated[float, Field(gt=0)] = 2.0
    """DAgger: frames stored per second of simulation."""
    flush_every: Annotated[int, Field(ge=1)] = 20
    """DAgger: frames between flushes to disk (a killed run loses at most these)."""
    seed: int = 0
    """DAgger: seed of the beta mixing."""

    @classmethod
    def load(cls, path: str | Path) -> AgentConfig:
        """The config the agent config path stands for (see the class docstring)."""
        return cls._load(path, ())

    @classmethod
    def _load(cls, path: str | Path, seen: tuple[Path, ...]) -> AgentConfig:
        if not str(path) or str(path) == "baseline":
            return cls()
        path = Path(path)
        if path.is_dir() or path.suffix == ".py":
            if not path.exists():
                raise AgentConfigError(f"agent config {path}: no such policy file")
            return cls(policy=str(path))
        if not path.is_file():
            what = "file" if path.suffix else "policy checkpoint folder, .py policy or .toml/.json agent config"
            raise AgentConfigError(f"agent config {path}: no such {what}")
        try:
            if path.suffix == ".toml":
                values = tomllib.loads(path.read_text())
            elif path.suffix == ".json":
                values = json.loads(path.read_text())
            else:
                raise AgentConfigError(f"agent config {path}: expected a .toml or .json file, a .py policy or a folder")
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise AgentConfigError(f"agent config {path}: {exc}") from exc
        return cls._from_values(values, path.parent, str(path), seen + (path.resolve(),))

    @classmethod
    def from_dict(cls, values: dict[str, Any], base: Path = Path("."), origin: str = "agent config") -> AgentConfig:
        """The config of a table of settings; relative paths (and `extends`) are taken from `base`."""
        return cls._from_values(values, base, origin, ())

    @classmethod
    def _from_values(cls, values: object, base: Path, origin: str, seen: tuple[Path, ...]) -> AgentConfig:
        if not isinstance(values, dict):
            raise AgentConfigError(f"{origin}: expected a table of settings, got {type(values).__name__}")
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(known) - {"extends"})
        if unknown:
            raise AgentConfigError(f"{origin}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}, extends")
        resolved = {key: value for key, value in values.items() if key != "extends"}
        for key in ("policy", "buffer_dir"):
            value = resolved.get(key)
            if isinstance(value, str) and value != "baseline" and not Path(value).is_absolute():
                resolved[key] = str(base / value)
        parent = cls._extended(values.get("extends"), base, origin, seen)
        try:
            return replace(parent, **resolved) if parent is not None else cls(**resolved)
        except ValidationError as error:
            raise AgentConfigError(f"{origin}: {validation_message(error, cls)}") from None

    @classmethod
    def _extended(cls, extends: object, base: Path, origin: str, seen: tuple[Path, ...]) -> AgentConfig | None:
        """The config an `extends` setting names (None when absent)."""
        if extends is None:
            return None
        if not isinstance(extends, str):
            raise AgentConfigError(f"{origin}: extends must be an agent config path, got {extends!r}")
        path = Path(extends) if extends == "baseline" or Path(extends).is_absolute() else base / extends
        if path.resolve() in seen:
            raise AgentConfigError(f"{origin}: extends {extends!r} is a cycle ({' -> '.join(map(str, seen))})")
        return cls._load(path, seen)
