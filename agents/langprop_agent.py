"""The LangProp agent (MAP track): a policy checkpoint's best candidate drives on the privileged observation.

Loads as it is under the CARLA leaderboard evaluator (1.0 and 2.x conventions) and in the embedded
world. Agent config (`--agent-config`): empty (the hand-written baseline policy), a policy
checkpoint folder, a `.py` policy file, or a `.toml`/`.json` file with the keys of
`langprop_driver.agent_runtime.AgentConfig` (policy, candidate, step_timeout_s, memory_limit_mib).
"""

from langprop_driver.agent_runtime.agents import LangPropAgent

__all__ = ["LangPropAgent", "get_entry_point"]


def get_entry_point() -> str:
    return "LangPropAgent"
