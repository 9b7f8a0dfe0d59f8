"""GuardedPolicy: a driving policy called once per step in a sandbox worker; failures give the safe action."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from langprop_driver.control import Action
from langprop_driver.engine import FunctionSpec, PolicyCallError, SandboxConfig, SandboxedPolicy

logger = logging.getLogger(__name__)

SAFE_ACTION = Action(target_speed_mps=0.0, steer_deg=0.0)
"""What the car does when the policy fails: brake to a standstill, wheels straight."""
_LOGGED_FAILURES = 10


@dataclass(frozen=True)
class PolicyStep:
    """The action to drive with, and why the policy's own output was not used (None when it was)."""

    action: Action
    error: str | None = None


class GuardedPolicy:
    """`act(observation)`: the policy's action, or SAFE_ACTION when it raises, times out, dies or answers
    something that is not an action. It never raises; failures are logged (the first few, then every 100th)."""

    def __init__(self, source: str, spec: FunctionSpec, step_timeout_s: float, memory_limit_mib: int, name: str):
        config = SandboxConfig(
            n_workers=1, call_timeout_s=step_timeout_s, memory_limit_mib=memory_limit_mib, kill_grace_s=0.5
        )
        self.name = name
        self._policy = SandboxedPolicy(source, spec, config, name=name)
        self.calls = 0
        self.failures = 0

    def act(self, observation: dict) -> PolicyStep:
        self.calls += 1
        try:
            output = self._policy(observation)
        except PolicyCallError as exc:
            return self._failed(str(exc))
        if not isinstance(output, Mapping):
            return self._failed(f"invalid action: expected a dict, got {type(output).__name__}")
        try:
            return PolicyStep(Action.from_dict(output))
        except (TypeError, ValueError) as exc:
            return self._failed(f"invalid action: {exc}")

    def _failed(self, reason: str) -> PolicyStep:
        self.failures += 1
        if self.failures <= _LOGGED_FAILURES or self.failures % 100 == 0:
            logger.warning("policy %s failed (%d of %d calls): %s", self.name, self.failures, self.calls, reason)
        return PolicyStep(SAFE_ACTION, reason)

    def close(self) -> None:
        self._policy.close()
