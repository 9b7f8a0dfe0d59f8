"""GuardedPolicy: a driving policy called once per step in a sandbox worker; failures give the safe action."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from langprop_driver.engine import (
    FunctionSpec,
    PolicyCallError,
    PolicyLoadError,
    SandboxConfig,
    SandboxedPolicy,
)
from leaderboard_adapter.control import Action

logger = logging.getLogger(__name__)

SAFE_ACTION = Action(target_speed_mps=0.0, steer_deg=0.0)
"""What the car does when the policy fails: brake to a standstill, wheels straight."""
_LOGGED_FAILURES = 10


@dataclass(frozen=True)
class PolicyStep:
    """The action to drive with, and why the policy's own output was not used (None when it was)."""

    action: Action
    error: str | None = None


class PolicyGaveUp(RuntimeError):
    """The policy failed `max_consecutive_failures` calls in a row; the agent stops calling it for the route.
    The message names the policy, the count and the last failure."""


class Policy(Protocol):
    """What GuardedPolicy drives: `SandboxedPolicy`'s load, call and close."""

    def load(self) -> None: ...

    def __call__(self, *args: Any) -> Any: ...

    def close(self) -> None: ...


class GuardedPolicy:
    """`act(observation)`: the policy's action, or SAFE_ACTION when it raises, times out, dies or answers
    something that is not an action; failures are logged (the first few, then every 100th).

    A policy that cannot be loaded fails once: `load()` (or the first `act`) logs one line, and every
    later step brakes without asking a worker. After `max_consecutive_failures` failed steps in a row
    (a step of a policy that could not load fails too), `act` raises `PolicyGaveUp`, and so does every
    later `act`, without calling the policy again; 0 never gives up. `calls` counts the steps the
    policy was asked for, `failures` those that gave the safe action.
    """

    def __init__(self, policy: Policy, name: str, max_consecutive_failures: int = 20):
        if max_consecutive_failures < 0:
            raise ValueError(f"max_consecutive_failures must be >= 0 (0: never), got {max_consecutive_failures}")
        self.name = name
        self.max_consecutive_failures = max_consecutive_failures
        self._policy = policy
        self.calls = 0
        self.failures = 0
        self.consecutive_failures = 0
        self.load_error: str | None = None
        """Why the policy could not be loaded (None while it could)."""
        self.gave_up: str | None = None
        """The message of `PolicyGaveUp` once the policy failed too often in a row (None before)."""

    @classmethod
    def sandboxed(
        cls,
        source: str,
        spec: FunctionSpec,
        name: str,
        *,
        step_timeout_s: float,
        load_timeout_s: float,
        memory_limit_mib: int,
        max_consecutive_failures: int,
    ) -> GuardedPolicy:
        """The policy `source` in one sandbox worker: `step_timeout_s` per call, `load_timeout_s` to load."""
        config = SandboxConfig(
            n_workers=1,
            call_timeout_s=step_timeout_s,
            load_timeout_s=load_timeout_s,
            memory_limit_mib=memory_limit_mib,
            kill_grace_s=0.5,
        )
        return cls(SandboxedPolicy(source, spec, config, name=name), name, max_consecutive_failures)

    def load(self) -> bool:
        """Load the policy in its worker (at most once); whether it is loaded. A failure is logged once."""
        if self.load_error is not None:
            return False
        try:
            self._policy.load()
        except PolicyLoadError as exc:
            self._load_failed(exc)
            return False
        return True

    def act(self, observation: dict) -> PolicyStep:
        if self.gave_up is not None:
            raise PolicyGaveUp(self.gave_up)
        self.calls += 1
        if self.load_error is not None:
            return self._failed(f"could not be loaded: {self.load_error}", log=False)
        try:
            output = self._policy(observation)
        except PolicyLoadError as exc:  # a reload after a failed call
            self._load_failed(exc)
            return self._failed(f"could not be loaded: {self.load_error}", log=False)
        except PolicyCallError as exc:
            return self._failed(str(exc))
        if not isinstance(output, Mapping):
            return self._failed(f"invalid action: expected a dict, got {type(output).__name__}")
        try:
            action = Action.from_dict(output)
        except (TypeError, ValueError) as exc:
            return self._failed(f"invalid action: {exc}")
        self.consecutive_failures = 0
        return PolicyStep(action)

    def _load_failed(self, exc: PolicyLoadError) -> None:
        self.load_error = str(exc)
        logger.error("policy %s could not be loaded, the car brakes: %s", self.name, self.load_error)

    def _failed(self, reason: str, log: bool = True) -> PolicyStep:
        self.failures += 1
        self.consecutive_failures += 1
        if log and (self.failures <= _LOGGED_FAILURES or self.failures % 100 == 0):
            logger.warning("policy %s failed (%d of %d calls): %s", self.name, self.failures, self.calls, reason)
        if 0 < self.max_consecutive_failures <= self.consecutive_failures:
            self.gave_up = f"policy {self.name} failed {self.consecutive_failures} consecutive calls: {reason}"
            raise PolicyGaveUp(self.gave_up) from None
        return PolicyStep(SAFE_ACTION, reason)

    def close(self) -> None:
        self._policy.close()
