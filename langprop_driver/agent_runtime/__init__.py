"""What the LangProp and DAgger leaderboard agents run: their config, the policy in a guarded worker,
and the DAgger step (policy drives, expert labels, frames and infractions go to the replay buffer)."""

from .config import AgentConfig, AgentConfigError
from .guarded_policy import SAFE_ACTION, GuardedPolicy, PolicyStep
from .policy_source import PolicySource, resolve_policy

__all__ = [
    "SAFE_ACTION",
    "AgentConfig",
    "AgentConfigError",
    "GuardedPolicy",
    "PolicySource",
    "PolicyStep",
    "resolve_policy",
]
