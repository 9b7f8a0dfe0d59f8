"""What the LangProp and DAgger leaderboard agents run: their config, the policy in a guarded worker,
and the DAgger step (policy drives, expert labels, frames and infractions go to the replay buffer)."""

from .config import AgentConfig, AgentConfigError
from .guarded_policy import SAFE_ACTION, GuardedPolicy, PolicyGaveUp, PolicyStep
from .policy_source import PolicyCheckError, PolicySource, checked_policy, resolve_policy

__all__ = [
    "SAFE_ACTION",
    "AgentConfig",
    "AgentConfigError",
    "GuardedPolicy",
    "PolicyCheckError",
    "PolicyGaveUp",
    "PolicySource",
    "PolicyStep",
    "checked_policy",
    "resolve_policy",
]
